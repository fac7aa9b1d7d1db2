import { looksRandom, shannonEntropy } from "./entropy.js";

/** What a literal value looks like, from the point of view of "could this be a secret". */
export type ValueClass =
  | "empty" | "reference" | "placeholder" | "path" | "secret-path"
  | "boolean" | "number" | "checksum" | "url" | "literal";

/** `$VAR`, `${VAR...}` (one level of nesting), `$(cmd)` and backtick command substitutions. */
const REFERENCE_RE = /\$\{(?:[^{}]|\{[^{}]*\})*\}|\$env:[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\]|\.[A-Za-z_][A-Za-z0-9_]*)*|\$[0-9@*#?$!-]|\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`|\{\{[^{}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%/g;

/** Remove every variable reference and command substitution from `value`. */
export function stripReferences(value: string): string {
  return value.replace(REFERENCE_RE, "");
}

/** True when `value` contains at least one `$VAR`, `${VAR}`, `$(…)`, `` `…` `` or `{{…}}` reference. */
export function hasReference(value: string): boolean {
  REFERENCE_RE.lastIndex = 0;
  return REFERENCE_RE.test(value);
}

/** Exact placeholders (case-insensitive, compared after trimming quotes and spaces). */
const PLACEHOLDERS = new Set([
  "changeme", "change-me", "change_me", "changeit", "change-it", "replaceme", "replace-me", "replace_me",
  "todo", "tbd", "fixme", "dummy", "placeholder", "example", "sample", "test", "testing", "redacted", "secret",
  "password", "passwd", "pass", "token", "apikey", "api_key", "key", "none", "null", "nil", "undefined", "unset",
  "notset", "not-set", "not_set", "n/a", "na", "-", "--", "?", "x", "foo", "bar", "foobar", "value", "your-value",
  "<redacted>", "******", "[redacted]", "[hidden]", "hidden", "insert-here", "set-me", "setme",
]);

/** Placeholder shapes: `<your-token>`, `[token]`, `xxx`, `***`, `...`, `your_password_here`, `example-…`. */
const PLACEHOLDER_RE = new RegExp(
  [
    String.raw`^(?:<[^<>]*>|\[[^[\]]*\]|\{[^{}]*\}|x{3,}|\*{3,}|\.{3,}|…|-{3,}|#{3,}|_{3,}|\?{2,})$`,
    // `your_secret_key_base`, `your-token`: real secrets do not start with "your".
    String.raw`^yours?[-_ .]?[a-z]`,
    String.raw`^my[-_ .]?(?:(?:own|super|secret|strong|db|app|api|root|admin|personal|access)[-_ .]?)*(?:secret|password|passwd|pass|pwd|pw|token|key|api[-_ ]?key|access[-_ ]?key)[a-z0-9_.-]*$`,
    String.raw`^(?:insert|enter|put|add|set|paste)[-_ ](?:your|the|a|real)[-_ ]`,
    String.raw`change[-_ ]?(?:me|it|this)|replace[-_ ]?(?:me|this|with)|example|placeholder|dummy|[-_ ]here$`,
  ].join("|"),
  "i",
);

/** `sha256:…`-style digests, and bare hex of digest lengths (MD5, SHA-1, SHA-256, SHA-512). */
const CHECKSUM_RE = /^(?:(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3):[0-9a-f]{32,128}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i;

const BOOLEAN_RE = /^(?:true|false|yes|no|on|off|y|n|enabled|disabled|enable|disable)$/i;
const NUMBER_RE = /^[-+]?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|0x[0-9a-f]+)(?:ms|s|m|h|d|w|k|kb|mb|gb|ki|mi|gi|b)?$/i;
const SECRET_PATH_RE = /^(?:\/var)?\/run\/secrets(?:\/|$)|^\/var\/run\/secrets\//;
/** A path: absolute, relative with `./`/`../`/`~/`, or a Windows drive path; no `=` (base64 padding). */
const PATH_RE = /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/])[^\s=;'"]*$/;
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
/** Words that may surround references without being secret: `Bearer ${TOKEN}`, `${USER}:${PASS}`. */
const REFERENCE_GLUE_RE = /^(?:[\s:@/.,;=+_\-'"]|bearer|basic|token|https?)*$/i;

/** Classify a (already unquoted) value. */
export function classifyValue(value: string): ValueClass {
  const v = value.trim();
  if (v === "" || v === '""' || v === "''") return "empty";
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
  return "literal";
}

/** True for documentation placeholders like `changeme`, `<your-token>`, `xxx`, `your_password_here`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^(['"])(.*)\1$/, "$2");
  if (PLACEHOLDERS.has(v.toLowerCase())) return true;
  return PLACEHOLDER_RE.test(v);
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
