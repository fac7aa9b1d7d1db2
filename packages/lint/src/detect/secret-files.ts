/**
 * Files that hold secrets by nature, so that copying them into an image leaks them.
 * Returns a label for messages, or undefined.
 *
 * Decisions:
 * - `.env`, `.env.*` and `*.env` count, except templates (`.example`, `.sample`, `.template`, `.dist`, `.defaults`).
 * - `*.pem` counts even though it may be a certificate; the label says so.
 * - `*.key` counts, except well-known public signing keys (`nginx_signing.key`, apt `Release.key`, `*.pub.key`, keyrings).
 * - `secrets.yml`/`secrets.json` do NOT count: in Rails and Helm they are usually templates full of env references.
 * - Public halves (`*.pub`, `id_rsa.pub`), certificates (`*.crt`, `*.cer`) and GPG keyrings (`*.gpg`, `*.asc`) do not count.
 */
export function secretFileKind(path: string): string | undefined {
  return secretFileInfo(path)?.label;
}

/**
 * Like `secretFileKind`, plus `certain`: false for files that are often harmless
 * (`*.pem` certificates, `.npmrc` without a token, `.htpasswd` hashes, a `.docker` directory).
 */
export function secretFileInfo(path: string): { label: string; certain: boolean } | undefined {
  const label = classify(path);
  return label === undefined ? undefined : { label, certain: !UNCERTAIN.has(label) };
}

function classify(path: string): string | undefined {
  const normalized = path.replace(/\\/g, "/").replace(/(?<!\/)\/+$/, "");
  const segments = normalized.split("/").filter((s) => s !== "" && s !== ".");
  const base = segments[segments.length - 1] ?? "";
  const parent = (segments[segments.length - 2] ?? "").toLowerCase();
  const lower = base.toLowerCase();
  if (lower === "" || lower.endsWith(".pub")) return undefined;

  if (DOTENV_TEMPLATE_RE.test(lower)) return undefined;
  if (lower === ".env" || lower.startsWith(".env.") || (lower.endsWith(".env") && lower.length > 4)) return "dotenv file";

  if (SSH_KEY_RE.test(lower)) return "SSH private key";
  if (parent === ".aws" && (lower === "credentials" || lower === "config")) return "AWS credentials file";
  if (parent === ".docker" && lower === "config.json") return "Docker credentials file";
  if (parent === ".kube" && lower === "config") return "kubeconfig";
  if (parent === ".cargo" && /^credentials(?:\.toml)?$/.test(lower)) return "Cargo credentials file";

  const byName = BY_NAME.get(lower);
  if (byName) return byName;
  if (/^service[-_]?account.*\.json$/.test(lower) || lower === "application_default_credentials.json") return "cloud service account key";

  const ext = lower.includes(".") ? lower.slice(lower.lastIndexOf(".")) : "";
  if (ext === ".key") return PUBLIC_KEY_FILE_RE.test(lower) || PUBLIC_KEY_DIR_RE.test(normalized) ? undefined : "private key file (*.key)";
  return BY_EXTENSION.get(ext);
}

const UNCERTAIN = new Set<string>();

const DOTENV_TEMPLATE_RE = /(?:^|[.])(?:example|sample|template|tmpl|tpl|dist|defaults|schema)(?:\.env)?$|^(?:example|sample)\.env$/;
const SSH_KEY_RE = /^id_(?:rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk|xmss)$/;
const PUBLIC_KEY_FILE_RE = /(?:^|[._-])(?:pub|public|signing|release|archive|repo|keyring|gpg|pgp|apt)(?:[._-]|$)/;
const PUBLIC_KEY_DIR_RE = /(?:^|\/)(?:usr\/share\/keyrings|etc\/apt)\//;

const BY_NAME = new Map<string, string>([
  [".npmrc", "npm config (may hold an auth token)"],
  [".yarnrc.yml", "Yarn config (may hold an auth token)"],
  [".pypirc", "PyPI credentials file"],
  [".netrc", "netrc credentials file"],
  ["_netrc", "netrc credentials file"],
  [".git-credentials", "Git credentials file"],
  [".pgpass", "PostgreSQL password file"],
  [".my.cnf", "MySQL client config (may hold a password)"],
  [".s3cfg", "s3cmd credentials file"],
  [".dockercfg", "Docker credentials file"],
  [".vault-token", "Vault token file"],
  [".htpasswd", "htpasswd password file"],
  ["kubeconfig", "kubeconfig"],
  ["credentials.json", "credentials file"],
  [".ssh", "SSH directory (private keys)"],
  [".gnupg", "GnuPG home (private keys)"],
  [".aws", "AWS credentials directory"],
  [".kube", "kubeconfig directory"],
  [".docker", "Docker config directory (registry credentials)"],
]);

const PEM_LABEL = "PEM file (a private key, or a certificate that is safe to copy: check which)";

const BY_EXTENSION = new Map<string, string>([
  [".pem", PEM_LABEL],
  [".p12", "PKCS#12 keystore"],
  [".pfx", "PKCS#12 keystore"],
  [".jks", "Java keystore"],
  [".keystore", "keystore"],
  [".ppk", "PuTTY private key"],
  [".kdbx", "KeePass database"],
]);

for (const label of [
  PEM_LABEL,
  "npm config (may hold an auth token)",
  "Yarn config (may hold an auth token)",
  "MySQL client config (may hold a password)",
  "htpasswd password file",
  "Docker config directory (registry credentials)",
  "credentials file",
]) {
  UNCERTAIN.add(label);
}
