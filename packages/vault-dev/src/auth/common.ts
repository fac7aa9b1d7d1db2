/** What every auth method shares: role token settings and the `auth` block of a login. */
import { bool, durAlias, int, listAlias } from "../params.js";
import { ok, type Reply } from "../reply.js";
import type { EngineRequest, TokenEntry, VaultState } from "../state.js";

/** Vault's tokenutil fields, with the legacy aliases (`ttl`, `max_ttl`, `period`, `policies`). */
export interface TokenParams {
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  policies: string[];
  noDefaultPolicy: boolean;
  numUses: number;
}

export const defaultTokenParams = (): TokenParams => ({
  ttl: 0,
  maxTtl: 0,
  explicitMaxTtl: 0,
  period: 0,
  policies: [],
  noDefaultPolicy: false,
  numUses: 0,
});

/** Merge token fields from a request body (or seed entry) over `prev`. */
export function parseTokenParams(body: Record<string, unknown>, prev: TokenParams = defaultTokenParams()): TokenParams {
  return {
    ttl: durAlias(body, "token_ttl", "ttl") ?? prev.ttl,
    maxTtl: durAlias(body, "token_max_ttl", "max_ttl") ?? prev.maxTtl,
    explicitMaxTtl: durAlias(body, "token_explicit_max_ttl") ?? prev.explicitMaxTtl,
    period: durAlias(body, "token_period", "period") ?? prev.period,
    policies: listAlias(body, "token_policies", "policies") ?? prev.policies,
    noDefaultPolicy: bool(body, "token_no_default_policy") ?? prev.noDefaultPolicy,
    numUses: int(body, "token_num_uses") ?? prev.numUses,
  };
}

export function tokenParamsData(p: TokenParams): Record<string, unknown> {
  return {
    policies: p.policies,
    token_bound_cidrs: [],
    token_explicit_max_ttl: p.explicitMaxTtl,
    token_max_ttl: p.maxTtl,
    token_no_default_policy: p.noDefaultPolicy,
    token_num_uses: p.numUses,
    token_period: p.period,
    token_policies: p.policies,
    token_ttl: p.ttl,
    token_type: "default",
    ttl: p.ttl,
    max_ttl: p.maxTtl,
    period: p.period,
  };
}

/** The `auth` object of a login or renew response. */
export function authBlock(t: TokenEntry, leaseDuration: number): Record<string, unknown> {
  return {
    client_token: t.id,
    accessor: t.accessor,
    policies: t.policies,
    token_policies: t.policies,
    metadata: t.meta,
    lease_duration: leaseDuration,
    renewable: t.renewable,
    entity_id: "",
    token_type: "service",
    orphan: t.orphan,
    mfa_requirement: null,
    num_uses: t.numUses,
  };
}

export function leaseSeconds(state: VaultState, t: TokenEntry): number {
  if (t.expireTime === null) return 0;
  return Math.max(0, Math.round((t.expireTime - state.now()) / 1000));
}

/**
 * Issue an orphan token for a successful login. `current` re-reads the role on
 * renew, so a changed token_ttl applies at the next renewal, as in Vault.
 */
export function loginReply(
  req: EngineRequest,
  params: TokenParams,
  current: () => TokenParams | null,
  meta: Record<string, string>,
  displayName: string,
  data: unknown = null,
): Reply {
  const named = params.policies.filter((p) => p !== "root");
  const policies = [...new Set(params.noDefaultPolicy ? named : ["default", ...named])];
  const { token, warnings } = req.state.createToken({
    policies,
    path: `${req.mount.path}login`,
    displayName,
    meta,
    ttl: params.ttl,
    maxTtl: params.maxTtl,
    explicitMaxTtl: params.explicitMaxTtl,
    period: params.period,
    renewable: true,
    orphan: true,
    namespace: req.ns.name,
    numUses: params.numUses,
    renewParams: () => {
      const p = current();
      return p ? { ttl: p.ttl, maxTtl: p.maxTtl, period: p.period } : null;
    },
  });
  return ok({
    data,
    auth: authBlock(token, leaseSeconds(req.state, token)),
    warnings,
    mount_type: req.mount.type,
  });
}
