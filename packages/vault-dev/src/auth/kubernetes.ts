/**
 * Kubernetes and JWT auth methods. There is no Kubernetes API to ask, so the
 * service-account JWT is checked locally: ES256/RS256 with `pem_keys` /
 * `jwt_validation_pubkeys` (default: vault-dev's own keys, see `/__dev/jwks`),
 * or HS256 with a `signing_key` (a vault-dev extension).
 * Reference: https://developer.hashicorp.com/vault/api-docs/auth/kubernetes
 * Reference: https://developer.hashicorp.com/vault/api-docs/auth/jwt
 */
import { defaultPublicKeyPems, verifyJwt, type JwtClaims } from "../jwt.js";
import { isPlainObject, listAlias, listKeys, str, strList } from "../params.js";
import { badRequest, errorReply, noContent, notFound, ok, permissionDenied, unsupportedOperation, unsupportedPath, type Reply } from "../reply.js";
import type { Engine, EngineRequest, Op } from "../state.js";
import { loginReply, parseTokenParams, tokenParamsData, type TokenParams } from "./common.js";

function glob(patterns: string[], value: string): boolean {
  return patterns.some((p) => {
    if (p === "*" || p === value) return true;
    if (!p.includes("*")) return false;
    const re = new RegExp(
      "^" +
        p
          .split("*")
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*") +
        "$",
    );
    return re.test(value);
  });
}

const audiences = (claims: JwtClaims): string[] => (Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === "string" ? [claims.aud] : []);

interface Keys {
  signingKeys: string[];
  /** null: vault-dev's own keys, resolved on use (the RSA key is generated on first need, not at start). */
  pemKeys: string[] | null;
}

const pemKeysOf = (k: Keys): string[] => k.pemKeys ?? defaultPublicKeyPems();

function parseKeys(body: Record<string, unknown>, prev: Keys, pemField: string): Keys {
  const signing = strList(body, "signing_key") ?? strList(body, "signing_keys");
  const pems = Array.isArray(body[pemField])
    ? (body[pemField] as unknown[]).map(String)
    : typeof body[pemField] === "string"
      ? [String(body[pemField])]
      : undefined;
  // Configuring keys replaces the trusted set, as pem_keys does in the real plugins.
  return {
    signingKeys: signing ?? (pems ? [] : prev.signingKeys),
    pemKeys: pems ?? (signing ? [] : prev.pemKeys),
  };
}

abstract class RoleEngine<R extends { token: TokenParams }> implements Engine {
  readonly roles = new Map<string, R>();

  constructor(
    protected readonly now: () => number,
    protected readonly mountType: string,
  ) {}

  unauthenticated(op: Op, path: string): boolean {
    return path.replace(/\/+$/, "") === "login";
  }

  abstract upsertRole(name: string, body: Record<string, unknown>): R;
  abstract roleData(r: R): Record<string, unknown>;
  abstract configure(body: Record<string, unknown>): void;
  abstract configData(): Record<string, unknown>;
  abstract login(req: EngineRequest): Reply;

  handle(req: EngineRequest): Reply {
    const path = req.path.replace(/\/+$/, "");
    if (path === "login") return req.op === "write" ? this.login(req) : unsupportedOperation();
    if (path === "config") {
      if (req.op === "write") {
        this.configure(req.body);
        return noContent();
      }
      if (req.op === "read") return ok({ data: this.configData(), mount_type: this.mountType });
      return unsupportedOperation();
    }
    if (path === "role" && req.op === "list") {
      const keys = listKeys(this.roles.keys(), "");
      return keys.length ? ok({ data: { keys }, mount_type: this.mountType }) : notFound();
    }
    const m = /^role\/([^/]+)$/.exec(path);
    if (!m) return unsupportedPath();
    const role = this.roles.get(m[1]);
    switch (req.op) {
      case "read":
        return role ? ok({ data: this.roleData(role), mount_type: this.mountType }) : notFound();
      case "write":
        this.upsertRole(m[1], req.body);
        return noContent();
      case "delete":
        this.roles.delete(m[1]);
        return noContent();
      default:
        return unsupportedOperation();
    }
  }
}

export interface KubernetesRole {
  names: string[];
  namespaces: string[];
  audience: string;
  token: TokenParams;
}

export class KubernetesEngine extends RoleEngine<KubernetesRole> {
  keys: Keys = { signingKeys: [], pemKeys: null };
  config: Record<string, unknown> = { kubernetes_host: "https://kubernetes.default.svc", disable_iss_validation: true };

  constructor(now: () => number) {
    super(now, "kubernetes");
  }

