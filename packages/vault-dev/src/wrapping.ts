/**
 * Response wrapping: a request with `X-Vault-Wrap-TTL` gets a single-use
 * token (policy `response-wrapping`) instead of its answer, and
 * `sys/wrapping/unwrap` with that token returns the answer once.
 * Reference: https://developer.hashicorp.com/vault/docs/concepts/response-wrapping
 * Reference: https://developer.hashicorp.com/vault/api-docs/system/wrapping-unwrap
 */
import { randomUUID } from "node:crypto";
import { parseDuration } from "./duration.js";
import { isPlainObject, str } from "./params.js";
import { badRequest, envelope, errorReply, ok, unsupportedOperation, type Reply } from "./reply.js";
import { isoTime, type EngineRequest, type VaultState } from "./state.js";

const INVALID = "wrapping token is not valid or does not exist";

/** The wrap TTL of a request, from the header; null when it asks for no wrapping. Throws on a bad value. */
export function wrapTtl(header: string | string[] | undefined): number | null {
  const h = Array.isArray(header) ? header[0] : header;
  if (h === undefined || h.trim() === "") return null;
  const ttl = parseDuration(h.trim());
  if (ttl <= 0) throw new Error("wrap TTL must be positive");
  return ttl;
}

/** Replace a successful reply by its wrapping token. Errors and empty replies are not wrapped. */
export function wrapReply(state: VaultState, reply: Reply, ttl: number, creationPath: string, namespace: string): Reply {
  if (reply.status !== 200 || !isPlainObject(reply.body) || !("request_id" in reply.body)) return reply;
  const body = reply.body;
  const { token } = state.createToken({
    policies: ["response-wrapping"],
    path: creationPath,
    displayName: "",
    ttl,
    explicitMaxTtl: ttl,
    renewable: false,
    orphan: true,
    namespace,
    numUses: 1,
  });
  state.wrapped.set(token.id, { body, namespace });
  const auth = isPlainObject(body.auth) ? body.auth : null;
  const data = isPlainObject(body.data) ? body.data : null;
  const wrappedAccessor = auth
    ? String(auth.accessor ?? "")
    : data && body.mount_type === "approle" && typeof data.secret_id_accessor === "string"
      ? data.secret_id_accessor
      : "";
  const wrapped = envelope({});
  wrapped.wrap_info = {
    token: token.id,
    accessor: token.accessor,
    ttl,
    creation_time: isoTime(token.creationTime),
    creation_path: creationPath,
    wrapped_accessor: wrappedAccessor,
  };
  return { status: 200, body: wrapped };
}

/** `sys/wrapping/unwrap`, `lookup` and `wrap`. The wrapping token comes from the body or, failing that, the caller. */
export function wrappingEndpoint(req: EngineRequest, action: string): Reply {
  const { state } = req;
  if (req.op !== "write" && !(action === "lookup" && req.op === "read")) return unsupportedOperation();
  if (action === "wrap") {
    // The server wraps this reply: its data is the request body.
    return ok({ data: req.body, mount_type: "system" });
  }
  const bodyToken = str(req.body, "token");
  if (action === "unwrap" && bodyToken !== undefined && !req.token) return errorReply(403, "permission denied");
  const id = bodyToken ?? req.token?.id ?? "";
  const entry = state.wrapped.get(id);
  const token = state.lookupToken(id);
  if (!entry || !token || !token.policies.includes("response-wrapping")) return badRequest(INVALID);
  if (action === "lookup") {
    return ok({
      data: {
        creation_path: token.path,
        creation_time: isoTime(token.creationTime),
        creation_ttl: token.ttl,
      },
      mount_type: "system",
    });
  }
  if (action !== "unwrap") return unsupportedOperation();
  state.wrapped.delete(id);
  state.revokeToken(id);
  // Vault hands back the wrapped response as it was stored; a fresh request id marks this call.
  return { status: 200, body: { ...(entry.body as Record<string, unknown>), request_id: randomUUID() } };
}
