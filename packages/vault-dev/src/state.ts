/**
 * The in-memory state of one vault-dev server: namespaces and their mounts,
 * tokens and leases. Time comes from an injected clock; expiry is applied
 * lazily by `sweep()`, which runs before every request and every helper call,
 * so a token whose TTL has passed is gone by the time anyone looks.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { humanDuration } from "./duration.js";
import type { Acl } from "./policy/acl.js";
import { parsePolicy, type Policy } from "./policy/policy.js";
import type { Reply } from "./reply.js";

/** Vault's default system max and default lease TTL: 768h. */
export const SYSTEM_MAX_TTL = 2_764_800;
export const SYSTEM_DEFAULT_TTL = 2_764_800;

export type Op = "read" | "write" | "delete" | "list" | "patch";

export type MountType = "kv" | "database" | "pki" | "system" | "token" | "approle" | "kubernetes" | "jwt";

export interface EngineRequest {
  op: Op;
  /** Path relative to the mount, without a leading slash. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The caller's token; undefined only on unauthenticated paths. */
  token: TokenEntry | undefined;
  isRoot: boolean;
  /** The caller's ACL; undefined without a token. */
  acl?: Acl;
  /** What goes before `mount.path + path` in ACL paths: the namespace relative to the token's. */
  aclPrefix: string;
  mount: Mount;
  ns: Namespace;
  state: VaultState;
}

export interface Engine {
  /** Engines whose work is async (PKI key generation and signing) return a promise. */
  handle(req: EngineRequest): Reply | Promise<Reply>;
  /** Paths that need no token (logins). */
  unauthenticated?(op: Op, path: string): boolean;
  /**
   * Vault's existence check: for a write, true means the ACL needs `update`,
   * false `create`. Undefined (or no method) means the path has no check, so
   * a write needs `update`.
   */
  exists?(path: string): boolean | undefined;
  /** Root-protected paths (Vault's PathsSpecial.Root): the ACL must also grant `sudo`. */
  sudo?(op: Op, path: string): boolean;
}

export interface Mount {
  /** With trailing slash: `secret/`, `auth/approle/`. */
  path: string;
  type: MountType;
  kind: "secret" | "auth" | "system";
  /** KV version: which engine serves the mount. */
  version?: "1" | "2";
  /** What `sys/mounts` reports as `options`: null for a bare `kv` mount, as Vault does. */
  options: Record<string, string> | null;
  accessor: string;
  uuid: string;
  description: string;
  engine: Engine;
}

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  path: string;
  displayName: string;
  meta: Record<string, string> | null;
  /** ms */
  creationTime: number;
  /** ms; the start of the max TTL window. */
  issueTime: number;
  /** Creation TTL / backend TTL used on renew without increment (s). */
  ttl: number;
  /** Backend (role) max TTL (s), 0 = system max. */
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  /** ms, null = never expires (root). */
  expireTime: number | null;
  lastRenewal: number | null;
  orphan: boolean;
  parent: string | null;
  namespace: string;
  /** Called on renew to refresh TTLs from the role, as Vault's auth backends do. */
  renewParams?: () => { ttl: number; maxTtl: number; period: number } | null;
  numUses: number;
}

