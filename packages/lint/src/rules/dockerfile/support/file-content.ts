import { closeSync, openSync, readSync, statSync } from "node:fs";
import { findCredentialsInText, findKnownTokens } from "../../../detect/index.js";
import { parseDotenv } from "../../../parse/dotenv.js";
import { DEFAULT_NAME_SETTINGS, type NameSettings } from "../../../rule.js";
import { judgeNamedValue } from "../../support/named-values.js";

/**
 * What a secret-looking file in the build context really holds, when it is there to read:
 * `public` (a certificate, an env file with no credential in it), `secret`, or `unknown`.
 * Only the head of the file is read; nothing read here is ever reported.
 */
export type FileContent = "public" | "secret" | "unknown";

const HEAD_BYTES = 64 * 1024;

function readHead(absPath: string): string | undefined {
  let fd: number | undefined;
  try {
    if (!statSync(absPath).isFile()) return undefined;
    fd = openSync(absPath, "r");
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n).toString("utf8");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A PEM file: `public` when its first block is a certificate (a CA bundle), `secret` when it holds a private key. */
export function pemContent(absPath: string): FileContent {
  const head = readHead(absPath);
  if (head === undefined) return "unknown";
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(head)) return "secret";
  const first =
    head
      .split(/\r?\n/)
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  return /^-----BEGIN (?:TRUSTED )?CERTIFICATE-----$|^-----BEGIN X509 CRL-----$/.test(first) ? "public" : "unknown";
}

/** An env file: `public` when no entry holds a credential (`EXPO_PUBLIC_PORT=8080`), else `secret`. */
export function dotenvContent(absPath: string, names: NameSettings = DEFAULT_NAME_SETTINGS): FileContent {
  const head = readHead(absPath);
  if (head === undefined) return "unknown";
  const parsed = parseDotenv(head, absPath);
  if (!parsed.ok) return "unknown";
  if (findKnownTokens(head).length > 0 || findCredentialsInText(head).length > 0) return "secret";
  for (const e of parsed.doc.entries) {
    if (!e.value) continue;
    const verdict = judgeNamedValue(e.name, e.value.text, names);
    if (verdict === "secret" || verdict === "weak") return "secret";
  }
  return "public";
}

/** A CA certificate or chain by its name: `ca.pem`, `ca-bundle.pem`, `root-ca.pem`, `fullchain.pem` (never `*key*`). */
export function namesCertificate(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  if (!lower.endsWith(".pem") || /key|priv|secret/.test(lower)) return false;
  return /(?:^|[-_.])(?:ca|cacert|cacerts|ca-?bundle|ca-?certificates|root-?ca|intermediate(?:-?ca)?|chain|fullchain|cert|certificate|crt)(?:[-_.]|$)/.test(
    lower,
  );
}

/** Maven `settings.xml`: `secret` when a `<password>`/`<passphrase>` holds a literal (not `${env.X}`), `public` when none does. */
export function mavenSettingsContent(absPath: string): FileContent {
  const head = readHead(absPath);
  if (head === undefined) return "unknown";
  const values = Array.from(head.matchAll(/<(password|passphrase|privateKey)>([^<]*)<\/\1>/g), (m) => m[2].trim());
  return values.some((v) => v !== "" && !/^\$\{[^}]*\}$/.test(v)) ? "secret" : "public";
}
