import { classifyValue, isWeakValue } from "./values.js";
import { removeOverlaps } from "./overlaps.js";

/** A credential found by structure. `index`/`length` locate the secret (not the whole URL) in the text. */
export interface CredentialMatch {
  index: number;
  length: number;
  kind: string;
  label: string;
  /** The credential is a well-known weak or demo value (`root:example@`, `postgres:postgres@`). */
  weak?: boolean;
}

/**
 * `scheme://user:password@host`. The password may contain `@` (greedy up to the last `@`
 * before the host), never `/`, whitespace or quotes. The scheme may follow `:-` (`${DB_URL:-postgres://…}`).
 */
const URL_USERINFO_RE = /(?<![A-Za-z0-9+.]|[A-Za-z0-9+.]-)([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s/?#@:'"`<>]*):([^\s/?#'"`<>]*)@(?=[^\s/?#@'"`<>]*[A-Za-z0-9\]])/g;

/** `https://<token>:x-oauth-basic@github.com`: the token is the user part. */
const TOKEN_AS_USER_PASSWORDS = new Set(["x-oauth-basic", "x-oauth-token"]);

/** A value that is not a literal secret: empty, `$VAR`, `${VAR}`, `%24%7BVAR%7D`, placeholder. */
function isNotASecret(value: string): boolean {
  if (value === "") return true;
  const decoded = safeDecode(value);
  if (/^%24|^\$/.test(value)) return true;
  const kind = classifyValue(decoded);
  return kind === "empty" || kind === "reference" || kind === "placeholder";
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Passwords in URL userinfo (`postgres://app:s3cret@db/app`). Skips `user@host`, `$VAR`s and placeholders. */
export function findUrlCredentials(text: string): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  // Most texts hold no URL with userinfo: two indexOf calls instead of the regex's lookbehind at
  // every position.
  const scheme = text.indexOf("://");
  if (scheme < 0 || text.indexOf("@", scheme) < 0) return out;
  URL_USERINFO_RE.lastIndex = 0;
  for (let m = URL_USERINFO_RE.exec(text); m !== null; m = URL_USERINFO_RE.exec(text)) {
    const [whole, scheme, user, password] = m;
    const userIndex = m.index + scheme.length + 3;
    const passwordIndex = userIndex + user.length + 1;
    if (TOKEN_AS_USER_PASSWORDS.has(password.toLowerCase())) {
      if (!isNotASecret(user)) out.push({ index: userIndex, length: user.length, kind: "url-token", label: "token in URL" });
    } else if (!isNotASecret(password)) {
      const match: CredentialMatch = { index: passwordIndex, length: password.length, kind: "url-password", label: "password in URL" };
      const host = /^[^\s/?#:'"`<>]*/.exec(text.slice(m.index + whole.length))?.[0] ?? "";
      if (isWeakValue(safeDecode(password), [user, host, scheme])) match.weak = true;
      out.push(match);
    }
    URL_USERINFO_RE.lastIndex = m.index + whole.length;
  }
  return out;
}

/**
 * ADO.NET / ODBC / Azure connection strings (`Server=db;User Id=sa;Password=…;`) and JDBC-style
 * query parameters (`?user=app&password=…`). The key must sit in a `;`- or `&`-separated list,
 * so that a lone `PASSWORD=x` (a shell or env assignment, handled elsewhere) does not match here.
 */
// The lead is `^`, a separator, or the *first* blank of a run: starting inside a run of blanks would
// rescan the run from every position (quadratic on a line of tabs).
const CONNECTION_KEY_RE =
  /(^|[;?&"']|(?<!\s)\s)\s*(password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=\s*('[^']*'|"[^"]*"|\{[^}]*\}|[^;&"'\s]*)/gi;

/** Every match of CONNECTION_KEY_RE holds one of these keys (the gate is far cheaper than the regex). */
const CONNECTION_KEY_GATE_RE = /password|pwd|accountkey|sharedaccesskey|sharedaccesssignature/i;

export function findConnectionStringPasswords(text: string): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  if (!text.includes("=") || !CONNECTION_KEY_GATE_RE.test(text)) return out;
  CONNECTION_KEY_RE.lastIndex = 0;
  for (let m = CONNECTION_KEY_RE.exec(text); m !== null; m = CONNECTION_KEY_RE.exec(text)) {
    const [whole, lead, key, rawValue] = m;
    const end = m.index + whole.length;
    const inList =
      lead === ";" ||
      lead === "?" ||
      lead === "&" ||
      text[end] === ";" ||
      text[end] === "&" ||
      /;\s*$/.test(text.slice(Math.max(0, m.index - 40), m.index + lead.length));
    if (!inList) continue;
    let value = rawValue;
    let valueIndex = end - rawValue.length;
    if (/^(['"{])/.test(value) && value.length >= 2) {
      value = value.slice(1, -1);
      valueIndex += 1;
    }
    if (isNotASecret(value)) continue;
    const lower = key.toLowerCase();
    const user = /(?:^|[;\s])(?:user\s?id|uid|user(?:name)?)\s*=\s*([^;&"'\s]*)/i.exec(text.slice(Math.max(0, m.index - 200), m.index))?.[1];
    const label =
      lower === "accountkey"
        ? "storage account key in connection string"
        : lower.startsWith("sharedaccess")
          ? "shared access key in connection string"
          : "password in connection string";
    const match: CredentialMatch = { index: valueIndex, length: value.length, kind: "connection-string-password", label };
    if (isWeakValue(value, user ? [user] : [])) match.weak = true;
    out.push(match);
  }
  return out;
}

/**
 * libpq keyword/value connection strings (`host=db user=app password=… dbname=app`), in `psql "…"`,
 * `PG_DSN=…` or anywhere else. The password must sit among other libpq keywords, so that a lone
 * `password=x` (handled by the name rules) does not match here.
 * Reference: https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-KEYWORD-VALUE
 */
const LIBPQ_PASSWORD_RE = /(?<![\w.-])password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s'"`;&]+)/gi;
const LIBPQ_KEYWORD_RE = /(?<![\w.-])(?:host|hostaddr|port|dbname|user|sslmode|application_name|connect_timeout|options)\s*=\s*\S/i;

export function findLibpqPasswords(text: string): CredentialMatch[] {
  if (!/password\s*=/i.test(text)) return [];
  const out: CredentialMatch[] = [];
  LIBPQ_PASSWORD_RE.lastIndex = 0;
  for (let m = LIBPQ_PASSWORD_RE.exec(text); m !== null; m = LIBPQ_PASSWORD_RE.exec(text)) {
    // The other keywords of the same string: same line, within a few words either side.
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    const lineEnd = text.indexOf("\n", m.index);
    const around = text.slice(Math.max(lineStart, m.index - 120), Math.min(lineEnd < 0 ? text.length : lineEnd, m.index + m[0].length + 120));
    if (!LIBPQ_KEYWORD_RE.test(around.replace(m[0], " "))) continue;
    let value = m[1];
    let valueIndex = m.index + m[0].length - value.length;
    if (value.startsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
      valueIndex += 1;
    }
    if (isNotASecret(value)) continue;
    const user = /(?<![\w.-])user\s*=\s*'?([^\s';&]+)/i.exec(around)?.[1];
    const match: CredentialMatch = { index: valueIndex, length: value.length, kind: "libpq-password", label: "password in a libpq connection string" };
    if (isWeakValue(value, user ? [user] : [])) match.weak = true;
    out.push(match);
  }
  return out;
}

/**
 * Credentials in header lists (`OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic …,x-honeycomb-team=…`):
 * an `Authorization` entry's Basic or Bearer credentials, and secret-named header entries.
 * Values may be URL-encoded (`Basic%20…`).
 * Reference: https://opentelemetry.io/docs/specs/otel/protocol/exporter/#specifying-headers-via-environment-variables
 */
const HEADER_AUTH_RE = /(?<![\w-])(?:proxy-)?authorization\s*[=:]\s*(?:basic|bearer|token)(?:\s+|%20|\+)([A-Za-z0-9+/=._~%-]{8,})/gi;
const HEADER_LIST_ENTRY_RE = /(?:^|[,"'\s=])((?:x-)?[a-z][a-z0-9]*(?:-[a-z0-9]+)+)=([^\s,"';&]{8,})/gi;
const SECRET_HEADER_RE = /(?:^|-)(?:api-?key|apikey|token|secret|team|ingestion-key|access-key|auth-key|license-key)$/i;

export function findHeaderCredentials(text: string): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  HEADER_AUTH_RE.lastIndex = 0;
  const mentionsAuthorization = /authorization/i.test(text);
  for (let m = mentionsAuthorization ? HEADER_AUTH_RE.exec(text) : null; m !== null; m = HEADER_AUTH_RE.exec(text)) {
    const value = m[1];
    if (isNotASecret(safeDecode(value))) continue;
    out.push({
      index: m.index + m[0].length - value.length,
      length: value.length,
      kind: "header-credential",
      label: "credentials in an Authorization header setting",
    });
  }
  // An entry is `name-with-dashes=value`.
  if (!text.includes("=") || !text.includes("-")) return out;
  HEADER_LIST_ENTRY_RE.lastIndex = 0;
  for (let m = HEADER_LIST_ENTRY_RE.exec(text); m !== null; m = HEADER_LIST_ENTRY_RE.exec(text)) {
    const [whole, name, value] = m;
    if (!SECRET_HEADER_RE.test(name) || isNotASecret(safeDecode(value))) continue;
    // Only header lists: a comma-separated list, or a name that says headers.
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    const after = text[m.index + whole.length];
    if (!/headers?\s*[=:]\s*["']?$|,\s*$/i.test(before) && after !== ",") continue;
    const index = m.index + whole.length - value.length;
    if (out.some((o) => index >= o.index && index < o.index + o.length)) continue;
    out.push({ index, length: value.length, kind: "header-credential", label: `${name} header setting` });
  }
  return out;
}

/** Every structural credential in a text: URL userinfo, connection strings, libpq strings, header lists; one per span. */
export function findCredentialsInText(text: string): CredentialMatch[] {
  return removeOverlaps([...findUrlCredentials(text), ...findConnectionStringPasswords(text), ...findLibpqPasswords(text), ...findHeaderCredentials(text)]);
}
