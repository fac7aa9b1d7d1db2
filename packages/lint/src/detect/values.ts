import { looksRandom, shannonEntropy } from "./entropy.js";

/** What a literal value looks like, from the point of view of "could this be a secret". */
export type ValueClass =
  | "empty"
  | "reference"
  | "placeholder"
  | "path"
  | "secret-path"
  | "boolean"
  | "number"
  | "checksum"
  | "url"
  | "public"
  | "hash"
  | "literal";

/** `$VAR`, `${VAR...}` (one level of nesting), `$(cmd)` and backtick command substitutions. */
const REFERENCE_RE =
  /\$\{(?:[^{}]|\{[^{}]*\})*\}|\$env:[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\]|\.[A-Za-z_][A-Za-z0-9_]*)*|\$[0-9@*#?$!-]|\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`|\{\{[^{}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%/g;

/** Remove every variable reference and command substitution from `value`. */
export function stripReferences(value: string): string {
  return value.replace(REFERENCE_RE, "");
}

/** True when `value` contains at least one `$VAR`, `${VAR}`, `$(…)`, `` `…` `` or `{{…}}` reference. */
export function hasReference(value: string): boolean {
  REFERENCE_RE.lastIndex = 0;
  return REFERENCE_RE.test(value);
}

/**
 * Slots to fill: values that cannot work as written because they visibly stand for something else
 * (compared lower-cased after trimming quotes and spaces). Working demo values (`example`,
 * `changeme`, `password`) are not here: they are weak, see WEAK_VALUES.
 */
const PLACEHOLDERS = new Set([
  "todo",
  "tbd",
  "fixme",
  "placeholder",
  "redacted",
  "<redacted>",
  "[redacted]",
  "[hidden]",
  "hidden",
  "masked",
  "none",
  "null",
  "nil",
  "undefined",
  "unset",
  "notset",
  "not-set",
  "not_set",
  "n/a",
  "na",
  "-",
  "--",
  "?",
  "x",
  "replaceme",
  "replace-me",
  "replace_me",
  "set-me",
  "setme",
  "set_me",
  "fill-me",
  "fillme",
  "fill_me",
  "fill-in",
  "tobefilled",
  "your-value",
  "insert-here",
]);

/**
 * Placeholder shapes: `<your-token>`, `[token]`, `{token}`, runs of `x`/`*`/`.`/`_`, `your_password_here`,
 * `insert-your-key`, `replace_with_…`, `TODO: …`, and vendors' documentation keys (`AKIA…EXAMPLE`).
 */
const PLACEHOLDER_RE = new RegExp(
  [
    String.raw`^(?:<[^<>]*>|\[[^[\]]*\]|\{[^{}]*\}|x{3,}|\*{3,}|\.{3,}|\u2026|-{3,}|#{3,}|_{3,}|\?{2,}|\u2022{3,})$`,
    // `your_secret_key_base`, `your-token`: real secrets do not start with "your".
    String.raw`^yours?[-_ .]?[a-z]`,
    String.raw`^(?:insert|enter|put|add|set|paste|fill)[-_ ](?:in[-_ ])?(?:your|the|a|real)[-_ ]`,
    String.raw`replace[-_ ]?(?:me|this|with)|placeholder|[-_ ]here$|^todo\b|<[a-z][a-z0-9 _-]*>`,
  ].join("|"),
  "i",
);

/** AWS and others publish documentation keys that end in EXAMPLE (`AKIAIOSFODNN7EXAMPLE`); they are disabled. */
const VENDOR_EXAMPLE_RE = /^[A-Za-z0-9/+]{8,}EXAMPLE(?:KEY)?$/;

/** `sha256:…`-style digests, and bare hex of digest lengths (MD5, SHA-1, SHA-256, SHA-512). */
const CHECKSUM_RE =
  /^(?:(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3):[0-9a-f]{32,128}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i;

const BOOLEAN_RE = /^(?:true|false|yes|no|on|off|y|n|enabled|disabled|enable|disable)$/i;
const NUMBER_RE = /^[-+]?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|0x[0-9a-f]+)(?:ms|s|m|h|d|w|k|kb|mb|gb|ki|mi|gi|b)?$/i;
const SECRET_PATH_RE = /^(?:\/var)?\/run\/secrets(?:\/|$)|^\/var\/run\/secrets\//;
/** A path: absolute, relative with `./`/`../`/`~/`, or a Windows drive path; no `=` (base64 padding). */
const PATH_RE = /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/])[^\s=;'"]*$/;
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
/**
 * A relative path to a key or certificate file (`certs/elasticsearch-key.pem`, `secrets/db.key`):
 * a directory, a slash, and a file name with a key-file extension.
 */
const RELATIVE_FILE_RE =
  /^(?:[\w.-]+\/)+[\w.-]+\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|pub|csr|txt|json|ya?ml|conf|env)$|^[\w-]+(?:\.[\w-]+)*\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|csr)$/i;
