/**
 * Seed files: secrets, roles and tokens to load at start-up (or later through
 * `POST /__dev/seed`). The format is documented in README.md.
 */
import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";
import type { AppRoleEngine } from "./auth/approle.js";
import type { JwtEngine, KubernetesEngine } from "./auth/kubernetes.js";
import type { TokenEngine } from "./auth/token.js";
import { parseDuration } from "./duration.js";
import type { DatabaseEngine } from "./engines/database.js";
import type { KvV1Engine, KvV2Engine } from "./engines/kv.js";
import type { PkiEngine } from "./engines/pki.js";
import { addMount, mountPath } from "./mounts.js";
import { bool, isPlainObject } from "./params.js";
import { PolicyParseError, SEED_POLICY, SEED_POLICY_NAME } from "./policy/policy.js";
import { ReplyError } from "./reply.js";
import type { Mount, Namespace, VaultState } from "./state.js";

type Obj = Record<string, unknown>;

/** Secrets keyed by path; each value is the secret's key/value data. */
export type SecretsSeed = Record<string, Obj>;

export interface TokenRoleSeed {
  token_ttl?: string | number;
  token_max_ttl?: string | number;
  token_period?: string | number;
  /** Default: vault-dev's `vault-dev-seed` convenience policy (read and list everything). */
  token_policies?: string[] | string;
  token_no_default_policy?: boolean;
  [field: string]: unknown;
}

export interface AppRoleRoleSeed extends TokenRoleSeed {
  /** Fixed role ID. Default: a random UUID. */
  role_id?: string;
  /** One or more secret IDs that log in. */
  secret_id?: string | string[];
  bind_secret_id?: boolean;
  secret_id_ttl?: string | number;
  secret_id_num_uses?: number;
}

export interface KubernetesRoleSeed extends TokenRoleSeed {
  bound_service_account_names: string[] | string;
  bound_service_account_namespaces: string[] | string;
  audience?: string;
}

export interface JwtRoleSeed extends TokenRoleSeed {
  user_claim?: string;
  bound_audiences?: string[] | string;
  bound_subject?: string;
  bound_claims?: Record<string, string | string[]>;
  claim_mappings?: Record<string, string>;
}

export interface AuthSeed<R> {
  /** HS256 key(s) that sign accepted JWTs. Default: DEFAULT_JWT_SIGNING_KEY. */
  signing_key?: string | string[];
  roles?: Record<string, R>;
  [roleOrConfig: string]: unknown;
}

export interface TokenSeed {
  id?: string;
  /** Default: vault-dev's `vault-dev-seed` convenience policy (read and list everything). */
  policies?: string[] | string;
  /** Leave out `default`, as `auth/token/create` with `no_default_policy` does. */
  no_default_policy?: boolean;
  ttl?: string | number;
  /** The token's max TTL (Vault's explicit_max_ttl); `max_ttl` is accepted as an alias. */
  explicit_max_ttl?: string | number;
  max_ttl?: string | number;
  period?: string | number;
  renewable?: boolean;
  meta?: Record<string, string>;
}

export interface MountSeed {
  /** kv, kv-v2, database for `mounts`; approle, kubernetes, jwt for `auth`. */
  type: string;
  /** KV version, 1 or 2. */
  version?: 1 | 2 | "1" | "2";
  /** KV mounts: secrets by path. */
  secrets?: SecretsSeed;
  /** Database, AppRole, Kubernetes and JWT mounts: roles by name. */
  roles?: Record<string, Obj>;
  [config: string]: unknown;
}

/** A PKI mount: an internal root CA (root/generate/internal parameters) and roles (roles/:name parameters). */
export interface PkiSeed {
  root?: Obj;
  roles?: Record<string, Obj>;
}

