import { classifyValue } from "./values.js";

/** A credential found by structure. `index`/`length` locate the secret (not the whole URL) in the text. */
export interface CredentialMatch {
  index: number;
  length: number;
  kind: string;
  label: string;
}

/**
 * `scheme://user:password@host`. The password may contain `@` (greedy up to the last `@`
 * before the host), never `/`, whitespace or quotes.
 */
const URL_USERINFO_RE = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s/?#@:'"`<>]*):([^\s/?#'"`<>]*)@(?=[^\s/?#@'"`<>]*[A-Za-z0-9\]])/g;

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
  URL_USERINFO_RE.lastIndex = 0;
  for (let m = URL_USERINFO_RE.exec(text); m !== null; m = URL_USERINFO_RE.exec(text)) {
    const [whole, scheme, user, password] = m;
    const userIndex = m.index + scheme.length + 3;
    const passwordIndex = userIndex + user.length + 1;
    if (TOKEN_AS_USER_PASSWORDS.has(password.toLowerCase())) {
      if (!isNotASecret(user)) out.push({ index: userIndex, length: user.length, kind: "url-token", label: "token in URL" });
    } else if (!isNotASecret(password)) {
      out.push({ index: passwordIndex, length: password.length, kind: "url-password", label: "password in URL" });
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
const CONNECTION_KEY_RE = /(^|[;?&"'\s])\s*(password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=\s*('[^']*'|"[^"]*"|\{[^}]*\}|[^;&"'\s]*)/gi;

export function findConnectionStringPasswords(text: string): CredentialMatch[] {
  const out: CredentialMatch[] = [];
  CONNECTION_KEY_RE.lastIndex = 0;
  for (let m = CONNECTION_KEY_RE.exec(text); m !== null; m = CONNECTION_KEY_RE.exec(text)) {
    const [whole, lead, key, rawValue] = m;
    const end = m.index + whole.length;
    const inList = lead === ";" || lead === "?" || lead === "&" || text[end] === ";" || text[end] === "&" ||
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
    const label = lower === "accountkey" ? "storage account key in connection string"
      : lower.startsWith("sharedaccess") ? "shared access key in connection string"
      : "password in connection string";
    out.push({ index: valueIndex, length: value.length, kind: "connection-string-password", label });
  }
  return out;
}