/**
 * Values public by design: Stripe publishable keys (embedded in web pages; https://docs.stripe.com/keys),
 * SSH public keys (`ssh-ed25519 AAAA… user@host`), PEM public keys and certificates.
 */
const PUBLIC_VALUE_RE =
  /^pk_(?:live|test)_[0-9A-Za-z]{10,247}$|^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d{3}|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA[0-9A-Za-z+/]+={0,3}(?: \S+)?$|^-----BEGIN (?:PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/;
/**
 * Password hashes (bcrypt, argon2, Apache apr1, SHA-crypt), optionally as an htpasswd `user:` line:
 * what is stored instead of a password, not a credential to log in with.
 */
const PASSWORD_HASH_RE =
  /^(?:[\w.@-]+:)?\$(?:2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+|apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|[56]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86})$/;
/** Words that may surround references without being secret: `Bearer ${TOKEN}`, `${USER}:${PASS}`. */
const REFERENCE_GLUE_RE = /^(?:[\s:@/.,;=+_\-'"]|bearer|basic|token|https?)*$/i;

/** Is `rest` (a value with its references removed) only glue: separators, `Bearer`, `https`? */
export function isReferenceGlue(rest: string): boolean {
  return REFERENCE_GLUE_RE.test(rest);
}

/** Classify a (already unquoted) value. */
export function classifyValue(value: string): ValueClass {
  const v = value.trim();
  if (v === "" || v === '""' || v === "''") return "empty";
  // A password hash is full of `$`; it is not a reference, and not a credential either.
  if (PASSWORD_HASH_RE.test(v)) return "hash";
  if (hasReference(v)) {
    const rest = stripReferences(v);
    if (REFERENCE_GLUE_RE.test(rest)) return "reference";
  }
  if (isPlaceholder(v)) return "placeholder";
  if (SECRET_PATH_RE.test(v)) return "secret-path";
  if (BOOLEAN_RE.test(v)) return "boolean";
  if (NUMBER_RE.test(v)) return "number";
  if (CHECKSUM_RE.test(v)) return "checksum";
  if (URL_RE.test(v)) return "url";
  if (PATH_RE.test(v) && !looksLikeBase64Secret(v)) return "path";
  if (RELATIVE_FILE_RE.test(v) && !looksLikeBase64Secret(v)) return "path";
  if (PUBLIC_VALUE_RE.test(v)) return "public";
  return "literal";
}

/** True for slots to fill like `<your-token>`, `xxx`, `your_password_here`, `TODO` (not for working demo values). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^(['"])(.*)\1$/, "$2");
  if (PLACEHOLDERS.has(v.toLowerCase())) return true;
  return PLACEHOLDER_RE.test(v) || VENDOR_EXAMPLE_RE.test(v);
}

/** A path-looking value that is really base64 (`/k7MDENG+bPxRfiCY==`): long, random, no dots or word-ish segments. */
function looksLikeBase64Secret(v: string): boolean {
  if (/[+=]/.test(v) && looksRandom(v)) return true;
  // AWS-style secret keys may start with `/` and hold a few more: 32+ random characters, no dot.
  const flat = v.replace(/\//g, "");
  if (v.length >= 32 && !v.includes(".") && /[a-z]/.test(flat) && /[A-Z]/.test(flat) && /\d/.test(flat) && looksRandom(flat)) return true;
  const segments = v.split("/").filter(Boolean);
  return segments.length > 0 && segments.every((s) => s.length >= 16 && looksRandom(s) && !s.includes("."));
}

/** The default of the first `${VAR:-default}`, `${VAR-default}`, `${VAR:=default}` or `${VAR=default}` in `value`. */
export function interpolationDefault(value: string): { default: string; index: number } | undefined {
  const re = /\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-=])/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const start = m.index + m[0].length;
    // Find the matching close brace, allowing one nested `${…}` in the default.
    let depth = 1;
    let i = start;
    for (; i < value.length && depth > 0; i++) {
      if (value[i] === "{") depth++;
      else if (value[i] === "}") depth--;
    }
    if (depth !== 0) continue;
    return { default: value.slice(start, i - 1), index: start };
  }
  return undefined;
}