export interface SeedFile {
  /** ACL policies by name: HCL or JSON text, or the JSON form as an object. */
  policies?: Record<string, string | Record<string, unknown>>;
  /** Secrets for the KV v2 mount `secret/`. */
  kv2?: SecretsSeed;
  /** Secrets for the KV v1 mount `kv/`. */
  kv1?: SecretsSeed;
  /** AppRole roles at `auth/approle/`, by name (or under `roles:`). */
  approle?: Record<string, AppRoleRoleSeed> | { roles: Record<string, AppRoleRoleSeed> };
  kubernetes?: AuthSeed<KubernetesRoleSeed>;
  jwt?: AuthSeed<JwtRoleSeed>;
  database?: { roles?: Record<string, { default_ttl?: string | number; max_ttl?: string | number }> };
  /** PKI at `pki/`: a root CA and roles. */
  pki?: PkiSeed;
  /** Fixed tokens: a list, or a map from token ID to options. */
  tokens?: TokenSeed[] | Record<string, Omit<TokenSeed, "id">>;
  /** Token roles at `auth/token/roles/<name>`. */
  token_roles?: Record<string, TokenRoleSeed & { allowed_policies?: string[]; renewable?: boolean; orphan?: boolean }>;
  /** Extra secrets engines by path. */
  mounts?: Record<string, MountSeed>;
  /** Extra auth methods by path (under auth/). */
  auth?: Record<string, MountSeed>;
  /** Per-namespace seeds (X-Vault-Namespace), recursively. */
  namespaces?: Record<string, SeedFile>;
}

const TOP_KEYS = new Set([
  "policies",
  "kv2",
  "kv1",
  "approle",
  "kubernetes",
  "jwt",
  "database",
  "tokens",
  "token_roles",
  "mounts",
  "auth",
  "namespaces",
  "pki",
]);
const K8S_CONFIG = new Set(["signing_key", "signing_keys", "pem_keys", "kubernetes_host", "kubernetes_ca_cert", "issuer", "disable_iss_validation", "roles"]);
const JWT_CONFIG = new Set(["signing_key", "signing_keys", "jwt_validation_pubkeys", "bound_issuer", "default_role", "roles"]);

export class SeedError extends Error {}

/** Create vault-dev's convenience policy in `ns` if it is not there. */
export function ensureSeedPolicy(ns: Namespace): void {
  if (!ns.policies.has(SEED_POLICY_NAME)) ns.setPolicy(SEED_POLICY_NAME, SEED_POLICY);
}

/** A seeded role that names no policies gets the convenience policy, so that old seeds keep reading secrets. */
function withSeedPolicy(ns: Namespace, role: Obj): Obj {
  if (role.token_policies !== undefined || role.policies !== undefined) return role;
  ensureSeedPolicy(ns);
  return { ...role, token_policies: [SEED_POLICY_NAME] };
}

/** Read a seed from a YAML (or JSON) file, or take the object as it is. */
export function loadSeed(seed: SeedFile | string): SeedFile {
  if (typeof seed !== "string") return seed;
  let text: string;
  try {
    text = readFileSync(seed, "utf8");
  } catch (e) {
    throw new SeedError(`cannot read seed file ${seed}: ${(e as Error).message}`);
  }
  return parseSeedText(text, seed);
}

