/**
 * Every code a sidecar error can carry: stable strings that logs, /readyz and the
 * `stowaway_render_failures_total{code}` metric expose, so dashboards and alerts can rely on them.
 */
export type SidecarErrorCode =
  | "CONFIG_INVALID"
  | "TLS_FILE"
  | "AUTH_FILE"
  | "LOGIN_FAILED"
  | "UNWRAP_FAILED"
  | "TOKEN_STOPPED_WORKING"
  | "LISTEN_FAILED"
  | "VAULT_AUTH"
  | "VAULT_NOT_FOUND"
  | "VAULT_SEALED"
  | "VAULT_RATE_LIMITED"
  | "VAULT_UNAVAILABLE"
  | "VAULT_REQUEST"
  | "VAULT_REDIRECT_REFUSED"
  | "VAULT_RESPONSE_TOO_LARGE"
  | "MISSING_KEY"
  | "MISSING_SECRET"
  | "RENDER_FAILED"
  | "NOT_TMPFS"
  | "PATH_ESCAPE"
  | "WRITE_FAILED"
  | "ONCE_FAILED";

// The same registered symbol as @stowaway/lint's STOWAWAY_ERROR: the CLI tells ours from Node's by it.
const STOWAWAY_ERROR = Symbol.for("stowaway.error");

/** Base class: every sidecar error has a stable `code` and says whether retrying could help. */
export class SidecarError extends Error {
  readonly [STOWAWAY_ERROR] = true;
  readonly code: SidecarErrorCode;
  readonly retryable: boolean;
  constructor(code: SidecarErrorCode, message: string, retryable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

export interface ConfigIssue {
  /** Dotted key path, e.g. `secrets[0].key`. Empty for file-level problems. */
  key: string;
  message: string;
  line?: number;
}

/** The config file is unreadable or invalid. Maps to exit code 2. */
export class ConfigError extends SidecarError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super("CONFIG_INVALID", formatIssues(file, issues));
    this.file = file;
    this.issues = issues;
  }
}

function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues.map((i) => `${file}${i.line ? `:${i.line}` : ""}: ${i.key ? `${i.key}: ` : ""}${i.message}`).join("\n");
}

/** Error from a Vault call. Never carries the request, headers or token. */
export class VaultError extends SidecarError {
  readonly status: number | undefined;
  readonly path: string;
  constructor(code: SidecarErrorCode, message: string, opts: { status?: number; path: string; retryable: boolean }) {
    super(code, message, opts.retryable);
    this.status = opts.status;
    this.path = opts.path;
  }
}
/** 401/403: the token or login credentials were refused. */
export class VaultAuthError extends VaultError {
  constructor(message: string, opts: { status?: number; path: string }) {
    super("VAULT_AUTH", message, { ...opts, retryable: false });
  }
}
/** 404: no secret at this path. */
export class VaultNotFoundError extends VaultError {
  constructor(message: string, opts: { status?: number; path: string }) {
    super("VAULT_NOT_FOUND", message, { ...opts, retryable: false });
  }
}
/** 503 with a sealed server. */
export class VaultSealedError extends VaultError {
  constructor(message: string, opts: { status?: number; path: string }) {
    super("VAULT_SEALED", message, { ...opts, retryable: true });
  }
}
/** 429: slow down. `retryAfterMs` is the server's Retry-After, when it sent one. */
export class VaultRateLimitedError extends VaultError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, opts: { status?: number; path: string; retryAfterMs?: number }) {
    super("VAULT_RATE_LIMITED", message, { status: opts.status, path: opts.path, retryable: true });
    this.retryAfterMs = opts.retryAfterMs;
  }
}
/** Network failure, timeout or 5xx. */
export class VaultUnavailableError extends VaultError {
  constructor(message: string, opts: { status?: number; path: string }) {
    super("VAULT_UNAVAILABLE", message, { ...opts, retryable: true });
  }
}
/** Any other 4xx, or a response whose shape we cannot use. */
export class VaultRequestError extends VaultError {
  constructor(message: string, opts: { status?: number; path: string }) {
    super("VAULT_REQUEST", message, { ...opts, retryable: false });
  }
}

/** A secret could not be rendered (missing key, bad shape). Never includes values. */
export class RenderError extends SidecarError {
  constructor(code: "MISSING_KEY" | "MISSING_SECRET" | "RENDER_FAILED", message: string) {
    super(code, message, false);
  }
}

/** The output could not be written safely. */
export class WriteError extends SidecarError {
  constructor(code: "NOT_TMPFS" | "PATH_ESCAPE" | "WRITE_FAILED", message: string) {
    super(code, message, false);
  }
}

/** A configured TLS file that cannot be read is a configuration error (exit 2). */
export class TlsFileError extends SidecarError {
  constructor(message: string) {
    super("TLS_FILE", message, false);
  }
}

/** A login credential file (token, role id, secret id, JWT) is missing or empty. */
export class AuthFileError extends SidecarError {
  constructor(message: string) {
    // Retryable: the file may be mounted or rotated later.
    super("AUTH_FILE", message, true);
  }
}

/** The code for metrics and /readyz: ours, or UNKNOWN for anything else. */
export function codeOf(err: unknown): SidecarErrorCode | "UNKNOWN" {
  return err instanceof SidecarError ? err.code : "UNKNOWN";
}

/**
 * What a log line may say about an error. Our own errors keep code and message (our messages
 * never hold values). Anything else is reduced to its type and string code: an AxiosError's
 * message or fields can carry the X-Vault-Token header or a secret. A plain object that is not
 * an Error (built deliberately by the caller from chosen fields) keeps its code and message.
 */
export function errorFields(err: unknown): { type?: string; code: string; message: string } {
  if (err instanceof SidecarError) return { type: err.name, code: err.code, message: err.message };
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "UNKNOWN";
  if (err instanceof Error) return { type: err.name, code, message: err.name };
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
    return { code, message: (err as { message: string }).message };
  }
  return { code, message: "error" };
}

/** Exit code for a failure at start: 2 for what the user must fix in config or setup, else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigError) return 2;
  if (err instanceof WriteError && err.code === "NOT_TMPFS") return 2;
  if (err instanceof TlsFileError) return 2;
  return 1;
}
