/**
 * Token auth method (`auth/token/`).
 * Reference: https://developer.hashicorp.com/vault/api-docs/auth/token
 */
import { bool, durAlias, int, isPlainObject, listAlias, listKeys, str } from "../params.js";
import { badRequest, errorReply, multiError, noContent, notFound, ok, unsupportedOperation, unsupportedPath, type Reply } from "../reply.js";
import { calculateTtl, isoTime, type Engine, type EngineRequest, type Op, type TokenEntry, type VaultState } from "../state.js";
import { authBlock, leaseSeconds } from "./common.js";

export interface TokenRole {
  allowedPolicies: string[];
  orphan: boolean;
  renewable: boolean;
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
}

export function lookupData(state: VaultState, t: TokenEntry): Record<string, unknown> {
  const d: Record<string, unknown> = {
    accessor: t.accessor,
    creation_time: Math.floor(t.creationTime / 1000),
    creation_ttl: t.ttl,
    display_name: t.displayName,
    entity_id: "",
    expire_time: t.expireTime === null ? null : isoTime(t.expireTime),
    explicit_max_ttl: t.explicitMaxTtl,
    id: t.id,
    issue_time: isoTime(t.creationTime),
    meta: t.meta,
    num_uses: t.numUses,
    orphan: t.orphan,
    path: t.path,
    policies: t.policies,
    renewable: t.renewable,
    ttl: t.expireTime === null ? 0 : Math.max(0, Math.floor((t.expireTime - state.now()) / 1000)),
    type: "service",
  };
  if (t.lastRenewal !== null) {
    d.last_renewal = isoTime(t.lastRenewal);
    d.last_renewal_time = Math.floor(t.lastRenewal / 1000);
  }
  if (t.period > 0) d.period = t.period;
  return d;
}

/** Renew a token the way Vault's expiration manager does. */
export function renewToken(state: VaultState, t: TokenEntry, increment: number): Reply {
  if (t.expireTime === null || !t.renewable) return badRequest("lease is not renewable");
  let params = { ttl: t.ttl, maxTtl: t.maxTtl, period: t.period };
  if (t.renewParams) {
    const p = t.renewParams();
    // Vault's auth plugins fail the renewal with a plain error, so the answer is a 500.
    if (!p) return errorReply(500, multiError(`role ${JSON.stringify(t.meta?.role_name ?? t.meta?.role ?? "")} does not exist during renewal`));
    params = p;
  }
  const now = state.now();
  const r = calculateTtl(
    {
      increment,
      backendTtl: params.ttl,
      period: params.period,
      backendMaxTtl: params.maxTtl,
      explicitMaxTtl: t.explicitMaxTtl,
      startTime: t.issueTime,
    },
    now,
  );
  if ("error" in r) return badRequest(r.error);
  t.expireTime = now + r.ttl * 1000;
  t.lastRenewal = now;
  return ok({ auth: authBlock(t, r.ttl), warnings: r.warnings, mount_type: "token" });
}

export class TokenEngine implements Engine {
  readonly roles = new Map<string, TokenRole>();