  configure(body: Record<string, unknown>): void {
    this.keys = parseKeys(body, this.keys, "pem_keys");
    const { signing_key: _a, signing_keys: _b, token_reviewer_jwt: _c, ...rest } = body;
    this.config = { ...this.config, ...rest };
  }

  configData(): Record<string, unknown> {
    return { disable_local_ca_jwt: false, kubernetes_ca_cert: "", issuer: "", pem_keys: pemKeysOf(this.keys), ...this.config };
  }

  upsertRole(name: string, body: Record<string, unknown>): KubernetesRole {
    const prev = this.roles.get(name);
    const role: KubernetesRole = {
      names: strList(body, "bound_service_account_names") ?? prev?.names ?? [],
      namespaces: strList(body, "bound_service_account_namespaces") ?? prev?.namespaces ?? [],
      audience: str(body, "audience") ?? prev?.audience ?? "",
      token: parseTokenParams(body, prev?.token),
    };
    this.roles.set(name, role);
    return role;
  }

  roleData(r: KubernetesRole): Record<string, unknown> {
    return {
      alias_name_source: "serviceaccount_uid",
      audience: r.audience,
      bound_service_account_names: r.names,
      bound_service_account_namespaces: r.namespaces,
      ...tokenParamsData(r.token),
    };
  }

  login(req: EngineRequest): Reply {
    const roleName = str(req.body, "role");
    if (!roleName) return badRequest("missing role");
    const jwt = str(req.body, "jwt");
    if (!jwt) return badRequest("missing jwt");
    const role = this.roles.get(roleName);
    if (!role) return badRequest(`invalid role name ${JSON.stringify(roleName)}`);
    // Like the real plugin: validate the claims (403), check the role's bindings (403 with
    // Vault's messages), then review the token, which here means checking its signature (403).
    let unverified: JwtClaims;
    try {
      unverified = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    } catch {
      return permissionDenied();
    }
    if (!isPlainObject(unverified)) return permissionDenied();
    const nowSec = Math.floor(this.now() / 1000);
    if (typeof unverified.exp === "number" && nowSec > unverified.exp) return permissionDenied();
    if (typeof unverified.nbf === "number" && nowSec < unverified.nbf) return permissionDenied();
    if (role.audience && !audiences(unverified).includes(role.audience)) return permissionDenied();
    const sa = serviceAccount(unverified);
    if (!sa) return permissionDenied();
    if (!glob(role.names, sa.name)) return errorReply(403, "service account name not authorized");
    if (!glob(role.namespaces, sa.namespace)) return errorReply(403, "namespace not authorized");
    try {
      verifyJwt(jwt, { hmacKeys: this.keys.signingKeys, pemKeys: pemKeysOf(this.keys) }, nowSec);
    } catch {
      return permissionDenied();
    }
    const name = roleName;
    return loginReply(
      req,
      role.token,
      () => this.roles.get(name)?.token ?? null,
      {
        role: roleName,
        service_account_name: sa.name,
        service_account_namespace: sa.namespace,
        service_account_secret_name: sa.secretName,
        service_account_uid: sa.uid,
      },
      `kubernetes-${sa.namespace}-${sa.name}`,
    );
  }
}

function serviceAccount(c: JwtClaims): { name: string; namespace: string; uid: string; secretName: string } | null {
  const k = c["kubernetes.io"];
  if (isPlainObject(k) && isPlainObject(k.serviceaccount)) {
    const name = k.serviceaccount.name;
    const ns = k.namespace;
    if (typeof name === "string" && typeof ns === "string") {
      return { name, namespace: ns, uid: String(k.serviceaccount.uid ?? ""), secretName: "" };
    }
  }
  const name = c["kubernetes.io/serviceaccount/service-account.name"];
  const ns = c["kubernetes.io/serviceaccount/namespace"];
  if (typeof name === "string" && typeof ns === "string") {
    return {
      name,
      namespace: ns,
      uid: String(c["kubernetes.io/serviceaccount/service-account.uid"] ?? ""),
      secretName: String(c["kubernetes.io/serviceaccount/secret.name"] ?? ""),
    };
  }
  return null;
}

export interface JwtRole {
  roleType: string;
  boundAudiences: string[];
  boundSubject: string;
  boundClaims: Record<string, string[]>;
  userClaim: string;
  claimMappings: Record<string, string>;
  token: TokenParams;
}

export class JwtEngine extends RoleEngine<JwtRole> {
  keys: Keys = { signingKeys: [], pemKeys: null };
  boundIssuer = "";
  defaultRole = "";

