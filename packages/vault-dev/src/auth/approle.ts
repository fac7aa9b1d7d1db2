/**
 * AppRole auth method.
 * Reference: https://developer.hashicorp.com/vault/api-docs/auth/approle
 */
import { randomUUID } from "node:crypto";
import { bool, dur, int, isPlainObject, listKeys, str } from "../params.js";
import { badRequest, noContent, notFound, ok, unsupportedOperation, unsupportedPath, type Reply } from "../reply.js";
import { isoTime, type Engine, type EngineRequest, type Op } from "../state.js";
import { loginReply, parseTokenParams, tokenParamsData, type TokenParams } from "./common.js";

interface SecretId {
  secretId: string;
  accessor: string;
  createdAt: number;
  /** ms; null = never */
  expiresAt: number | null;
  usesLeft: number | null;
  metadata: Record<string, string>;
}

export interface AppRole {
  roleId: string;
  bindSecretId: boolean;
  secretIdTtl: number;
  secretIdNumUses: number;
  token: TokenParams;
  secretIds: Map<string, SecretId>;
}

export interface AppRoleSeed {
  role_id?: string;
  secret_id?: string | string[];
  [key: string]: unknown;
}

export class AppRoleEngine implements Engine {
  readonly roles = new Map<string, AppRole>();

  constructor(private readonly now: () => number) {}

  unauthenticated(op: Op, path: string): boolean {
    return path.replace(/\/+$/, "") === "login";
  }

  /** Create or update a role from API/seed fields. */
  upsertRole(name: string, body: Record<string, unknown>): AppRole {
    const prev = this.roles.get(name);
    const role: AppRole = {
      roleId: str(body, "role_id") ?? prev?.roleId ?? randomUUID(),
      bindSecretId: bool(body, "bind_secret_id") ?? prev?.bindSecretId ?? true,
      secretIdTtl: dur(body, "secret_id_ttl") ?? prev?.secretIdTtl ?? 0,
      secretIdNumUses: int(body, "secret_id_num_uses") ?? prev?.secretIdNumUses ?? 0,
      token: parseTokenParams(body, prev?.token),
      secretIds: prev?.secretIds ?? new Map(),
    };
    this.roles.set(name, role);
    return role;
  }

  addSecretId(role: AppRole, secretId: string = randomUUID(), metadata: Record<string, string> = {}, ttl?: number, numUses?: number): SecretId {
    const now = this.now();
    const t = ttl ?? role.secretIdTtl;
    const uses = numUses ?? role.secretIdNumUses;
    const entry: SecretId = {
      secretId,
      accessor: randomUUID(),
      createdAt: now,
      expiresAt: t > 0 ? now + t * 1000 : null,
      usesLeft: uses > 0 ? uses : null,
      metadata,
    };
    role.secretIds.set(secretId, entry);
    return entry;
  }

