/**
 * Vault's response envelope and error bodies.
 *
 * Every logical response has the same keys in the same order; errors are
 * `{"errors":[...]}` with the status code Vault's http layer would choose.
 */
import { randomUUID } from "node:crypto";

export interface Reply {
  status: number;
  /** JSON body; `undefined` means no body (204, HEAD). */
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (PKI's `ca/pem`, `crl`), sent as it is. */
  raw?: { contentType: string; body: Buffer | string };
}

export interface EnvelopeParts {
  data?: unknown;
  auth?: unknown;
  lease_id?: string;
  renewable?: boolean;
  lease_duration?: number;
  warnings?: string[] | null;
  mount_type?: string;
}

export function envelope(p: EnvelopeParts): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: p.lease_id ?? "",
    renewable: p.renewable ?? false,
    lease_duration: p.lease_duration ?? 0,
    data: p.data === undefined ? null : p.data,
    wrap_info: null,
    warnings: p.warnings && p.warnings.length > 0 ? p.warnings : null,
    auth: p.auth === undefined ? null : p.auth,
    mount_type: p.mount_type ?? "",
  };
}

export const ok = (p: EnvelopeParts, status = 200): Reply => ({ status, body: envelope(p) });
export const noContent = (): Reply => ({ status: 204 });
export const errorReply = (status: number, ...errors: string[]): Reply => ({ status, body: { errors } });

/** Vault wraps backend errors with go-multierror on the router path. */
export const multiError = (msg: string) => `1 error occurred:\n\t* ${msg}\n\n`;

export const badRequest = (msg: string) => errorReply(400, msg);
export const permissionDenied = () => errorReply(403, "permission denied");
/** A missing secret, role or version: 404 with an empty errors list. */
export const notFound = () => errorReply(404);
export const unsupportedOperation = () => errorReply(405, multiError("unsupported operation"));
export const unsupportedPath = () => errorReply(404, multiError("unsupported path"));
export const sealed = () => errorReply(503, "Vault is sealed");
export const noHandler = (path: string) => errorReply(404, `no handler for route ${JSON.stringify(path)}. route entry not found.`);

/** Thrown inside handlers to short-circuit with an error reply. */
export class ReplyError extends Error {
  constructor(public readonly reply: Reply) {
    super(`vault-dev reply ${reply.status}`);
  }
}
export const fail = (reply: Reply): never => {
  throw new ReplyError(reply);
};
