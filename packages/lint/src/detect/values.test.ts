import { describe, expect, it } from "vitest";
import { classifyValue, interpolationDefault, isLikelySecretValue, isPlaceholder, secretStrength } from "./values.js";

describe("classifyValue", () => {
  it.each([
    ["", "empty"], ["  ", "empty"], ['""', "empty"],
    ["$DB_PASSWORD", "reference"], ["${DB_PASSWORD}", "reference"], ["${DB_PASSWORD:?set it}", "reference"],
    ["${A:-${B}}", "reference"], ["$(cat /run/secrets/db)", "reference"], ["`cat /run/secrets/db`", "reference"],
    ["${USER}:${PASS}", "reference"], ["Bearer ${TOKEN}", "reference"], ["{{ .Values.password }}", "reference"],
    ["changeme", "placeholder"], ["change-me", "placeholder"], ["CHANGE_ME", "placeholder"], ["<your-token>", "placeholder"],
    ["xxx", "placeholder"], ["XXXXXXXX", "placeholder"], ["***", "placeholder"], ["example", "placeholder"],
    ["your_password_here", "placeholder"], ["TODO", "placeholder"], ["dummy", "placeholder"], ["placeholder", "placeholder"],
    ["REPLACE_ME", "placeholder"], ["...", "placeholder"], ["my-secret-pw", "placeholder"], ["mysecretpassword", "placeholder"],
    ["AKIAIOSFODNN7EXAMPLE", "placeholder"], ["insert-your-key-here", "placeholder"],
    ["/run/secrets/db_password", "secret-path"], ["/var/run/secrets/kubernetes.io/serviceaccount/token", "secret-path"],
    ["/etc/ssl/private/key.pem", "path"], ["./certs/key.pem", "path"], ["~/.ssh/id_rsa", "path"], ["C:\\keys\\a.pfx", "path"],
    ["true", "boolean"], ["no", "boolean"], ["OFF", "boolean"],
    ["8080", "number"], ["3.14", "number"], ["30s", "number"],
    ["sha256:" + "a".repeat(64), "checksum"], ["0123456789abcdef0123456789abcdef01234567", "checksum"],
    ["https://downloads.python.org/x", "url"],
    ["hunter2-Tr0ub4dor", "literal"], ["s3cr3t", "literal"], ["abc$VAR-longliteral", "literal"],
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
  it.each([["s3cr3t", true], ["4f1c9a8b7e6d5c4b3a2f1e0d9c8b7a6f", true], ["12345678", true], ["80", false],
    ["${X}", false], ["changeme", false], ["/run/secrets/x", false], ["true", false], ["", false]])("%s → %s", (v, want) => {
    expect(isLikelySecretValue(v)).toBe(want);
  });
});

describe("helpers", () => {
  it("isPlaceholder strips quotes", () => expect(isPlaceholder("'changeme'")).toBe(true));
  it("secretStrength", () => {
    expect(secretStrength("admin")).toBe("low");
    expect(secretStrength("q8Zr2LmX0vTa9WpK3nYb")).toBe("high");
  });
});