/**
 * Could `value` be a real secret, given that its name already says "secret"?
 * Literals and hex digests count (many API keys are hex); 4+ digit strings count (numeric passwords, PINs);
 * empty values, references, placeholders, paths, booleans and URLs do not (URLs are checked by urls.ts).
 */
export function isLikelySecretValue(value: string): boolean {
  switch (classifyValue(value)) {
    case "literal":
    case "checksum":
      return true;
    case "number":
      // Numeric passwords and PINs; short numbers (ports, counts) are not.
      return /^\d{4,}$/.test(value.trim());
    default:
      return false;
  }
}

/** `high` for values that look machine-generated, `low` for short or word-like ones (`admin`, `postgres`). */
export function secretStrength(value: string): "high" | "low" {
  const v = value.trim();
  return looksRandom(v) || (v.length >= 12 && shannonEntropy(v) >= 3) ? "high" : "low";
}

/**
 * Weak values work as credentials but everyone knows them: product defaults (`postgres`, `guest`,
 * `changeit`), documentation demo values (`example`, `examplepass`, `mysecretpassword`) and
 * keyboard walks. Compared lower-cased, quotes and trailing digits/punctuation removed.
 */
export const WEAK_VALUES: ReadonlySet<string> = new Set([
  "password",
  "passw0rd",
  "p@ssw0rd",
  "p@ssword",
  "pass",
  "passwd",
  "pwd",
  "secret",
  "s3cret",
  "s3cr3t",
  "secretpassword",
  "topsecret",
  "supersecret",
  "example",
  "examplepass",
  "examplepassword",
  "sample",
  "demo",
  "test",
  "testing",
  "dev",
  "default",
  "admin",
  "administrator",
  "root",
  "toor",
  "guest",
  "user",
  "login",
  "master",
  "sa",
  "manager",
  "public",
  "postgres",
  "postgresql",
  "mysql",
  "mariadb",
  "mongo",
  "mongodb",
  "redis",
  "rabbitmq",
  "elastic",
  "kibana",
  "grafana",
  "minio",
  "minioadmin",
  "keycloak",
  "airflow",
  "jenkins",
  "sonar",
  "oracle",
  "bitnami",
  "clickhouse",
  "changeme",
  "changeit",
  "changethis",
  "letmein",
  "welcome",
  "qwerty",
  "qwertyuiop",
  "asdf",
  "asdfgh",
  "abc",
  "abcdef",
  "iloveyou",
  "monkey",
  "dragon",
  "trustno1",
  "dummy",
  "foo",
  "bar",
  "baz",
  "foobar",
  "token",
  "apikey",
  "key",
  "value",
  "notsecurechangeme",
  "mysecretpassword",
]);

/** Words a weak value is built from: `my` + `secret` + `password`, `example` + `pass`, `super` + `secret` + `key`. */
const WEAK_PARTS = [
  "password",
  "passwd",
  "pass",
  "pwd",
  "secret",
  "secure",
  "insecure",
  "not",
  "token",
  "key",
  "example",
  "sample",
  "demo",
  "test",
  "admin",
  "root",
  "user",
  "default",
  "changeme",
  "change",
  "me",
  "it",
  "this",
  "please",
  "my",
  "super",
  "top",
  "very",
  "some",
  "the",
  "dev",
  "local",
  "app",
  "db",
  "api",
  "auth",
  "salt",
  "cookie",
  "erlang",
  "session",
  "signing",
  "encryption",
  "jwt",
  "master",
  "guest",
  "new",
  "strong",
  "hello",
  "world",
  "foo",
  "bar",
  "dummy",
  "fake",
  "mock",
  "s3cr3t",
  "s3cret",
  "p@ss",
  "passw0rd",
];