export function parseSeedText(text: string, name = "seed"): SeedFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      throw new SeedError(`${name}${pos ? `:${pos.line}:${pos.col}` : ""}: ${e.message.split("\n")[0]}`);
    }
    throw new SeedError(`${name}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new SeedError(`${name}: the seed must be a mapping`);
  return doc as SeedFile;
}

interface SeedContext {
  state: VaultState;
  namespace(name: string): Namespace;
}

function obj(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new SeedError(`seed ${where}: expected a mapping`);
  return v;
}

/** Run `fn`, turning API-style field errors into SeedErrors that name the key path. */
function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ReplyError) {
      const errs = (e.reply.body as { errors?: string[] })?.errors ?? [];
      throw new SeedError(`seed ${where}: ${errs[0] ?? "invalid"}`);
    }
    if (e instanceof SeedError) throw e;
    throw new SeedError(`seed ${where}: ${(e as Error).message}`);
  }
}

function mountFor(ctx: SeedContext, ns: Namespace, kind: "secret" | "auth", path: string, type: string, version?: string): Mount {
  const full = kind === "auth" ? `auth/${mountPath(path)}` : mountPath(path);
  const existing = ns.mounts.get(full);
  if (existing) {
    const wantType = type === "kv-v2" ? "kv" : type === "oidc" ? "jwt" : type;
    if (existing.type !== wantType) throw new SeedError(`seed: ${full} is already mounted as ${existing.type}`);
    return existing;
  }
  const m = addMount(ctx.state, ns, kind, path, type, version);
  if (!m) throw new SeedError(`seed: unknown ${kind === "auth" ? "auth method" : "secrets engine"} type ${JSON.stringify(type)} at ${full}`);
  return m;
}

function seedSecrets(m: Mount, secrets: unknown, where: string): void {
  for (const [path, data] of Object.entries(obj(secrets, where))) {
    const clean = path.replace(/^\/+|\/+$/g, "");
    const d = obj(data, `${where}.${path}`);
    if (m.version === "2") (m.engine as KvV2Engine).write(clean, d);
    else (m.engine as KvV1Engine).write(clean, d);
  }
}

function splitRoles(section: Obj, config: Set<string>): Obj {
  if (isPlainObject(section.roles)) return section.roles;
  return Object.fromEntries(Object.entries(section).filter(([k]) => !config.has(k)));
}

function seedAppRole(ns: Namespace, m: Mount, section: unknown, where: string): void {
  const s = obj(section, where);
  const engine = m.engine as AppRoleEngine;
  for (const [name, raw] of Object.entries(splitRoles(s, new Set(["roles"])))) {
    const r = withSeedPolicy(ns, obj(raw, `${where}.${name}`));
    at(`${where}.${name}`, () => {
      const role = engine.upsertRole(name, r);
      const ids = r.secret_id === undefined ? [] : Array.isArray(r.secret_id) ? r.secret_id.map(String) : [String(r.secret_id)];
      for (const id of ids) engine.addSecretId(role, id);
    });
  }
}

function seedK8sOrJwt(ns: Namespace, m: Mount, section: unknown, where: string, config: Set<string>): void {
  const s = obj(section, where);
  const engine = m.engine as KubernetesEngine | JwtEngine;
  const cfg = Object.fromEntries(Object.entries(s).filter(([k]) => config.has(k) && k !== "roles"));
  at(where, () => engine.configure(cfg));
  for (const [name, raw] of Object.entries(splitRoles(s, config))) {
    at(`${where}.${name}`, () => engine.upsertRole(name, withSeedPolicy(ns, obj(raw, `${where}.${name}`))));
  }
}

function seedDatabase(m: Mount, section: unknown, where: string): void {
  const s = obj(section, where);
  const engine = m.engine as DatabaseEngine;
  for (const [name, raw] of Object.entries(obj(s.roles, `${where}.roles`))) {
    const r = obj(raw, `${where}.roles.${name}`);
    at(`${where}.roles.${name}`, () =>
      engine.setRole(name, {
        defaultTtl: r.default_ttl === undefined ? undefined : parseDuration(r.default_ttl),
        maxTtl: r.max_ttl === undefined ? undefined : parseDuration(r.max_ttl),
        dbName: r.db_name === undefined ? undefined : String(r.db_name),
      }),
    );
  }
}

function seedPki(m: Mount, section: unknown, where: string): void {
  const s = obj(section, where);
  const engine = m.engine as PkiEngine;
  for (const [name, raw] of Object.entries(obj(s.roles, `${where}.roles`))) {
    at(`${where}.roles.${name}`, () => engine.setRole(name, obj(raw, `${where}.roles.${name}`)));
  }
  if (s.root !== undefined) at(`${where}.root`, () => engine.seedRoot(obj(s.root, `${where}.root`)));
}

function seedMount(ctx: SeedContext, ns: Namespace, kind: "secret" | "auth", path: string, raw: unknown, where: string): void {
  const s = obj(raw, where);
  const type = String(s.type ?? "");
  if (!type) throw new SeedError(`seed ${where}: missing type`);
  const m = mountFor(ctx, ns, kind, path, type, s.version === undefined ? undefined : String(s.version));
  switch (m.type) {
    case "kv":
      seedSecrets(m, s.secrets, `${where}.secrets`);
      break;
    case "database":
      seedDatabase(m, s, where);
      break;
    case "pki":
      seedPki(m, s, where);
      break;
    case "approle":
      seedAppRole(ns, m, { roles: s.roles ?? {} }, where);
      break;
    case "kubernetes":
      seedK8sOrJwt(ns, m, s, where, K8S_CONFIG);
      break;
    case "jwt":
      seedK8sOrJwt(ns, m, s, where, JWT_CONFIG);
      break;
  }
}

/** Apply a seed to a namespace. Throws SeedError naming the offending key. */
export function applySeed(ctx: SeedContext, ns: Namespace, seed: SeedFile, prefix = ""): void {
  const where = (k: string) => (prefix ? `${prefix}.${k}` : k);
  for (const k of Object.keys(seed)) {
    if (!TOP_KEYS.has(k)) throw new SeedError(`seed: unknown key ${JSON.stringify(where(k))} (expected one of ${[...TOP_KEYS].join(", ")})`);
  }
  // Policies and mounts first, so that other sections may refer to them.
  for (const [name, text] of Object.entries(obj(seed.policies, where("policies")))) {
    const w = where(`policies.${name}`);
    const lower = name.trim().toLowerCase();
    if (lower === "root" || lower === "response-wrapping") throw new SeedError(`seed ${w}: cannot update ${JSON.stringify(lower)} policy`);
    try {
      ns.setPolicy(lower, typeof text === "string" ? text : JSON.stringify(obj(text, w)));
    } catch (e) {
      if (e instanceof PolicyParseError) throw new SeedError(`seed ${w}: ${e.message}`);
      throw e;
    }
  }
  for (const [path, m] of Object.entries(obj(seed.mounts, where("mounts")))) seedMount(ctx, ns, "secret", path, m, where(`mounts.${path}`));
  for (const [path, m] of Object.entries(obj(seed.auth, where("auth")))) seedMount(ctx, ns, "auth", path, m, where(`auth.${path}`));
  if (seed.kv2) seedSecrets(mountFor(ctx, ns, "secret", "secret", "kv", "2"), seed.kv2, where("kv2"));
  if (seed.kv1) seedSecrets(mountFor(ctx, ns, "secret", "kv", "kv", "1"), seed.kv1, where("kv1"));
  if (seed.approle) seedAppRole(ns, mountFor(ctx, ns, "auth", "approle", "approle"), seed.approle, where("approle"));
  if (seed.kubernetes) seedK8sOrJwt(ns, mountFor(ctx, ns, "auth", "kubernetes", "kubernetes"), seed.kubernetes, where("kubernetes"), K8S_CONFIG);
  if (seed.jwt) seedK8sOrJwt(ns, mountFor(ctx, ns, "auth", "jwt", "jwt"), seed.jwt, where("jwt"), JWT_CONFIG);
  if (seed.pki) seedPki(mountFor(ctx, ns, "secret", "pki", "pki"), seed.pki, where("pki"));
  if (seed.database) seedDatabase(mountFor(ctx, ns, "secret", "database", "database"), seed.database, where("database"));
  if (seed.token_roles) {
    const engine = ns.mounts.get("auth/token/")!.engine as TokenEngine;
    for (const [name, r] of Object.entries(obj(seed.token_roles, where("token_roles")))) {
      at(where(`token_roles.${name}`), () => engine.setRole(name, obj(r, where(`token_roles.${name}`))));
    }
  }
  if (seed.tokens) {
    const list: Obj[] = Array.isArray(seed.tokens)
      ? seed.tokens.map((t, i) => obj(t, where(`tokens[${i}]`)))
      : Object.entries(obj(seed.tokens, where("tokens"))).map(([id, t]) => ({ ...obj(t, where(`tokens.${id}`)), id }));
    list.forEach((t, i) => {
      const w = where(`tokens[${i}]`);
      at(w, () => {
        if (t.policies === undefined) ensureSeedPolicy(ns);
        const policies = t.policies === undefined ? [SEED_POLICY_NAME] : Array.isArray(t.policies) ? t.policies.map(String) : String(t.policies).split(",");
        const id = t.id === undefined ? undefined : String(t.id);
        if (id && ctx.state.tokens.has(id)) ctx.state.revokeToken(id);
        const noDefault = bool(t, "no_default_policy") ?? false;
        ctx.state.createToken({
          id,
          policies: policies.includes("root") || noDefault ? [...new Set(policies)] : [...new Set(["default", ...policies])],
          ttl: t.ttl === undefined ? 0 : parseDuration(t.ttl),
          explicitMaxTtl: (t.explicit_max_ttl ?? t.max_ttl) === undefined ? 0 : parseDuration(t.explicit_max_ttl ?? t.max_ttl),
          period: t.period === undefined ? 0 : parseDuration(t.period),
          renewable: bool(t, "renewable") ?? true,
          meta: isPlainObject(t.meta) ? Object.fromEntries(Object.entries(t.meta).map(([k, v]) => [k, String(v)])) : null,
          orphan: true,
          namespace: ns.name,
        });
      });
    });
  }
  for (const [name, child] of Object.entries(obj(seed.namespaces, where("namespaces")))) {
    const full = (ns.name ? ns.name + "/" : "") + name.replace(/^\/+|\/+$/g, "");
    applySeed(ctx, ctx.namespace(full), obj(child, where(`namespaces.${name}`)) as SeedFile, where(`namespaces.${name}`));
  }
}
