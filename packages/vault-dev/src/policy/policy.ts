/**
 * ACL policies: parsing (HCL or JSON), the built-in policies, and the
 * capability bits. Parsing follows Vault's policy.go: a leading `/` is
 * dropped, a trailing `*` makes a prefix rule, a `+` segment makes a
 * segment-wildcard rule, `deny` wipes every other capability, and the legacy
 * `policy = "read"` form expands to its capability list.
 * Reference: https://developer.hashicorp.com/vault/docs/concepts/policies
 */
import { HclError, parseHcl, type HclBody, type HclValue } from "./hcl.js";

export const CAP = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
} as const;
export type Capability = keyof typeof CAP;

const LEGACY: Record<string, Capability[]> = {
  deny: ["deny"],
  read: ["read", "list"],
  write: ["read", "list", "create", "update", "delete"],
  sudo: ["read", "list", "create", "update", "delete", "sudo"],
};

const PATH_KEYS = new Set([
  "comment",
  "policy",
  "capabilities",
  "allowed_parameters",
  "denied_parameters",
  "required_parameters",
  "min_wrapping_ttl",
  "max_wrapping_ttl",
  "mfa_methods",
  "control_group",
  "subscribe_event_types",
  "pagination_limit",
  "list_scan_response_keys_filter_path",
  "expiration",
]);

export interface PathRule {
  /** Without the trailing `*` of a prefix rule; segment-wildcard rules keep it. */
  path: string;
  isPrefix: boolean;
  hasSegmentWildcards: boolean;
  caps: number;
}

export interface Policy {
  name: string;
  raw: string;
  rules: PathRule[];
}

export class PolicyParseError extends Error {}

function capsOf(path: string, list: HclValue, where: string): number {
  if (!Array.isArray(list)) throw new PolicyParseError(`path ${JSON.stringify(path)}: ${where} must be a list`);
  let bits = 0;
  for (const c of list) {
    const name = String(c).trim().toLowerCase();
    if (!(name in CAP)) throw new PolicyParseError(`path ${JSON.stringify(path)}: invalid capability ${JSON.stringify(String(c))}`);
    bits |= CAP[name as Capability];
  }
  return bits & CAP.deny ? CAP.deny : bits;
}

function rule(rawPath: string, attrs: Map<string, HclValue>): PathRule {
  for (const k of attrs.keys()) {
    if (!PATH_KEYS.has(k)) throw new PolicyParseError(`path ${JSON.stringify(rawPath)}: invalid key ${JSON.stringify(k)}`);
  }
  let caps = 0;
  const legacy = attrs.get("policy");
  if (legacy !== undefined) {
    const l = LEGACY[String(legacy).toLowerCase()];
    if (!l) throw new PolicyParseError(`path ${JSON.stringify(rawPath)}: invalid policy ${JSON.stringify(String(legacy))}`);
    caps = capsOf(rawPath, l, "policy");
  }
  const list = attrs.get("capabilities");
  if (list !== undefined) caps |= capsOf(rawPath, list, "capabilities");
  if (caps & CAP.deny) caps = CAP.deny;
  const path = rawPath.replace(/^\/+/, "");
  const hasSegmentWildcards = path.includes("+");
  const isPrefix = path.endsWith("*");
  return {
    path: isPrefix && !hasSegmentWildcards ? path.slice(0, -1) : path,
    isPrefix,
    hasSegmentWildcards,
    caps,
  };
}

function attrsOf(v: HclValue, where: string): Map<string, HclValue> {
  const m = new Map<string, HclValue>();
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const e of (v as HclBody).entries) m.set(e.key, e.value);
    return m;
  }
  throw new PolicyParseError(`${where}: expected a block`);
}

/** A JSON value in the shape HCL would have produced. */
function fromJson(v: unknown): HclValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === "object") {
    return { entries: Object.entries(v).map(([key, value]) => ({ key, labels: [], value: fromJson(value), line: 0 })) };
  }
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return "";
}

/** Parse a policy document (HCL or JSON). Throws PolicyParseError. */
export function parsePolicy(name: string, raw: string): Policy {
  let top: HclBody;
  const text = raw.trim();
  if (text.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new PolicyParseError(`failed to parse policy: ${(e as Error).message}`);
    }
    top = fromJson(json) as HclBody;
  } else {
    try {
      top = parseHcl(raw);
    } catch (e) {
      if (e instanceof HclError) throw new PolicyParseError(`failed to parse policy: ${e.message}`);
      throw e;
    }
  }
  const rules: PathRule[] = [];
  for (const e of top.entries) {
    if (e.key === "name") continue;
    if (e.key !== "path") throw new PolicyParseError(`failed to parse policy: invalid key ${JSON.stringify(e.key)} on line ${e.line}`);
    if (e.labels.length === 1) {
      rules.push(rule(e.labels[0], attrsOf(e.value, `path ${JSON.stringify(e.labels[0])}`)));
      continue;
    }
    // JSON form: "path": { "<p>": { … }, … } or a list of such objects.
    const groups = Array.isArray(e.value) ? e.value : [e.value];
    for (const g of groups) {
      if (!g || typeof g !== "object" || Array.isArray(g)) throw new PolicyParseError("failed to parse policy: path must be an object");
      for (const pe of (g as HclBody).entries) rules.push(rule(pe.key, attrsOf(pe.value, `path ${JSON.stringify(pe.key)}`)));
    }
  }
  return { name, raw, rules };
}

/** Vault's built-in `default` policy, as Vault 1.19 ships it. */
export const DEFAULT_POLICY = `
# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own entity by id or name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}


# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`;

/** The policy of response-wrapping tokens: they can only be unwrapped. */
export const RESPONSE_WRAPPING_POLICY = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

/**
 * vault-dev only: what a seeded role or token gets when the seed names no
 * policies, so that a seed without a `policies:` section works out of the
 * box. Name policies in the seed to get exactly what they grant instead.
 */
export const SEED_POLICY_NAME = "vault-dev-seed";
export const SEED_POLICY = `
# vault-dev's convenience policy for seeds that name no policies: read and
# list everything, and revoke leases. A real Vault has no such policy.
path "*" {
    capabilities = ["read", "list"]
}
path "sys/leases/revoke" {
    capabilities = ["update"]
}
path "sys/revoke/*" {
    capabilities = ["update"]
}
`;

/** Policies that cannot be written or deleted. */
export const IMMUTABLE_POLICIES = new Set(["root", "response-wrapping"]);
