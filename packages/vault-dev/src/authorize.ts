/**
 * Every authenticated request passes through here, as in Vault's
 * CheckToken: the token's policies (looked up in the token's namespace) form
 * an ACL, and the request's capability on its full path must be granted.
 */
import { Acl } from "./policy/acl.js";
import type { Capability, Policy } from "./policy/policy.js";
import type { Mount, Namespace, Op, TokenEntry, VaultState } from "./state.js";

const ROOT_POLICY: Policy = { name: "root", raw: "", rules: [] };

export function aclFor(state: VaultState, token: TokenEntry): Acl {
  const home = state.namespaces.get(token.namespace);
  const policies: Policy[] = [];
  for (const name of token.policies) {
    if (name === "root") policies.push(ROOT_POLICY);
    else {
      const p = home?.policies.get(name);
      if (p) policies.push(p);
    }
  }
  return new Acl(policies);
}

/**
 * The ACL path prefix for a request in `ns` made with a token of namespace
 * `tokenNs`, or null when the token cannot be used there (a token works in its
 * own namespace and below).
 */
export function aclPrefix(tokenNs: string, ns: Namespace): string | null {
  if (tokenNs === ns.name) return "";
  if (tokenNs === "") return ns.name + "/";
  if (ns.name.startsWith(tokenNs + "/")) return ns.name.slice(tokenNs.length + 1) + "/";
  return null;
}

/** The capability a request needs: a write is `create` when Vault's existence check says the target is missing. */
export function capabilityFor(op: Op, mount: Mount | undefined, inMount: string): Capability {
  switch (op) {
    case "read":
      return "read";
    case "list":
      return "list";
    case "delete":
      return "delete";
    case "patch":
      return "patch";
    case "write":
      return mount?.engine.exists?.(inMount) === false ? "create" : "update";
  }
}