  private secretIdLive(s: SecretId): boolean {
    return (s.expiresAt === null || s.expiresAt > this.now()) && (s.usesLeft === null || s.usesLeft > 0);
  }

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    if (path === "login") return req.op === "write" ? this.login(req) : unsupportedOperation();
    if (path === "role" && req.op === "list") {
      const keys = listKeys(this.roles.keys(), "");
      return keys.length ? ok({ data: { keys }, mount_type: "approle" }) : notFound();
    }
    const m = /^role\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (!m) return unsupportedPath();
    const [, name, sub] = m;
    const role = this.roles.get(name);
    switch (sub) {
      case undefined:
        if (req.op === "read") {
          if (!role) return notFound();
          return ok({
            data: {
              bind_secret_id: role.bindSecretId,
              local_secret_ids: false,
              secret_id_bound_cidrs: null,
              secret_id_num_uses: role.secretIdNumUses,
              secret_id_ttl: role.secretIdTtl,
              ...tokenParamsData(role.token),
            },
            mount_type: "approle",
          });
        }
        if (req.op === "write") {
          this.upsertRole(name, req.body);
          return noContent();
        }
        if (req.op === "delete") {
          this.roles.delete(name);
          return noContent();
        }
        return unsupportedOperation();
      case "role-id":
        if (!role) return badRequest(`role ${JSON.stringify(name)} does not exist`);
        if (req.op === "read") return ok({ data: { role_id: role.roleId }, mount_type: "approle" });
        if (req.op === "write") {
          const id = str(req.body, "role_id");
          if (!id) return badRequest("missing role_id");
          role.roleId = id;
          return noContent();
        }
        return unsupportedOperation();
      case "secret-id":
      case "custom-secret-id": {
        if (!role) return badRequest(`role ${JSON.stringify(name)} does not exist`);
        if (req.op === "list" && sub === "secret-id") {
          const keys = [...role.secretIds.values()]
            .filter((s) => this.secretIdLive(s))
            .map((s) => s.accessor)
            .sort();
          return keys.length ? ok({ data: { keys }, mount_type: "approle" }) : notFound();
        }
        if (req.op !== "write") return unsupportedOperation();
        let custom: string | undefined;
        if (sub === "custom-secret-id") {
          custom = str(req.body, "secret_id");
          if (!custom) return badRequest("missing secret_id");
        }
        const metadata = isPlainObject(req.body.metadata) ? Object.fromEntries(Object.entries(req.body.metadata).map(([k, v]) => [k, String(v)])) : {};
        const s = this.addSecretId(role, custom, metadata, dur(req.body, "ttl"), int(req.body, "num_uses"));
        return ok({
          data: {
            secret_id: s.secretId,
            secret_id_accessor: s.accessor,
            secret_id_num_uses: s.usesLeft ?? 0,
            secret_id_ttl: s.expiresAt === null ? 0 : Math.round((s.expiresAt - s.createdAt) / 1000),
          },
          mount_type: "approle",
        });
      }
      case "secret-id/lookup":
      case "secret-id/destroy": {
        if (!role) return badRequest(`role ${JSON.stringify(name)} does not exist`);
        if (req.op !== "write" && !(sub === "secret-id/destroy" && req.op === "delete")) return unsupportedOperation();
        const id = str(req.body, "secret_id");
        if (!id) return badRequest("missing secret_id");
        const s = role.secretIds.get(id);
        if (sub === "secret-id/destroy") {
          role.secretIds.delete(id);
          return noContent();
        }
        if (!s || !this.secretIdLive(s)) return noContent();
        return ok({
          data: {
            cidr_list: [],
            creation_time: isoTime(s.createdAt),
            expiration_time: s.expiresAt === null ? "0001-01-01T00:00:00Z" : isoTime(s.expiresAt),
            last_updated_time: isoTime(s.createdAt),
            metadata: s.metadata,
            secret_id_accessor: s.accessor,
            secret_id_num_uses: s.usesLeft ?? 0,
            secret_id_ttl: s.expiresAt === null ? 0 : Math.round((s.expiresAt - s.createdAt) / 1000),
            token_bound_cidrs: [],
          },
          mount_type: "approle",
        });
      }
      default:
        return unsupportedPath();
    }
  }

  private login(req: EngineRequest): Reply {
    const roleId = str(req.body, "role_id")?.trim();
    if (!roleId) return badRequest("missing role_id");
    let name: string | undefined;
    let role: AppRole | undefined;
    for (const [n, r] of this.roles) {
      if (r.roleId === roleId) {
        name = n;
        role = r;
      }
    }
    if (!role || name === undefined) return badRequest("invalid role or secret ID");
    let metadata: Record<string, string> = {};
    if (role.bindSecretId) {
      const secretId = str(req.body, "secret_id")?.trim();
      if (!secretId) return badRequest("missing secret_id");
      const s = role.secretIds.get(secretId);
      if (!s || !this.secretIdLive(s)) return badRequest("invalid role or secret ID");
      metadata = { ...s.metadata };
      if (s.usesLeft !== null) {
        s.usesLeft--;
        if (s.usesLeft <= 0) role.secretIds.delete(secretId);
      }
    }
    const roleName = name;
    // Like Vault: the secret ID's metadata, plus the role name.
    return loginReply(req, role.token, () => this.roles.get(roleName)?.token ?? null, { ...metadata, role_name: roleName }, "approle", null);
  }
}
