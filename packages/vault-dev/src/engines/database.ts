/**
 * Database secrets engine without a database: `creds/<role>` issues a random
 * username/password under a real lease. Issued credentials can be checked
 * with `verify()`, so tests and demos can tell a live credential from a
 * revoked or expired one.
 * Reference: https://developer.hashicorp.com/vault/api-docs/secret/databases
 */
import { durAlias, listAlias, listKeys, str } from "../params.js";
import { badRequest, noContent, notFound, ok, unsupportedOperation, type Reply } from "../reply.js";
import { calculateTtl, randomString, type Engine, type EngineRequest } from "../state.js";

export interface DatabaseRole {
  defaultTtl: number;
  maxTtl: number;
  dbName: string;
  creationStatements: string[];
}

export class DatabaseEngine implements Engine {
  readonly roles = new Map<string, DatabaseRole>();
  readonly configs = new Map<string, Record<string, unknown>>();
  /** username → password, for live credentials only. */
  readonly live = new Map<string, string>();

  setRole(name: string, role: Partial<DatabaseRole>): void {
    const prev = this.roles.get(name);
    this.roles.set(name, {
      defaultTtl: role.defaultTtl ?? prev?.defaultTtl ?? 0,
      maxTtl: role.maxTtl ?? prev?.maxTtl ?? 0,
      dbName: role.dbName ?? prev?.dbName ?? "vault-dev",
      creationStatements: role.creationStatements ?? prev?.creationStatements ?? [],
    });
  }

  verify(username: string, password: string): boolean {
    return this.live.get(username) === password;
  }

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    let m: RegExpExecArray | null;
    if ((m = /^creds\/([^/]+)$/.exec(path))) {
      if (req.op !== "read") return unsupportedOperation();
      return this.issue(req, m[1]);
    }
    if (path === "roles" && req.op === "list") {
      const keys = listKeys(this.roles.keys(), "");
      return keys.length ? ok({ data: { keys }, mount_type: "database" }) : notFound();
    }
    if ((m = /^roles\/([^/]+)$/.exec(path))) {
      const name = m[1];
      if (req.op === "read") {
        const r = this.roles.get(name);
        if (!r) return notFound();
        return ok({
          data: {
            creation_statements: r.creationStatements,
            credential_type: "password",
            db_name: r.dbName,
            default_ttl: r.defaultTtl,
            max_ttl: r.maxTtl,
            renew_statements: [],
            revocation_statements: [],
            rollback_statements: [],
          },
          mount_type: "database",
        });
      }
      if (req.op === "write") {
        this.setRole(name, {
          defaultTtl: durAlias(req.body, "default_ttl"),
          maxTtl: durAlias(req.body, "max_ttl"),
          dbName: str(req.body, "db_name"),
          creationStatements: listAlias(req.body, "creation_statements"),
        });
        return noContent();
      }
      if (req.op === "delete") {
        this.roles.delete(name);
        return noContent();
      }
      return unsupportedOperation();
    }
    if (path === "config" && req.op === "list") {
      const keys = listKeys(this.configs.keys(), "");
      return keys.length ? ok({ data: { keys }, mount_type: "database" }) : notFound();
    }
    if ((m = /^config\/([^/]+)$/.exec(path))) {
      if (req.op === "write") {
        const { password: _p, ...rest } = req.body;
        this.configs.set(m[1], rest);
        return noContent();
      }
      if (req.op === "read") {
        const c = this.configs.get(m[1]);
        return c ? ok({ data: c, mount_type: "database" }) : notFound();
      }
      if (req.op === "delete") {
        this.configs.delete(m[1]);
        return noContent();
      }
      return unsupportedOperation();
    }
    return { status: 404, body: { errors: ["1 error occurred:\n\t* unsupported path\n\n"] } };
  }

  private issue(req: EngineRequest, roleName: string): Reply {
    const role = this.roles.get(roleName);
    if (!role) return badRequest(`unknown role: ${roleName}`);
    const now = req.state.now();
    const r = calculateTtl({ backendTtl: role.defaultTtl, backendMaxTtl: role.maxTtl, startTime: now }, now);
    if ("error" in r) return badRequest(r.error);
    const username = `v-token-${roleName.slice(0, 8)}-${randomString(20)}-${Math.floor(now / 1000)}`;
    const password = `${randomString(4)}-${randomString(16)}`;
    const leaseId = `${req.mount.path}creds/${roleName}/${randomString(24)}`;
    this.live.set(username, password);
    req.state.addLease({
      id: leaseId,
      issueTime: now,
      expireTime: now + r.ttl * 1000,
      ttl: role.defaultTtl,
      maxTtl: role.maxTtl,
      renewable: true,
      tokenId: req.token && !req.isRoot ? req.token.id : null,
      namespace: req.ns.name,
      onRevoke: () => this.live.delete(username),
    });
    return ok({
      lease_id: leaseId,
      renewable: true,
      lease_duration: r.ttl,
      data: { username, password },
      warnings: r.warnings,
      mount_type: "database",
    });
  }
}
