import { describe, expect, it } from "vitest";
import { classifyValue, interpolationDefault, isLikelySecretValue, isPlaceholder, isWeakValue, judgeSecretValue, secretStrength } from "./values.js";

describe("classifyValue", () => {
  it.each([
    ["", "empty"],
    ["  ", "empty"],
    ['""', "empty"],
    ["$DB_PASSWORD", "reference"],
    ["${DB_PASSWORD}", "reference"],
    ["${DB_PASSWORD:?set it}", "reference"],
    ["${A:-${B}}", "reference"],
    ["$(cat /run/secrets/db)", "reference"],
    ["`cat /run/secrets/db`", "reference"],
    ["${USER}:${PASS}", "reference"],
    ["Bearer ${TOKEN}", "reference"],
    ["{{ .Values.password }}", "reference"],
    // Slots to fill are placeholders; working demo values (`changeme`, `example`) are literals, judged weak.
    ["changeme", "literal"],
    ["change-me", "literal"],
    ["CHANGE_ME", "literal"],
    ["<your-token>", "placeholder"],
    ["xxx", "placeholder"],
    ["XXXXXXXX", "placeholder"],
    ["***", "placeholder"],
    ["example", "literal"],
    ["your_password_here", "placeholder"],
    ["TODO", "placeholder"],
    ["dummy", "literal"],
    ["placeholder", "placeholder"],
    ["REPLACE_ME", "placeholder"],
    ["__REPLACE_ME__", "placeholder"],
    ["...", "placeholder"],
    ["…", "placeholder"],
    ["____", "placeholder"],
    ["[token]", "placeholder"],
    ["{token}", "placeholder"],
    ["my-secret-pw", "literal"],
    ["mysecretpassword", "literal"],
    ["AKIAIOSFODNN7EXAMPLE", "placeholder"],
    ["insert-your-key-here", "placeholder"],
    ["insert-your-key", "placeholder"],
    ["TODO: set me", "placeholder"],
    ["postgres://user:<password>@db/app", "placeholder"],
    // Relative key and certificate paths are paths; publishable keys are public by design.
    ["certs/elasticsearch-key.pem", "path"],
    ["config/ssl/server.crt", "path"],
    ["server.key", "path"],
    ["tls.crt", "path"],
    ["pk_live_51HxYzAbCdEfGhIjKlMnOpQr", "public"],
    ["https://auth.example.org/realms/app", "url"],
    ["/run/secrets/db_password", "secret-path"],
    ["/var/run/secrets/kubernetes.io/serviceaccount/token", "secret-path"],
    ["/etc/ssl/private/key.pem", "path"],
    ["./certs/key.pem", "path"],
    ["~/.ssh/id_rsa", "path"],
    ["C:\\keys\\a.pfx", "path"],
    ["true", "boolean"],
    ["no", "boolean"],
    ["OFF", "boolean"],
    ["8080", "number"],
    ["3.14", "number"],
    ["30s", "number"],
    ["sha256:" + "a".repeat(64), "checksum"],
    ["0123456789abcdef0123456789abcdef01234567", "checksum"],
    ["https://downloads.python.org/x", "url"],
    ["hunter2-Tr0ub4dor", "literal"],
    ["s3cr3t", "literal"],
    ["abc$VAR-longliteral", "literal"],
    ["/k7MDENG+bPxRfiCYzzKeyMaterialQ==", "literal"],
    ["/oUH0WLnmtp2h/X6/RyguoaJSFDEZF7NRh8N9Ilo", "literal"],
    ["/usr/local/lib/python3.12/site-packages", "path"],
  ])("%s → %s", (value, kind) => {
    expect(classifyValue(value)).toBe(kind);
  });
});

describe("interpolationDefault", () => {
  it("finds `:-` and `-` defaults with their index", () => {
    expect(interpolationDefault("${DB_PASSWORD:-hunter2}")).toEqual({ default: "hunter2", index: 15 });
    expect(interpolationDefault("x ${T-abc}")).toEqual({ default: "abc", index: 6 });
    expect(interpolationDefault("${A:-${B}}")).toEqual({ default: "${B}", index: 5 });
    expect(interpolationDefault("${A:=v}")).toEqual({ default: "v", index: 5 });
  });
  it("ignores plain references and `:?`", () => {
    expect(interpolationDefault("${A}")).toBeUndefined();
    expect(interpolationDefault("${A:?required}")).toBeUndefined();
    expect(interpolationDefault("$A-x")).toBeUndefined();
  });
});

describe("isLikelySecretValue", () => {
  it.each([
    ["s3cr3t", true],
    ["4f1c9a8b7e6d5c4b3a2f1e0d9c8b7a6f", true],
    ["12345678", true],
    ["80", false],
    ["${X}", false],
    ["changeme", true],
    ["<changeme>", false],
    ["/run/secrets/x", false],
    ["true", false],
    ["", false],
  ])("%s → %s", (v, want) => {
    expect(isLikelySecretValue(v)).toBe(want);
  });
});

describe("helpers", () => {
  it("isPlaceholder strips quotes", () => expect(isPlaceholder("'<your-token>'")).toBe(true));
  it("secretStrength", () => {
    expect(secretStrength("admin")).toBe("low");
    expect(secretStrength("q8Zr2LmX0vTa9WpK3nYb")).toBe("high");
  });
});

describe("isWeakValue: the weak vocabulary", () => {
  it.each([
    "example",
    "examplepass",
    "example_123",
    "example_password",
    "password",
    "Passw0rd!",
    "secret",
    "postgres",
    "admin",
    "root",
    "guest",
    "mysecretpassword",
    "notSecureChangeMe",
    "changeme",
    "changeit",
    "changethis",
    "CHANGE_ME",
    "supersecretkey",
    "mysalt",
    "12345",
    "0000",
    "123456789",
    "0".repeat(64),
    "qwerty",
    "secret-erlang-cookie",
    "s3cr3t",
    "'example'",
  ])("%s is weak", (v) => expect(isWeakValue(v)).toBe(true));

  it.each([
    "hunter2-Tr0ub4dor",
    "Vq3-fj29-XmPz",
    "whalehello",
    "pfsecret",
    "joomla@secured",
    "8f3a9c2e1b7d",
    "django-insecure-k2#9x!v0q$wz7m@p3r8t&y5u1i6o4a0s2d7f9g3h",
    "73914",
    "q8Zr2LmX0vTa9WpK3nYb",
  ])("%s is not weak", (v) => expect(isWeakValue(v)).toBe(false));

  it("a repeat of the user, service or name words is weak", () => {
    expect(isWeakValue("nextcloud", ["nextcloud"])).toBe(true);
    expect(isWeakValue("somewordpress", ["wordpress"])).toBe(true);
    expect(isWeakValue("taiga", ["taiga"])).toBe(true);
    expect(isWeakValue("taiga")).toBe(false);
  });

  it("judgeSecretValue sorts secrets, weak values and slots", () => {
    expect(judgeSecretValue("example")).toBe("weak");
    expect(judgeSecretValue("<your-password>")).toBe("placeholder");
    expect(judgeSecretValue("Vq3-fj29-XmPz")).toBe("secret");
    expect(judgeSecretValue("${PW}")).toBeUndefined();
    expect(judgeSecretValue("certs/db-key.pem")).toBeUndefined();
    // Three digits: a counting run is a demo password, anything else (a port, a count) is not judged.
    expect(judgeSecretValue("123")).toBe("weak");
    expect(judgeSecretValue("000")).toBe("weak");
    expect(judgeSecretValue("443")).toBeUndefined();
    expect(judgeSecretValue("1")).toBeUndefined();
  });
});