/** Digit runs that are not random: one digit repeated (`0000`, 64 zeros) or counting up/down (`12345`, `0123`, `9876`). */
function isTrivialDigits(d: string): boolean {
  if (d.length < 3) return false;
  if (/^(\d)\1+$/.test(d)) return true;
  let up = true;
  let down = true;
  for (let i = 1; i < d.length; i++) {
    if ((d.charCodeAt(i) - d.charCodeAt(i - 1) + 10) % 10 !== 1) up = false;
    if ((d.charCodeAt(i - 1) - d.charCodeAt(i) + 10) % 10 !== 1) down = false;
  }
  return up || down;
}

/** Can `text` be cut entirely into WEAK_PARTS and `extra` words? (Short strings only: the search is bounded.) */
function segmentsInto(text: string, extra: readonly string[]): boolean {
  if (text.length === 0 || text.length > 48) return false;
  const parts = [...WEAK_PARTS, ...extra.filter((w) => w.length >= 3)];
  const ok = new Array<boolean>(text.length + 1).fill(false);
  ok[0] = true;
  for (let i = 0; i < text.length; i++) {
    if (!ok[i]) continue;
    for (const p of parts) if (text.startsWith(p, i)) ok[i + p.length] = true;
  }
  return ok[text.length];
}

/**
 * Is `value` a well-known weak value? `related` holds words from the context that a demo
 * password often repeats: the variable's name words, the user name, the service name
 * (`MYSQL_PASSWORD=nextcloud` in service `nextcloud`, `postgres://app:app@db`).
 * A demo marker next to a random part is not weak (`django-insecure-<50 random characters>` is a real key).
 */
export function isWeakValue(value: string, related: readonly string[] = []): boolean {
  const v = value.trim().replace(/^(['"])(.*)\1$/, "$2");
  if (v.length === 0 || v.length > 128) return false;
  const lower = v.toLowerCase();
  if (/^\d+$/.test(v)) return isTrivialDigits(v);
  if (/^0x?0+$/i.test(v)) return true;
  const context = related.map((r) => r.toLowerCase().replace(/[^a-z0-9]+/g, "")).filter((r) => r.length >= 2);
  // `example_123`, `Password1!`, `admin2024`: the word that matters, without separators and a numeric tail.
  const core = lower
    .replace(/[^a-z0-9@]+/g, "")
    .replace(/(?<!\d)\d+$/, "")
    .replace(/@$/, "");
  if (core.length === 0) return isTrivialDigits(lower.replace(/\D+/g, ""));
  if (WEAK_VALUES.has(core) || context.includes(core)) return true;
  if (segmentsInto(core, context)) return true;
  // `example_123`, `notSecureChangeMe`; but `django-insecure-<50 random characters>` is a real key.
  const marker = /example|changeme|changeit|changethis|notsecure/.exec(core);
  return marker !== null && !looksRandom(core.replace(marker[0], ""));
}

/** What a literal in a secret-named slot amounts to: a secret, a weak value, a slot to fill, or nothing. */
export type ValueVerdict = "secret" | "weak" | "placeholder";

/** Verdict for a value where a secret is expected (a secret-named setting, a URL password, a password flag). */
export function judgeSecretValue(value: string, related: readonly string[] = []): ValueVerdict | undefined {
  const kind = classifyValue(value);
  if (kind === "placeholder") return "placeholder";
  // `MYSQL_ROOT_PASSWORD: 123`: too short to be a PIN, but a counting run where a password goes is a demo value.
  if (kind === "number" && /^\d{3}$/.test(value.trim())) return isWeakValue(value) ? "weak" : undefined;
  if (!isLikelySecretValue(value)) return undefined;
  return isWeakValue(value, related) ? "weak" : "secret";
}
