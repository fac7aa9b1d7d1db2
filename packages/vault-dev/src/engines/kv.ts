/**
 * KV secrets engines, version 1 (`kv/`) and version 2 (`secret/`).
 * Reference: https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1
 * Reference: https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
 */
import { parseDuration } from "../duration.js";
import { bool, dur, int, isPlainObject, listKeys } from "../params.js";
import { badRequest, errorReply, fail, noContent, notFound, ok, unsupportedOperation, envelope, type Reply } from "../reply.js";
import { SYSTEM_DEFAULT_TTL, isoTime, type Engine, type EngineRequest, type Op } from "../state.js";
import { humanDuration } from "../duration.js";

export class KvV1Engine implements Engine {
  readonly secrets = new Map<string, Record<string, unknown>>();

  exists(path: string): boolean {
    return this.secrets.has(path.replace(/^\/+|\/+$/g, ""));
  }

  write(path: string, data: Record<string, unknown>): void {
    this.secrets.set(path, structuredClone(data));
  }

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    switch (req.op) {
      case "read": {
        const data = this.secrets.get(path);
        if (!data) return notFound();
        // The advisory TTL is the mount default unless the secret carries a `ttl` key.
        let lease = SYSTEM_DEFAULT_TTL;
        const t = data.ttl ?? data.lease;
        if (t !== undefined) {
          try {
            lease = parseDuration(t);
          } catch {
            /* an unparsable ttl is just data */
          }
        }
        return ok({ data: structuredClone(data), lease_duration: lease, mount_type: "kv" });
      }
      case "write": {
        if (path === "") return fail(errorReply(405, "1 error occurred:\n\t* cannot write to a path ending in '/'\n\n"));
        if (Object.keys(req.body).length === 0) return badRequest("missing data fields");
        this.write(path, req.body);
        return noContent();
      }
      case "delete":
        this.secrets.delete(path);
        return noContent();
      case "list": {
        const keys = listKeys(this.secrets.keys(), req.path);
        if (keys.length === 0) return notFound();
        return ok({ data: { keys }, mount_type: "kv" });
      }
      default:
        return unsupportedOperation();
    }
  }
}

interface Version {
  data: Record<string, unknown> | null;
  createdTime: number;
  deletionTime: number | null;
  destroyed: boolean;
}

interface Metadata {
  versions: Map<number, Version>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: number;
  updatedTime: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
}

const INVALID_PATH = (sub: string) =>
  `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${sub}' for this operation.`;