export interface Lease {
  id: string;
  issueTime: number;
  expireTime: number;
  lastRenewal: number | null;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  tokenId: string | null;
  namespace: string;
  /** Called once when the lease ends (expiry or revoke). */
  onRevoke?: () => void;
  /** Set when a revocation failed: the lease stays, past its expiry, as in Vault. */
  revokeError?: string;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export function randomString(n: number, alphabet = ALNUM): string {
  const bytes = randomBytes(n);
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export interface TtlInput {
  increment?: number;
  backendTtl?: number;
  period?: number;
  backendMaxTtl?: number;
  explicitMaxTtl?: number;
  /** ms */
  startTime: number;
}

/**
 * Vault's `framework.CalculateTTL`: pick the TTL (increment, else the backend
 * TTL, else the default) and cap it at what is left of the max TTL, warning
 * when it does. Times are truncated to the second, as Vault does.
 */
export function calculateTtl(input: TtlInput, nowMs: number): { ttl: number; warnings: string[] } | { error: string } {
  const warnings: string[] = [];
  const now = Math.floor(nowMs / 1000);
  const start = Math.floor(input.startTime / 1000);
  let maxTtl = SYSTEM_MAX_TTL;
  const backendMax = input.backendMaxTtl ?? 0;
  const explicitMax = input.explicitMaxTtl ?? 0;
  if (backendMax > 0 && backendMax < maxTtl) maxTtl = backendMax;
  if (explicitMax > 0 && explicitMax < maxTtl) maxTtl = explicitMax;
  let ttl: number;
  let maxValidTime: number | null = null;
  const period = input.period ?? 0;
  if (period > 0) {
    ttl = period;
    if (period > maxTtl) {
      warnings.push(
        `period of ${JSON.stringify(humanDuration(period))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(maxTtl))}; period value is capped accordingly`,
      );
      ttl = maxTtl;
    }
    if (explicitMax > 0) maxValidTime = start + explicitMax;
  } else {
    const inc = input.increment ?? 0;
    const backendTtl = input.backendTtl ?? 0;
    ttl = inc > 0 ? inc : backendTtl > 0 ? backendTtl : SYSTEM_DEFAULT_TTL;
    maxValidTime = start + maxTtl;
  }
  if (maxValidTime !== null) {
    const maxValidTtl = maxValidTime - now;
    if (maxValidTtl <= 0) return { error: "past the max TTL, cannot renew" };
    if (ttl > maxValidTtl) {
      warnings.push(
        `TTL of ${JSON.stringify(humanDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(maxValidTtl))}; TTL value is capped accordingly`,
      );
      ttl = maxValidTtl;
    }
  }
  return { ttl, warnings };
}

export class Namespace {
  readonly mounts = new Map<string, Mount>();
  /** ACL policies by (lower-case) name; `root` is implicit. */
  readonly policies = new Map<string, Policy>();
  constructor(readonly name: string) {}

  setPolicy(name: string, raw: string): Policy {
    const p = parsePolicy(name, raw);
    this.policies.set(name, p);
    return p;
  }

  /** Longest mount whose path prefixes `path` (path has no leading slash). */
  resolve(path: string): Mount | undefined {
    let best: Mount | undefined;
    for (const m of this.mounts.values()) {
      if ((path + "/").startsWith(m.path) && (!best || m.path.length > best.path.length)) best = m;
    }
    return best;
  }
}

export interface CreateTokenOptions {
  id?: string;
  policies?: string[];
  path?: string;
  displayName?: string;
  meta?: Record<string, string> | null;
  ttl?: number;
  maxTtl?: number;
  explicitMaxTtl?: number;
  period?: number;
  renewable?: boolean;
  orphan?: boolean;
  parent?: string | null;
  namespace?: string;
  numUses?: number;
  renewParams?: TokenEntry["renewParams"];
}

export class VaultState {
  sealed = false;
  readonly tokens = new Map<string, TokenEntry>();
  readonly leases = new Map<string, Lease>();
  readonly namespaces = new Map<string, Namespace>();
  /** Response-wrapped replies by wrapping token ID. */
  readonly wrapped = new Map<string, { body: unknown; namespace: string }>();
  /** Revocations of leases under this prefix fail (`/__dev/lease-revoke-failures`); null = none fail. */
  revokeFailPrefix: string | null = null;
  /** Added to the clock by /__dev/clock, so tests can jump ahead. */
  clockOffsetMs = 0;
  readonly clusterName = `vault-cluster-${randomString(8).toLowerCase()}`;
  readonly clusterId = randomUUID();

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now() + this.clockOffsetMs;
  }

  createToken(o: CreateTokenOptions): { token: TokenEntry; warnings: string[] } {
    const now = this.now();
    const policies = o.policies ?? ["default"];
    const isRootPolicy = policies.includes("root");
    let expireTime: number | null = null;
    let warnings: string[] = [];
    let ttl = o.ttl ?? 0;
    if (!isRootPolicy || ttl > 0 || (o.period ?? 0) > 0 || (o.explicitMaxTtl ?? 0) > 0) {
      const r = calculateTtl(
        {
          backendTtl: ttl,
          period: o.period,
          backendMaxTtl: o.maxTtl,
          explicitMaxTtl: o.explicitMaxTtl,
          startTime: now,
        },
        now,
      );
      if ("error" in r) throw new Error(r.error);
      warnings = r.warnings;
      expireTime = now + r.ttl * 1000;
      if (ttl === 0) ttl = r.ttl;
    }
    const token: TokenEntry = {
      id: o.id ?? `hvs.${randomString(24)}`,
      accessor: randomString(24),
      policies: [...policies].sort(),
      path: o.path ?? "auth/token/create",
      displayName: o.displayName ?? "token",
      meta: o.meta ?? null,
      creationTime: now,
      issueTime: now,
      ttl: expireTime === null ? 0 : ttl,
      maxTtl: o.maxTtl ?? 0,
      explicitMaxTtl: o.explicitMaxTtl ?? 0,
      period: o.period ?? 0,
      renewable: expireTime === null ? false : (o.renewable ?? true),
      expireTime,
      lastRenewal: null,
      orphan: o.orphan ?? o.parent == null,
      parent: o.orphan ? null : (o.parent ?? null),
      namespace: o.namespace ?? "",
      numUses: o.numUses ?? 0,
      renewParams: o.renewParams,
    };
    this.tokens.set(token.id, token);
    return { token, warnings };
  }

  isRoot(t: TokenEntry | undefined): boolean {
    return !!t && t.policies.includes("root");
  }

  /** A live token, or undefined. */
  lookupToken(id: string | undefined): TokenEntry | undefined {
    if (!id) return undefined;
    const t = this.tokens.get(id);
    if (t && t.expireTime !== null && t.expireTime <= this.now()) {
      this.revokeToken(id);
      return undefined;
    }
    return t;
  }

  findByAccessor(accessor: string): TokenEntry | undefined {
    this.sweep();
    for (const t of this.tokens.values()) if (t.accessor === accessor) return t;
    return undefined;
  }

  /** Revoke a token, its non-orphan children and the leases it created. */
  revokeToken(id: string): void {
    const t = this.tokens.get(id);
    if (!t) return;
    this.tokens.delete(id);
    this.wrapped.delete(id);
    for (const child of [...this.tokens.values()]) if (child.parent === id) this.revokeToken(child.id);
    for (const lease of [...this.leases.values()]) if (lease.tokenId === id) this.revokeLease(lease.id);
  }

  revokeAllTokens(includeRoot: boolean): number {
    let n = 0;
    for (const t of [...this.tokens.values()]) {
      if (!includeRoot && t.policies.includes("root")) continue;
      if (this.tokens.has(t.id)) {
        this.revokeToken(t.id);
        n++;
      }
    }
    return n;
  }

  addLease(l: Omit<Lease, "lastRenewal">): Lease {
    const lease: Lease = { ...l, lastRenewal: null };
    this.leases.set(lease.id, lease);
    return lease;
  }

  lookupLease(id: string): Lease | undefined {
    this.sweep();
    return this.leases.get(id);
  }

  /** Revoke a lease: true when it was there, false when not, or the error when revocation failed. */
  revokeLease(id: string): boolean | string {
    const l = this.leases.get(id);
    if (!l) return false;
    if (this.revokeFailPrefix !== null && id.startsWith(this.revokeFailPrefix)) {
      l.revokeError = "vault-dev: injected revocation failure";
      return l.revokeError;
    }
    this.leases.delete(id);
    l.onRevoke?.();
    return true;
  }

  /** Drop every expired token (with its children and leases) and expired lease. */
  sweep(): void {
    const now = this.now();
    for (const t of [...this.tokens.values()]) {
      if (t.expireTime !== null && t.expireTime <= now) this.revokeToken(t.id);
    }
    // Expired leases are revoked; one whose revocation fails is retried at the next sweep.
    for (const l of [...this.leases.values()]) {
      if (l.expireTime <= now) this.revokeLease(l.id);
    }
  }
}
