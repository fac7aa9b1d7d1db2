import { backoffDelay, type BackoffOptions } from "../schedule/clock.js";
import { floorDelay } from "../schedule/floor.js";
import {
  VaultAuthError,
  VaultError,
  VaultNotFoundError,
  VaultRateLimitedError,
  VaultRequestError,
  VaultSealedError,
  VaultUnavailableError,
} from "../errors.js";
import { VaultConnectionError } from "./transport.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_CANCELED",
  "ERR_NETWORK",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "EPROTO",
  "UND_ERR_SOCKET",
]);

/**
 * Builds a fresh typed error from whatever node-vault threw. The original is dropped on
 * purpose: an AxiosError carries the request config, X-Vault-Token included.
 * `secrets` are scrubbed from the server's message in case it echoes them.
 */
export function toVaultError(err: unknown, op: string, path: string, secrets: string[] = [], retryAfterMs?: number): VaultError {
  if (err instanceof VaultError) return err;
  const e = err as { response?: { statusCode?: number; body?: unknown }; code?: string; message?: string; name?: string };
  const status = e?.response?.statusCode;
  const where = `${op} ${path}`;
  if (typeof status === "number") {
    const body = e.response?.body as { errors?: unknown[] } | undefined;
    const serverMsg = Array.isArray(body?.errors) && body!.errors.length > 0 ? scrub(String(body!.errors[0]), secrets) : "";
    const msg = `${where}: HTTP ${status}${serverMsg ? `: ${serverMsg}` : ""}`;
    const opts = { status, path };
    if (status === 401 || status === 403) return new VaultAuthError(msg, opts);
    if (status === 404) return new VaultNotFoundError(msg, opts);
    if (status === 429)
      return new VaultRateLimitedError(retryAfterMs ? `${msg} (Retry-After ${Math.ceil(retryAfterMs / 1000)}s)` : msg, { ...opts, retryAfterMs });
    if (status === 503 && /sealed/i.test(serverMsg)) return new VaultSealedError(msg, opts);
    // 412: a performance standby has not caught up yet; 5xx: server trouble. Both pass.
    if (status >= 500 || status === 412) return new VaultUnavailableError(msg, opts);
    return new VaultRequestError(msg, opts);
  }
  // Our transport's network errors already name the address tried and where it came from.
  if (err instanceof VaultConnectionError) return new VaultUnavailableError(`${where}: ${err.detail}`, { path });
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code && (NETWORK_CODES.has(code) || code.startsWith("E"))) {
    const detail = code === "ECONNABORTED" || code === "ETIMEDOUT" ? "timed out" : code;
    return new VaultUnavailableError(`${where}: ${detail}`, { path });
  }
  // tv4 validation errors and anything else: keep only a short, scrubbed message.
  const message = scrub(String(e?.message ?? "unknown error"), secrets, 200);
  return new VaultRequestError(`${where}: ${message}`, { path });
}

/**
 * Replaces every secret in `text` with [redacted], then shortens it to `max` characters.
 * In that order: cutting first could split a secret at the cut and leave all but its tail.
 */
export function scrub(text: string, secrets: string[], max = 300): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/**
 * The wait before retrying after `err`. A 429 waits at least the server's Retry-After and
 * otherwise backs off harder than other failures: four times the step, up to twice the max.
 */
export function retryDelayFor(err: unknown, attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  if (err instanceof VaultRateLimitedError) {
    return floorDelay(Math.max(err.retryAfterMs ?? 0, backoffDelay(attempt + 2, { initialMs: opts.initialMs, maxMs: opts.maxMs * 2 }, random)), random);
  }
  return floorDelay(backoffDelay(attempt, opts, random), random);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
