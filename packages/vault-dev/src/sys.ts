/**
 * The `sys/` backend: health, seal status, mounts, namespaces and leases.
 * Reference: https://developer.hashicorp.com/vault/api-docs/system/health
 * Reference: https://developer.hashicorp.com/vault/api-docs/system/leases
 */
import { policyEndpoint } from "./policy/endpoints.js";
import { wrappingEndpoint } from "./wrapping.js";
import { durAlias, isPlainObject, listKeys, str } from "./params.js";
import { addMount, AUTH_TYPES, mountPath, SECRET_TYPES } from "./mounts.js";
import { badRequest, errorReply, noContent, ok, permissionDenied, unsupportedOperation, unsupportedPath, type Reply } from "./reply.js";
import { calculateTtl, isoTime, type Engine, type EngineRequest, type Mount, type Namespace, type Op, type VaultState } from "./state.js";

/** The version vault-dev reports: the Vault API it follows, tagged as vault-dev. */
export const VAULT_VERSION = "1.19.0+vault-dev";
const BUILD_DATE = "2025-01-01T00:00:00Z";

/** Vault's sys root paths (PathsSpecial.Root): these need `sudo` as well. */
const SUDO = [
  /^auth\/./,
  /^leases\/lookup\//,
  /^(leases\/)?revoke-(prefix|force)\//,
  /^seal$/,
  /^step-down$/,
  /^audit(\/|$)/,
  /^raw(\/|$)/,
  /^rotate$/,
  /^remount$/,
  /^plugins\/catalog\//,
  /^config\/(cors|auditing\/|ui\/headers\/)/,
  /^leases$/,
];
const UNAUTHENTICATED = new Set(["health", "seal-status", "unseal", "wrapping/lookup", "wrapping/unwrap", "internal/ui/mounts"]);

export interface SysHooks {
  createNamespace(name: string): Namespace;
  deleteNamespace(name: string): boolean;
}

function healthCode(q: URLSearchParams, name: string, dflt: number): number | null {
  const v = q.get(name);
  if (v === null || v === "") return dflt;
  const n = Number(v);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : null;
}

export function healthReply(state: VaultState, q: URLSearchParams, head: boolean): Reply {
  const codes = {
    active: healthCode(q, "activecode", 200),
    sealed: healthCode(q, "sealedcode", 503),
    // Overrides for states vault-dev never enters are still validated, as Vault does.
    standby: healthCode(q, "standbycode", 429),
    uninit: healthCode(q, "uninitcode", 501),
    dr: healthCode(q, "drsecondarycode", 472),
    perf: healthCode(q, "performancestandbycode", 473),
    removed: healthCode(q, "removedcode", 530),
    haunhealthy: healthCode(q, "haunhealthycode", 474),
  };
  if (Object.values(codes).some((c) => c === null)) return errorReply(400);
  const sealed = state.sealed;
  const status = (sealed ? codes.sealed : codes.active)!;
  if (head) return { status };
  const body: Record<string, unknown> = {
    initialized: true,
    sealed,
    standby: sealed,
    performance_standby: false,
    replication_performance_mode: sealed ? "unknown" : "disabled",
    replication_dr_mode: sealed ? "unknown" : "disabled",
    server_time_utc: Math.floor(state.now() / 1000),
    version: VAULT_VERSION,
    enterprise: false,
  };
  if (!sealed) {
    body.cluster_name = state.clusterName;
    body.cluster_id = state.clusterId;
  }
  body.echo_duration_ms = 0;
  body.clock_skew_ms = 0;
  body.replication_primary_canary_age_ms = 0;
  return { status, body };
}

export function sealStatus(state: VaultState): Record<string, unknown> {
  const s: Record<string, unknown> = {
    type: "shamir",
    initialized: true,
    sealed: state.sealed,
    t: 1,
    n: 1,
    progress: 0,
    nonce: "",
    version: VAULT_VERSION,
    build_date: BUILD_DATE,
    migration: false,
    recovery_seal: false,
    storage_type: "inmem",
  };
  if (!state.sealed) {
    s.cluster_name = state.clusterName;
    s.cluster_id = state.clusterId;
  }
  return s;
}

export function mountInfo(m: Mount): Record<string, unknown> {
  return {
    accessor: m.accessor,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description: m.description,
    external_entropy_access: false,
    local: false,
    options: m.options,
    plugin_version: "",
    running_plugin_version: "v0.0.0+builtin",
    running_sha256: "",
    seal_wrap: false,
    type: m.type,
    uuid: m.uuid,
  };
}

export class SysEngine implements Engine {
  constructor(private readonly hooks: SysHooks) {}

  unauthenticated(_op: Op, path: string): boolean {
    const p = path.replace(/\/+$/, "");
    return UNAUTHENTICATED.has(p) || p.startsWith("internal/ui/mounts/");
  }

