/**
 * `sys/policies/acl/<name>` and the older `sys/policy/<name>`.
 * Reference: https://developer.hashicorp.com/vault/api-docs/system/policies
 * Reference: https://developer.hashicorp.com/vault/api-docs/system/policy
 */
import { str } from "../params.js";
import { badRequest, noContent, notFound, ok, unsupportedOperation, type Reply } from "../reply.js";
import type { EngineRequest } from "../state.js";
import { IMMUTABLE_POLICIES, PolicyParseError } from "./policy.js";

/** Vault accepts the policy text base64-encoded too. */
function decodePolicy(text: string): string {
  const t = text.trim();
  if (t !== "" && /^[A-Za-z0-9+/]+=*$/.test(t) && t.length % 4 === 0) {
    const decoded = Buffer.from(t, "base64").toString("utf8");
    if (/path\s|^\s*\{/.test(decoded)) return decoded;
  }
  return text;
}

/**
 * @param legacy  true for `sys/policy/…`, whose read answers `rules` and whose
 *                list answers `policies` as well as `keys`
 */
export function policyEndpoint(req: EngineRequest, rawName: string, legacy: boolean): Reply {
  const ns = req.ns;
  const name = rawName.trim().toLowerCase();
  if (name === "" || req.op === "list") {
    if (req.op !== "list" && !(legacy && req.op === "read")) return unsupportedOperation();
    const keys = [...ns.policies.keys()].filter((k) => k !== "response-wrapping").sort();
    if (!keys.includes("root")) keys.push("root");
    keys.sort();
    return ok({ data: legacy ? { keys, policies: keys } : { keys }, mount_type: "system" });
  }
  switch (req.op) {
    case "read": {
      if (name === "root") return ok({ data: legacy ? { name, rules: "" } : { name, policy: "" }, mount_type: "system" });
      const p = ns.policies.get(name);
      if (!p || name === "response-wrapping") return notFound();
      return ok({ data: legacy ? { name, rules: p.raw } : { name, policy: p.raw }, mount_type: "system" });
    }
    case "write": {
      if (IMMUTABLE_POLICIES.has(name)) return badRequest(`cannot update ${JSON.stringify(name)} policy`);
      const text = str(req.body, "policy") ?? (legacy ? str(req.body, "rules") : undefined);
      if (text === undefined) return badRequest("'policy' parameter not supplied or empty");
      try {
        ns.setPolicy(name, decodePolicy(text));
      } catch (e) {
        if (e instanceof PolicyParseError) return badRequest(e.message);
        throw e;
      }
      return noContent();
    }
    case "delete":
      if (name === "default") return badRequest("cannot delete default policy");
      if (IMMUTABLE_POLICIES.has(name)) return badRequest(`cannot delete ${JSON.stringify(name)} policy`);
      ns.policies.delete(name);
      return noContent();
    default:
      return unsupportedOperation();
  }
}
