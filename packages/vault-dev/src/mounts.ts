/** The mount table: which engine serves which path, per namespace. */
import { randomUUID } from "node:crypto";
import { AppRoleEngine } from "./auth/approle.js";
import { JwtEngine, KubernetesEngine } from "./auth/kubernetes.js";
import { TokenEngine } from "./auth/token.js";
import { DatabaseEngine } from "./engines/database.js";
import { KvV1Engine, KvV2Engine } from "./engines/kv.js";
import { PkiEngine } from "./engines/pki.js";
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from "./policy/policy.js";
import { randomString, Namespace, type Engine, type Mount, type MountType, type VaultState } from "./state.js";

export const SECRET_TYPES = ["kv", "kv-v2", "database", "pki"] as const;
export const AUTH_TYPES = ["approle", "kubernetes", "jwt", "oidc"] as const;

/** Normalise a mount path to `a/b/`. */
export function mountPath(p: string): string {
  const s = p.replace(/^\/+|\/+$/g, "");
  return s === "" ? "" : s + "/";
}

export function createEngine(state: VaultState, type: string, version?: string): { engine: Engine; type: MountType; version?: "1" | "2" } | null {
  const now = () => state.now();
  switch (type) {
    case "kv":
    case "kv-v1":
    case "kv-v2":
    case "generic": {
      const v = type === "kv-v2" || version === "2" ? "2" : "1";
      return { engine: v === "2" ? new KvV2Engine(now) : new KvV1Engine(), type: "kv", version: v };
    }
    case "database":
      return { engine: new DatabaseEngine(), type: "database" };
    case "pki":
      return { engine: new PkiEngine(now), type: "pki" };
    case "approle":
      return { engine: new AppRoleEngine(now), type: "approle" };
    case "kubernetes":
      return { engine: new KubernetesEngine(now), type: "kubernetes" };
    case "jwt":
    case "oidc":
      return { engine: new JwtEngine(now), type: "jwt" };
    case "token":
      return { engine: new TokenEngine(), type: "token" };
    default:
      return null;
  }
}

/** Add a mount. `path` is relative to the namespace: `secret/` or `auth/approle/`. Returns null on an unknown type. */
export function addMount(
  state: VaultState,
  ns: Namespace,
  kind: "secret" | "auth",
  path: string,
  type: string,
  version?: string,
  description = "",
): Mount | null {
  const e = createEngine(state, type, version);
  if (!e) return null;
  const full = kind === "auth" ? `auth/${mountPath(path)}` : mountPath(path);
  const explicitVersion = version ?? (type === "kv-v2" ? "2" : undefined);
  const mount: Mount = {
    path: full,
    type: e.type,
    kind,
    version: e.version,
    options: e.type === "kv" && explicitVersion !== undefined ? { version: explicitVersion } : null,
    accessor: `${kind === "auth" ? "auth_" : ""}${e.type}_${randomString(8).toLowerCase()}`,
    uuid: randomUUID(),
    description,
    engine: e.engine,
  };
  ns.mounts.set(full, mount);
  return mount;
}

/**
 * A namespace with vault-dev's default mounts: `secret/` (KV v2), `kv/` (KV v1),
 * `database/`, and the `token`, `approle`, `kubernetes` and `jwt` auth methods.
 */
export function createNamespace(state: VaultState, name: string, sysEngine: Engine): Namespace {
  const ns = new Namespace(name);
  ns.mounts.set("sys/", {
    path: "sys/",
    type: "system",
    kind: "system",
    options: null,
    accessor: `system_${randomString(8).toLowerCase()}`,
    uuid: randomUUID(),
    description: "system endpoints used for control, policy and debugging",
    engine: sysEngine,
  });
  addMount(state, ns, "auth", "token", "token", undefined, "token based credentials");
  addMount(state, ns, "secret", "secret", "kv", "2", "key/value secret storage");
  addMount(state, ns, "secret", "kv", "kv", undefined, "key/value secret storage, version 1");
  addMount(state, ns, "secret", "database", "database");
  addMount(state, ns, "auth", "approle", "approle");
  addMount(state, ns, "auth", "kubernetes", "kubernetes");
  addMount(state, ns, "auth", "jwt", "jwt");
  ns.setPolicy("default", DEFAULT_POLICY);
  ns.setPolicy("response-wrapping", RESPONSE_WRAPPING_POLICY);
  state.namespaces.set(name, ns);
  return ns;
}