  sudo(_op: Op, path: string): boolean {
    return SUDO.some((re) => re.test(path));
  }

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    const { state, ns } = req;
    if (path === "health") return req.op === "read" ? healthReply(state, req.query, false) : unsupportedOperation();
    if (path === "seal-status") return req.op === "read" ? { status: 200, body: sealStatus(state) } : unsupportedOperation();
    if (path === "seal") {
      if (req.op !== "write") return unsupportedOperation();
      state.sealed = true;
      return noContent();
    }
    if (path === "unseal") {
      if (req.op !== "write") return unsupportedOperation();
      state.sealed = false;
      return { status: 200, body: sealStatus(state) };
    }
    if (path === "mounts" || path === "auth") {
      if (req.op !== "read") return unsupportedOperation();
      const kind = path === "mounts" ? ["secret", "system"] : ["auth"];
      const data: Record<string, unknown> = {};
      for (const m of [...ns.mounts.values()].sort((a, b) => a.path.localeCompare(b.path))) {
        if (!kind.includes(m.kind)) continue;
        data[path === "auth" ? m.path.slice("auth/".length) : m.path] = mountInfo(m);
      }
      const env = ok({ data, mount_type: "system" });
      // Vault also repeats the mounts at the top level, for old clients.
      return { status: 200, body: { ...data, ...(env.body as object) } };
    }
    let m: RegExpExecArray | null;
    if ((m = /^(mounts|auth)\/(.+)$/.exec(path)) && !path.endsWith("/tune")) {
      return this.mountOp(req, m[1] === "auth" ? "auth" : "secret", m[2]);
    }
    if (path === "internal/ui/mounts") {
      if (!req.token) return permissionDenied();
      const secret: Record<string, unknown> = {};
      const auth: Record<string, unknown> = {};
      for (const mt of ns.mounts.values()) {
        if (!req.acl?.anyUnder(req.aclPrefix + mt.path)) continue;
        if (mt.kind === "auth") auth[mt.path.slice(5)] = mountInfo(mt);
        else secret[mt.path] = mountInfo(mt);
      }
      return ok({ data: { auth, secret }, mount_type: "system" });
    }
    if ((m = /^internal\/ui\/mounts\/(.+)$/.exec(path))) {
      const target = ns.resolve(m[1]);
      // Like Vault: a token must hold some capability below the mount to see it.
      const visible = !!target && !!req.token && !!req.acl?.anyUnder(req.aclPrefix + target.path);
      if (!target || target.kind === "system" || !visible) {
        return errorReply(
          403,
          `preflight capability check returned 403, please ensure client's policies grant access to path ${JSON.stringify(mountPath(m[1]))}`,
        );
      }
      return ok({ data: { ...mountInfo(target), path: target.kind === "auth" ? target.path.slice(5) : target.path }, mount_type: "system" });
    }
    if ((m = /^policies\/acl(?:\/(.*))?$/.exec(path)) || (m = /^policy(?:\/(.*))?$/.exec(path))) {
      return policyEndpoint(req, m[1] ?? "", path.startsWith("policy"));
    }
    if ((m = /^wrapping\/(wrap|unwrap|lookup|rewrap)$/.exec(path))) return wrappingEndpoint(req, m[1]);
    if (path === "namespaces" || (m = /^namespaces\/(.+)$/.exec(path))) {
      return this.namespaces(req, m ? m[1] : "");
    }
    if ((m = /^(?:leases\/)?(renew|revoke|lookup)(?:\/(.+))?$/.exec(path))) {
      return this.leases(req, m[1] as "renew" | "revoke" | "lookup", m[2]);
    }
    if ((m = /^leases\/revoke-(prefix|force)\/(.+)$/.exec(path))) {
      if (req.op !== "write") return unsupportedOperation();
      for (const id of [...state.leases.keys()]) if (id.startsWith(m[2])) state.revokeLease(id);
      return noContent();
    }
    return unsupportedPath();
  }

  private mountOp(req: EngineRequest, kind: "secret" | "auth", rawPath: string): Reply {
    const { ns, state } = req;
    const rel = mountPath(rawPath);
    const full = kind === "auth" ? `auth/${rel}` : rel;
    const existing = ns.mounts.get(full);
    if (req.op === "read") {
      return existing ? ok({ data: mountInfo(existing), mount_type: "system" }) : badRequest(`No secret engine mount at ${rel}`);
    }
    if (req.op === "delete") {
      if (existing && existing.kind !== "system" && full !== "auth/token/") {
        ns.mounts.delete(full);
        for (const id of [...state.leases.keys()]) if (id.startsWith(full) && state.leases.get(id)?.namespace === ns.name) state.revokeLease(id);
      }
      return noContent();
    }
    if (req.op !== "write") return unsupportedOperation();
    const type = str(req.body, "type");
    if (!type) return badRequest("missing type");
    if (existing || [...ns.mounts.keys()].some((p) => p.startsWith(full) || full.startsWith(p))) {
      return badRequest(`path is already in use at ${rel}`);
    }
    const allowed: readonly string[] = kind === "auth" ? AUTH_TYPES : SECRET_TYPES;
    if (!allowed.includes(type)) return badRequest(`plugin not found in the catalog: ${type}`);
    const opts = isPlainObject(req.body.options) ? req.body.options : {};
    const version = opts.version !== undefined ? String(opts.version) : undefined;
    addMount(state, ns, kind, rel, type, version, str(req.body, "description") ?? "");
    return noContent();
  }

  private namespaces(req: EngineRequest, name: string): Reply {
    const { state, ns } = req;
    const prefix = ns.name ? ns.name + "/" : "";
    if (name === "" || req.op === "list") {
      const children = [...state.namespaces.keys()].filter((n) => n !== "" && n.startsWith(prefix + (name ? name + "/" : "")));
      const keys = listKeys(
        children.map((n) => n + "/"),
        prefix + (name ? name + "/" : ""),
      );
      return keys.length ? ok({ data: { keys }, mount_type: "system" }) : { status: 404, body: { errors: [] } };
    }
    const full = prefix + name.replace(/\/+$/, "");
    const info = () => ({ custom_metadata: {}, id: full.replace(/\//g, "_"), path: full + "/" });
    if (req.op === "read") return state.namespaces.has(full) ? ok({ data: info(), mount_type: "system" }) : { status: 404, body: { errors: [] } };
    if (req.op === "write") {
      if (!state.namespaces.has(full)) this.hooks.createNamespace(full);
      return ok({ data: info(), mount_type: "system" });
    }
    if (req.op === "delete") {
      this.hooks.deleteNamespace(full);
      return noContent();
    }
    return unsupportedOperation();
  }

  private leases(req: EngineRequest, action: "renew" | "revoke" | "lookup", urlId: string | undefined): Reply {
    const { state } = req;
    if (action === "lookup" && req.op === "list") {
      // The ACL has checked list and sudo on sys/leases/lookup/<prefix>.
      const ids = [...state.leases.values()].filter((l) => l.namespace === req.ns.name).map((l) => l.id);
      const keys = listKeys(ids, urlId ?? "");
      return keys.length ? ok({ data: { keys }, mount_type: "system" }) : { status: 404, body: { errors: [] } };
    }
    if (req.op !== "write") return unsupportedOperation();
    const leaseId = str(req.body, "lease_id") || str(req.body, "url_lease_id") || urlId || "";
    if (!leaseId) return badRequest("lease_id must be specified");
    state.sweep();
    const lease = state.leases.get(leaseId);
    if (action === "lookup") {
      if (!lease) return badRequest("invalid lease");
      const data: Record<string, unknown> = {
        expire_time: isoTime(lease.expireTime),
        id: lease.id,
        issue_time: isoTime(lease.issueTime),
        last_renewal: lease.lastRenewal === null ? null : isoTime(lease.lastRenewal),
        renewable: lease.revokeError ? false : lease.renewable,
        // A lease whose revocation failed is still there, past its expiry.
        ttl: lease.revokeError
          ? Math.min(0, Math.floor((lease.expireTime - state.now()) / 1000))
          : Math.max(0, Math.floor((lease.expireTime - state.now()) / 1000)),
      };
      if (lease.revokeError) data.revoke_error = lease.revokeError;
      return ok({ data, mount_type: "system" });
    }
    if (action === "revoke") {
      // No ownership check: in Vault the policy on sys/leases/revoke decides.
      const err = state.revokeLease(leaseId);
      if (typeof err === "string") return badRequest(`failed to revoke lease: ${err}`);
      return noContent();
    }
    // renew: an expired lease has already been revoked, so it is simply not found.
    if (!lease || lease.revokeError) return badRequest("lease not found");
    if (!lease.renewable) return badRequest("lease is not renewable");
    const now = state.now();
    const r = calculateTtl(
      {
        increment: durAlias(req.body, "increment") ?? 0,
        backendTtl: lease.ttl,
        backendMaxTtl: lease.maxTtl,
        startTime: lease.issueTime,
      },
      now,
    );
    if ("error" in r) return badRequest(r.error);
    lease.expireTime = now + r.ttl * 1000;
    lease.lastRenewal = now;
    return ok({ lease_id: lease.id, renewable: true, lease_duration: r.ttl, warnings: r.warnings, mount_type: "system" });
  }
}