  constructor(now: () => number) {
    super(now, "jwt");
  }

  configure(body: Record<string, unknown>): void {
    this.keys = parseKeys(body, this.keys, "jwt_validation_pubkeys");
    this.boundIssuer = str(body, "bound_issuer") ?? this.boundIssuer;
    this.defaultRole = str(body, "default_role") ?? this.defaultRole;
  }

  configData(): Record<string, unknown> {
    return {
      bound_issuer: this.boundIssuer,
      default_role: this.defaultRole,
      jwks_url: "",
      jwt_supported_algs: [],
      jwt_validation_pubkeys: pemKeysOf(this.keys),
      oidc_discovery_url: "",
    };
  }

  upsertRole(name: string, body: Record<string, unknown>): JwtRole {
    const prev = this.roles.get(name);
    const bc = isPlainObject(body.bound_claims)
      ? Object.fromEntries(Object.entries(body.bound_claims).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v).split(",")]))
      : undefined;
    const cm = isPlainObject(body.claim_mappings) ? Object.fromEntries(Object.entries(body.claim_mappings).map(([k, v]) => [k, String(v)])) : undefined;
    const role: JwtRole = {
      roleType: str(body, "role_type") ?? prev?.roleType ?? "jwt",
      boundAudiences: listAlias(body, "bound_audiences") ?? prev?.boundAudiences ?? [],
      boundSubject: str(body, "bound_subject") ?? prev?.boundSubject ?? "",
      boundClaims: bc ?? prev?.boundClaims ?? {},
      userClaim: str(body, "user_claim") ?? prev?.userClaim ?? "sub",
      claimMappings: cm ?? prev?.claimMappings ?? {},
      token: parseTokenParams(body, prev?.token),
    };
    this.roles.set(name, role);
    return role;
  }

  roleData(r: JwtRole): Record<string, unknown> {
    return {
      bound_audiences: r.boundAudiences,
      bound_claims: Object.keys(r.boundClaims).length ? r.boundClaims : null,
      bound_subject: r.boundSubject,
      claim_mappings: Object.keys(r.claimMappings).length ? r.claimMappings : null,
      role_type: r.roleType,
      user_claim: r.userClaim,
      ...tokenParamsData(r.token),
    };
  }

  login(req: EngineRequest): Reply {
    const roleName = str(req.body, "role") || this.defaultRole;
    if (!roleName) return badRequest("missing role");
    const role = this.roles.get(roleName);
    if (!role) return badRequest(`role ${JSON.stringify(roleName)} could not be found`);
    const jwt = str(req.body, "jwt");
    if (!jwt) return badRequest("missing token");
    let claims: JwtClaims;
    try {
      claims = verifyJwt(jwt, { hmacKeys: this.keys.signingKeys, pemKeys: pemKeysOf(this.keys) }, Math.floor(this.now() / 1000), 150);
    } catch (e) {
      return badRequest(`error validating token: ${(e as Error).message}`);
    }
    if (this.boundIssuer && claims.iss !== this.boundIssuer) {
      return badRequest("error validating claims: validation failed, invalid issuer claim (iss)");
    }
    const aud = audiences(claims);
    if (role.boundAudiences.length > 0) {
      if (!aud.some((a) => role.boundAudiences.includes(a))) {
        return badRequest("error validating claims: validation failed, invalid audience (aud) claim: audience claim does not match any expected audience");
      }
    } else if (aud.length > 0) {
      return badRequest("error validating claims: audience claim found in JWT but no audiences bound to the role");
    }
    if (role.boundSubject && claims.sub !== role.boundSubject) {
      return badRequest("error validating claims: sub claim does not match bound subject");
    }
    for (const [claim, allowed] of Object.entries(role.boundClaims)) {
      const v = claims[claim];
      const values = Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
      if (!values.some((x) => glob(allowed, x))) {
        return badRequest(`error validating claims: claim ${JSON.stringify(claim)} does not match any associated bound claim values`);
      }
    }
    const user = claims[role.userClaim];
    if (user === undefined || user === null || user === "") {
      return badRequest(`claim ${JSON.stringify(role.userClaim)} not found in token`);
    }
    const meta: Record<string, string> = { role: roleName };
    for (const [claim, key] of Object.entries(role.claimMappings)) {
      if (claims[claim] !== undefined) meta[key] = String(claims[claim]);
    }
    const name = roleName;
    return loginReply(req, role.token, () => this.roles.get(name)?.token ?? null, meta, `${this.mountType}-${String(user)}`);
  }
}