  /** Vault's token store root paths. */
  sudo(_op: Op, path: string): boolean {
    return path.startsWith("revoke-orphan/") || path.startsWith("accessors");
  }

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    const state = req.state;
    const self = req.token!;
    const tokenArg = (): TokenEntry | Reply => {
      const id = str(req.body, "token");
      if (!id) return badRequest("missing token");
      const t = state.lookupToken(id);
      return t ?? badRequest("bad token");
    };
    switch (path) {
      case "lookup-self":
        if (req.op !== "read" && req.op !== "write") return unsupportedOperation();
        return ok({ data: lookupData(state, self), mount_type: "token" });
      case "renew-self":
        if (req.op !== "write") return unsupportedOperation();
        return renewToken(state, self, durAlias(req.body, "increment") ?? 0);
      case "revoke-self":
        if (req.op !== "write") return unsupportedOperation();
        state.revokeToken(self.id);
        return noContent();
      case "lookup": {
        if (req.op !== "write" && req.op !== "read") return unsupportedOperation();
        const t = tokenArg();
        if (!("id" in t)) return t;
        return ok({ data: lookupData(state, t), mount_type: "token" });
      }
      case "lookup-accessor": {
        if (req.op !== "write") return unsupportedOperation();
        const t = state.findByAccessor(str(req.body, "accessor") ?? "");
        if (!t) return badRequest("invalid accessor");
        return ok({ data: { ...lookupData(state, t), id: "" }, mount_type: "token" });
      }
      case "renew": {
        if (req.op !== "write") return unsupportedOperation();
        const t = tokenArg();
        if (!("id" in t)) return t;
        return renewToken(state, t, durAlias(req.body, "increment") ?? 0);
      }
      case "revoke":
      case "revoke-orphan": {
        if (req.op !== "write") return unsupportedOperation();
        const id = str(req.body, "token");
        if (!id) return badRequest("missing token");
        if (path === "revoke-orphan") {
          for (const c of state.tokens.values())
            if (c.parent === id) {
              c.parent = null;
              c.orphan = true;
            }
        }
        state.revokeToken(id);
        return noContent();
      }
      case "revoke-accessor": {
        if (req.op !== "write") return unsupportedOperation();
        const t = state.findByAccessor(str(req.body, "accessor") ?? "");
        if (t) state.revokeToken(t.id);
        return noContent();
      }
      case "create":
      case "create-orphan":
        if (req.op !== "write") return unsupportedOperation();
        return this.create(req, path === "create-orphan", undefined);
      case "roles":
        if (req.op !== "list") return unsupportedOperation();
        return this.roles.size ? ok({ data: { keys: listKeys(this.roles.keys(), "") }, mount_type: "token" }) : notFound();
    }
    let m: RegExpExecArray | null;
    if ((m = /^create\/([^/]+)$/.exec(path))) {
      if (req.op !== "write") return unsupportedOperation();
      const role = this.roles.get(m[1]);
      if (!role) return badRequest(`unknown role ${m[1]}`);
      return this.create(req, role.orphan, m[1]);
    }
    if ((m = /^roles\/([^/]+)$/.exec(path))) {
      const name = m[1];
      const role = this.roles.get(name);
      if (req.op === "read") {
        if (!role) return notFound();
        return ok({
          data: {
            allowed_policies: role.allowedPolicies,
            disallowed_policies: [],
            explicit_max_ttl: role.explicitMaxTtl,
            name,
            orphan: role.orphan,
            path_suffix: "",
            period: role.period,
            renewable: role.renewable,
            token_explicit_max_ttl: role.explicitMaxTtl,
            token_period: role.period,
            token_ttl: role.ttl,
            token_max_ttl: role.maxTtl,
            token_type: "default-service",
          },
          mount_type: "token",
        });
      }
      if (req.op === "write") {
        this.setRole(name, req.body);
        return noContent();
      }
      if (req.op === "delete") {
        this.roles.delete(name);
        return noContent();
      }
      return unsupportedOperation();
    }
    return unsupportedPath();
  }

  setRole(name: string, body: Record<string, unknown>): void {
    const prev = this.roles.get(name);
    this.roles.set(name, {
      allowedPolicies: listAlias(body, "allowed_policies") ?? prev?.allowedPolicies ?? [],
      orphan: bool(body, "orphan") ?? prev?.orphan ?? false,
      renewable: bool(body, "renewable") ?? prev?.renewable ?? true,
      ttl: durAlias(body, "token_ttl", "ttl") ?? prev?.ttl ?? 0,
      maxTtl: durAlias(body, "token_max_ttl", "max_ttl") ?? prev?.maxTtl ?? 0,
      explicitMaxTtl: durAlias(body, "token_explicit_max_ttl", "explicit_max_ttl") ?? prev?.explicitMaxTtl ?? 0,
      period: durAlias(body, "token_period", "period") ?? prev?.period ?? 0,
    });
  }

  private create(req: EngineRequest, orphan: boolean, roleName: string | undefined): Reply {
    const b = req.body;
    const parent = req.token!;
    const sudo = req.isRoot || !!req.acl?.allows(req.aclPrefix + req.mount.path + req.path, "update", true);
    const role = roleName ? this.roles.get(roleName) : undefined;
    const noParent = bool(b, "no_parent") ?? false;
    if ((orphan || noParent) && !role && !sudo) return badRequest("root or sudo privileges required to create orphan token");
    if (str(b, "id") && !sudo) return badRequest("root or sudo privileges required to specify token id");
    const asked = listAlias(b, "policies");
    let policies = asked ?? (role?.allowedPolicies.length ? role.allowedPolicies : undefined) ?? parent.policies;
    // Without a role, a child's policies must be a subset of its parent's (root may grant anything).
    if (!role && !parent.policies.includes("root") && policies.some((p) => p !== "default" && !parent.policies.includes(p))) {
      return badRequest("child policies must be subset of parent");
    }
    if (!req.isRoot && policies.includes("root") && !parent.policies.includes("root")) return badRequest("root tokens may not be created by a non-root token");
    if (!policies.includes("root") && !(bool(b, "no_default_policy") ?? false)) policies = [...new Set(["default", ...policies])];
    const meta = isPlainObject(b.meta) ? Object.fromEntries(Object.entries(b.meta).map(([k, v]) => [k, String(v)])) : null;
    const customId = str(b, "id");
    if (customId && req.state.tokens.has(customId)) return badRequest("token ID already in use");
    let created: ReturnType<typeof req.state.createToken>;
    try {
      created = req.state.createToken({
        id: customId,
        policies,
        path: roleName ? `auth/token/create/${roleName}` : orphan ? "auth/token/create-orphan" : "auth/token/create",
        displayName: str(b, "display_name") ? `token-${str(b, "display_name")}` : "token",
        meta,
        ttl: durAlias(b, "ttl") ?? role?.ttl ?? 0,
        maxTtl: role?.maxTtl ?? 0,
        explicitMaxTtl: durAlias(b, "explicit_max_ttl") ?? role?.explicitMaxTtl ?? 0,
        period: durAlias(b, "period") ?? role?.period ?? 0,
        renewable: role ? role.renewable && (bool(b, "renewable") ?? true) : (bool(b, "renewable") ?? true),
        orphan: orphan || noParent,
        parent: orphan || noParent ? null : parent.id,
        namespace: req.ns.name,
        numUses: int(b, "num_uses") ?? 0,
        renewParams: roleName
          ? () => {
              const r = this.roles.get(roleName);
              return r ? { ttl: r.ttl, maxTtl: r.maxTtl, period: r.period } : null;
            }
          : undefined,
      });
    } catch (e) {
      return badRequest((e as Error).message);
    }
    return ok({ auth: authBlock(created.token, leaseSeconds(req.state, created.token)), warnings: created.warnings, mount_type: "token" });
  }
}