export class KvV2Engine implements Engine {
  readonly secrets = new Map<string, Metadata>();
  config = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };

  constructor(private readonly now: () => number) {}

  exists(path: string): boolean | undefined {
    const m = /^(data|metadata)\/(.+)$/.exec(path);
    return m ? this.secrets.has(m[2].replace(/\/+$/, "")) : undefined;
  }

  /** Write a new version, as a POST to data/<path> without cas would. */
  write(path: string, data: Record<string, unknown>): number {
    const now = this.now();
    const meta = this.metadataFor(path, now);
    const version = meta.currentVersion + 1;
    // delete_version_after stamps a future deletion_time on the version, as Vault does.
    const after = meta.deleteVersionAfter || this.config.deleteVersionAfter;
    const deletionTime = after > 0 ? now + after * 1000 : null;
    meta.versions.set(version, { data: structuredClone(data), createdTime: now, deletionTime, destroyed: false });
    meta.currentVersion = version;
    meta.updatedTime = now;
    // Like Vault, oldest_version stays 0 until old versions are trimmed past max_versions.
    const max = meta.maxVersions || this.config.maxVersions || 10;
    while (meta.versions.size > max) {
      meta.versions.delete(Math.min(...meta.versions.keys()));
      meta.oldestVersion = Math.min(...meta.versions.keys());
    }
    return version;
  }

  /** The path's metadata, created empty (no versions yet) on first use. */
  private metadataFor(path: string, now: number): Metadata {
    let meta = this.secrets.get(path);
    if (!meta) {
      meta = {
        versions: new Map(),
        currentVersion: 0,
        oldestVersion: 0,
        createdTime: now,
        updatedTime: now,
        maxVersions: 0,
        casRequired: false,
        deleteVersionAfter: 0,
        customMetadata: null,
      };
      this.secrets.set(path, meta);
    }
    return meta;
  }

  private versionMeta(v: Version, version: number, meta: Metadata) {
    return {
      created_time: isoTime(v.createdTime),
      custom_metadata: meta.customMetadata,
      deletion_time: v.deletionTime === null ? "" : isoTime(v.deletionTime),
      destroyed: v.destroyed,
      version,
    };
  }

  private isDeleted(v: Version, _meta?: Metadata): boolean {
    return v.destroyed || (v.deletionTime !== null && v.deletionTime <= this.now());
  }

  handle(req: EngineRequest): Reply {
    const m = /^(data|metadata|delete|undelete|destroy|subkeys)\/(.*)$/.exec(req.path);
    if (req.path === "config" || req.path === "config/") return this.handleConfig(req);
    if (!m || (m[2].replace(/\/+$/, "") === "" && req.op !== "list")) return this.invalidPath(req.op);
    const [, kind, rawPath] = m;
    const path = rawPath.replace(/\/+$/, "");
    switch (kind) {
      case "data":
        return this.handleData(req, path);
      case "metadata":
        return this.handleMetadata(req, path, rawPath);
      case "subkeys":
        return this.handleSubkeys(req, path);
      default:
        return this.handleVersions(req, kind as "delete" | "undelete" | "destroy", path);
    }
  }

  private invalidPath(op: Op): Reply {
    const sub = op === "write" || op === "patch" ? "put" : op === "read" ? "get" : op === "list" ? "list" : "delete";
    return { status: 404, body: envelope({ warnings: [INVALID_PATH(sub)], mount_type: "kv" }) };
  }

  private handleConfig(req: EngineRequest): Reply {
    if (req.op === "read") {
      return ok({
        data: {
          cas_required: this.config.casRequired,
          delete_version_after: humanDuration(this.config.deleteVersionAfter),
          max_versions: this.config.maxVersions,
        },
        mount_type: "kv",
      });
    }
    if (req.op === "write") {
      const mv = int(req.body, "max_versions");
      const cas = bool(req.body, "cas_required");
      const dva = dur(req.body, "delete_version_after");
      if (mv !== undefined) this.config.maxVersions = mv;
      if (cas !== undefined) this.config.casRequired = cas;
      if (dva !== undefined) this.config.deleteVersionAfter = dva;
      return noContent();
    }
    return unsupportedOperation();
  }

  private handleData(req: EngineRequest, path: string): Reply {
    const meta = this.secrets.get(path);
    switch (req.op) {
      case "read": {
        if (!meta) return notFound();
        const q = req.query.get("version");
        let version = meta.currentVersion;
        if (q !== null && q !== "" && q !== "0") {
          version = Number(q);
          if (!Number.isInteger(version) || version < 0) return badRequest(`error converting input for field "version": invalid syntax`);
        }
        const v = meta.versions.get(version);
        if (!v) return notFound();
        const metadata = this.versionMeta(v, version, meta);
        // A deleted or destroyed version: 404 carrying the metadata, data null, and no `errors` key.
        if (this.isDeleted(v, meta)) {
          return { status: 404, body: envelope({ data: { data: null, metadata }, mount_type: "kv" }) };
        }
        return ok({ data: { data: structuredClone(v.data), metadata }, mount_type: "kv" });
      }
      case "write":
      case "patch": {
        const data = req.body.data;
        if (data === undefined || data === null) return badRequest("no data provided");
        if (!isPlainObject(data)) return badRequest("no data provided");
        const options = isPlainObject(req.body.options) ? req.body.options : {};
        const casRaw = options.cas;
        const casRequired = this.config.casRequired || (meta?.casRequired ?? false);
        if (casRaw === undefined && casRequired) {
          return badRequest("check-and-set parameter required for this call");
        }
        if (casRaw !== undefined) {
          const cas = Number(casRaw);
          if (!Number.isInteger(cas)) return badRequest("error parsing check-and-set parameter");
          if (cas !== (meta?.currentVersion ?? 0)) {
            return badRequest("check-and-set parameter did not match the current version");
          }
        }
        let next = data;
        if (req.op === "patch") {
          const ct = String(req.headers["content-type"] ?? "");
          if (!ct.startsWith("application/merge-patch+json")) {
            return errorReply(415, `Unsupported Media Type: ${ct}`);
          }
          const cur = meta?.versions.get(meta.currentVersion);
          if (!meta || !cur || this.isDeleted(cur, meta)) return notFound();
          next = mergePatch(structuredClone(cur.data ?? {}), data) as Record<string, unknown>;
        }
        const version = this.write(path, next);
        const saved = this.secrets.get(path)!;
        return ok({ data: this.versionMeta(saved.versions.get(version)!, version, saved), mount_type: "kv" });
      }
      case "delete": {
        const v = meta?.versions.get(meta.currentVersion);
        if (v && !this.isDeleted(v)) v.deletionTime = this.now();
        return noContent();
      }
      default:
        return unsupportedOperation();
    }
  }

  private handleMetadata(req: EngineRequest, path: string, rawPath: string): Reply {
    const meta = this.secrets.get(path);
    switch (req.op) {
      case "read": {
        if (!meta) return notFound();
        const versions: Record<string, unknown> = {};
        for (const [n, v] of [...meta.versions.entries()].sort((a, b) => a[0] - b[0])) {
          versions[String(n)] = {
            created_time: isoTime(v.createdTime),
            deletion_time: v.deletionTime === null ? "" : isoTime(v.deletionTime),
            destroyed: v.destroyed,
          };
        }
        return ok({
          data: {
            cas_required: meta.casRequired,
            created_time: isoTime(meta.createdTime),
            current_version: meta.currentVersion,
            custom_metadata: meta.customMetadata,
            delete_version_after: humanDuration(meta.deleteVersionAfter),
            max_versions: meta.maxVersions,
            oldest_version: meta.oldestVersion,
            updated_time: isoTime(meta.updatedTime),
            versions,
          },
          mount_type: "kv",
        });
      }
      case "list": {
        const keys = listKeys(this.secrets.keys(), rawPath);
        if (keys.length === 0) return notFound();
        return ok({ data: { keys }, mount_type: "kv" });
      }
      case "write":
      case "patch": {
        const m = meta ?? this.metadataFor(path, this.now());
        const mv = int(req.body, "max_versions");
        const cas = bool(req.body, "cas_required");
        const dva = dur(req.body, "delete_version_after");
        if (mv !== undefined) m.maxVersions = mv;
        if (cas !== undefined) m.casRequired = cas;
        if (dva !== undefined) m.deleteVersionAfter = dva;
        if (req.body.custom_metadata !== undefined) {
          m.customMetadata = isPlainObject(req.body.custom_metadata)
            ? Object.fromEntries(Object.entries(req.body.custom_metadata).map(([k, v]) => [k, String(v)]))
            : null;
        }
        m.updatedTime = this.now();
        return noContent();
      }
      case "delete":
        this.secrets.delete(path);
        return noContent();
      default:
        return unsupportedOperation();
    }
  }

  private handleSubkeys(req: EngineRequest, path: string): Reply {
    if (req.op !== "read") return unsupportedOperation();
    const meta = this.secrets.get(path);
    if (!meta) return notFound();
    const q = req.query.get("version");
    const version = q && q !== "0" ? Number(q) : meta.currentVersion;
    const v = meta.versions.get(version);
    if (!v) return notFound();
    const metadata = this.versionMeta(v, version, meta);
    if (this.isDeleted(v, meta)) return { status: 404, body: envelope({ data: { subkeys: null, metadata }, mount_type: "kv" }) };
    const strip = (o: unknown): unknown =>
      isPlainObject(o) ? Object.fromEntries(Object.entries(o).map(([k, x]) => [k, isPlainObject(x) ? strip(x) : null])) : null;
    return ok({ data: { subkeys: strip(v.data), metadata }, mount_type: "kv" });
  }

  private handleVersions(req: EngineRequest, kind: "delete" | "undelete" | "destroy", path: string): Reply {
    if (req.op !== "write") return unsupportedOperation();
    const raw = req.body.versions;
    const list = (Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : raw === undefined ? [] : [raw])
      .map((x) => Number(x))
      .filter((x) => Number.isInteger(x));
    if (list.length === 0) return badRequest("no version number provided");
    const meta = this.secrets.get(path);
    if (!meta) return noContent();
    for (const n of list) {
      const v = meta.versions.get(n);
      if (!v) continue;
      if (kind === "delete") {
        if (!this.isDeleted(v)) v.deletionTime = this.now();
      } else if (kind === "undelete") {
        if (!v.destroyed) v.deletionTime = null;
      } else {
        v.destroyed = true;
        v.data = null;
      }
    }
    return noContent();
  }
}

/** RFC 7396 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
