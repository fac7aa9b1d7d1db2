import { RenderError, VaultRequestError } from "../errors.js";

export type SecretData = Record<string, unknown>;

/** What a read returned, told apart by the documented response shapes. */
export type Fetched =
  | { kind: "kv2"; data: SecretData; version: number }
  | { kind: "kv1"; data: SecretData }
  | { kind: "leased"; data: SecretData; leaseId: string; leaseDuration: number; renewable: boolean };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * KV v2: `data.data` + `data.metadata`. Leased (database/creds, aws/creds…): non-empty `lease_id`.
 * KV v1: `data` is the secret itself; its `lease_duration` (768h) is advisory, with an empty lease_id.
 * `kvVersionHint` comes from sys/internal/ui/mounts when available and settles ambiguous shapes.
 */
export function classifyResponse(label: string, path: string, body: unknown, kvVersionHint?: string): Fetched {
  if (!isObject(body)) throw new VaultRequestError(`read ${path}: response is not a JSON object`, { path });
  if (typeof body.lease_id === "string" && body.lease_id !== "") {
    return {
      kind: "leased",
      data: isObject(body.data) ? body.data : {},
      leaseId: body.lease_id,
      leaseDuration: Number(body.lease_duration) || 0,
      renewable: body.renewable === true,
    };
  }
  const d = body.data;
  if (!isObject(d)) {
    throw new RenderError("MISSING_SECRET", `${label}: the response has no data`);
  }
  const looksV2 = "data" in d && isObject(d.metadata);
  if (looksV2 && kvVersionHint !== "1") {
    if (!isObject(d.data)) {
      // A deleted or destroyed version: metadata is present, data is null.
      throw new RenderError("MISSING_SECRET", `${label}: the current version is deleted or destroyed`);
    }
    return { kind: "kv2", data: d.data, version: Number((d.metadata as Record<string, unknown>).version) || 0 };
  }
  return { kind: "kv1", data: d };
}

/** secret/data/app/db → secret/metadata/app/db, given the mount ("secret/") when known. */
export function kv2MetadataPath(path: string, mount?: string): string | undefined {
  if (mount && path.startsWith(`${mount}data/`)) return `${mount}metadata/${path.slice(mount.length + 5)}`;
  const i = path.indexOf("/data/");
  return i < 0 ? undefined : `${path.slice(0, i)}/metadata/${path.slice(i + 6)}`;
}
