import { VaultAuthError, VaultNotFoundError, VaultRequestError } from "../errors.js";
import { jitter } from "../schedule/clock.js";
import { floorDelay } from "../schedule/floor.js";
import type { Expiry } from "../sources/source.js";
import type { Run, Runtime } from "../pipeline/runtime.js";

/** What a run holds while its result can expire. */
export interface Lease {
  /** Vault lease id; absent for results that expire without one (a certificate's notAfter). */
  id?: string;
  /** Seconds granted at fetch; renewals asking for this much and getting less are capped. */
  duration: number;
  renewable: boolean;
  expiresAt: number;
  /** TokenManager.generation of the token that created it. */
  generation: number;
  /** Fetch again at this time (ms) rather than at RENEW_AT of the time left. */
  renewAt?: number;
  /** Revoked by a write once replaced (a certificate's serial). */
  revoke?: Expiry["revoke"];
}

/** Share of the time left at which a lease is renewed or replaced (as Vault Agent and consul-template do). */
export const RENEW_AT = 2 / 3;
/** A renewal granting less than this share of the original duration means the max TTL is near. */
export const CAPPED_BELOW = 0.9;

/**
 * Keeps expiring results alive: renews a lease at ~2/3 of its TTL, replaces it (fetches the
 * source again) when a renewal comes back capped by the max TTL or fails, looks it up every
 * refreshInterval to notice out-of-band revocation, and revokes replaced leases after
 * `defaults.revokeOld`. Compare consul-template's dependency/vault_common.go.
 */
export class LeaseKeeper {
  /** Leases this process created and has not revoked: revoked on exit when configured. */
  private readonly created = new Set<string>();

  constructor(
    private readonly rt: Runtime,
    /** Fetches the source again (new credentials), then schedules it. */
    private readonly refetch: (run: Run) => Promise<void>,
  ) {}

  /** Takes the lease of a new result (or none), and retires the run's previous one. */
  adopt(run: Run, expiry: Expiry | undefined, generation: number): void {
    const old = run.lease;
    if (expiry) {
      run.lease = {
        id: expiry.leaseId,
        duration: expiry.durationSec,
        renewable: expiry.renewable,
        expiresAt: this.rt.clock.now() + expiry.durationSec * 1000,
        generation,
        renewAt: expiry.renewAt,
        revoke: expiry.revoke,
      };
      if (expiry.leaseId) this.created.add(expiry.leaseId);
      for (const o of run.source.outputs) this.rt.metrics.leaseExpiry.set({ file: o.cfg.file }, run.lease.expiresAt / 1000);
    } else {
      run.lease = undefined;
    }
    const revokeOld = this.rt.config().defaults.revokeOld;
    if (old?.id && old.id !== run.lease?.id && revokeOld !== false) this.scheduleRevoke(old.id, revokeOld, old.generation);
    if (old?.revoke && old.revoke.label !== run.lease?.revoke?.label) this.scheduleWriteRevoke(old.revoke);
  }

  /** Revokes a replaced result that has no lease (pki/revoke) after its grace period. */
  private scheduleWriteRevoke(r: NonNullable<Expiry["revoke"]>): void {
    const { rt } = this;
    rt.timers.schedule(`revoke:${r.label}`, r.afterMs, async () => {
      try {
        await rt.conn().client.write(r.path, r.body, "revoke");
        rt.log.info({ path: r.path, serial: r.label }, "previous certificate revoked");
      } catch (err) {
        rt.log.warn({ path: r.path, serial: r.label, err }, "previous certificate revoke failed");
      }
    });
  }

  /** Schedules the run's next lease step; false when it holds no lease (the pipeline polls it). */
  schedule(run: Run): boolean {
    const lease = run.lease;
    if (!lease || lease.duration <= 0) return false;
    const { clock, timers } = this.rt;
    const key = `source:${run.source.id}`;
    const due = lease.renewAt !== undefined ? Math.max(0, lease.renewAt - clock.now()) : jitter((lease.expiresAt - clock.now()) * RENEW_AT, 0.1, clock.random);
    // Floored: a server granting 1 ms TTLs must not turn this timer into a request loop.
    const at = floorDelay(due, clock.random);
    const check = floorDelay(jitter(run.source.refreshMs, 0.1, clock.random), clock.random);
    const denied = this.rt.conn().tokens.denied;
    // A lease revoked out of band is noticed within refreshInterval, not at its renewal.
    if (lease.id && run.leaseLookup !== false && !denied.has("lease-lookup") && check < at) timers.schedule(key, check, () => this.check(run));
    else if (lease.id && lease.renewable && !denied.has("lease-renew")) timers.schedule(key, at, () => this.renew(run));
    else timers.schedule(key, at, () => this.refetch(run));
    return true;
  }

  /** sys/leases/lookup: is the lease still alive? Revoked or expired → fresh credentials now. */
  private async check(run: Run): Promise<void> {
    const lease = run.lease;
    const { rt } = this;
    if (!lease?.id || !rt.isCurrent(run)) return;
    const where = { path: run.source.label, file: files(run) };
    const conn = rt.conn();
    try {
      await conn.client.lookupLease(lease.id);
    } catch (err) {
      if (err instanceof VaultRequestError && err.status === 400) {
        rt.log.warn({ ...where, lease: leaseName(lease.id) }, "lease revoked or expired; fetching new credentials");
        await this.refetch(run);
        return;
      }
      if (err instanceof VaultNotFoundError || (err instanceof VaultRequestError && err.status === 405)) {
        // A server or proxy without the endpoint: stop asking.
        run.leaseLookup = false;
        rt.log.info(where, "sys/leases/lookup unavailable; the lease is checked at renewal only");
      } else if (err instanceof VaultAuthError) {
        // The token may be gone (then a new login re-fetches every lease), or the policy denies
        // lookups: then no lease is looked up again on this connection, whatever token it holds.
        const generation = conn.tokens.generation;
        const policy = await conn.tokens.deniedByPolicy().catch(() => false);
        if (!rt.isCurrent(run) || run.lease !== lease || conn.tokens.generation !== generation) return;
        if (policy && !conn.tokens.denied.has("lease-lookup")) {
          conn.tokens.denied.add("lease-lookup");
          rt.log.info(where, "sys/leases/lookup denied by policy; leases are checked at renewal only");
        }
      } else {
        rt.log.debug({ ...where, err }, "lease lookup failed");
      }
    }
    if (rt.isCurrent(run) && run.lease === lease) this.schedule(run);
  }

  private async renew(run: Run): Promise<void> {
    const lease = run.lease;
    const { rt } = this;
    if (!lease?.id || !rt.isCurrent(run)) return;
    const where = { path: run.source.label, file: files(run) };
    try {
      const res = await rt.conn().client.renewLease(lease.id, lease.duration);
      rt.metrics.leaseRenewals.inc({ outcome: "ok" });
      lease.expiresAt = rt.clock.now() + res.ttl * 1000;
      for (const o of run.source.outputs) rt.metrics.leaseExpiry.set({ file: o.cfg.file }, lease.expiresAt / 1000);
      if (!res.renewable || res.ttl < lease.duration * CAPPED_BELOW) {
        rt.log.info({ ...where, ttl: res.ttl }, "lease near its max TTL; fetching new credentials");
        await this.refetch(run);
        return;
      }
      rt.log.info({ ...where, ttl: res.ttl }, "lease renewed");
      this.schedule(run);
    } catch (err) {
      rt.metrics.leaseRenewals.inc({ outcome: "error" });
      if (err instanceof VaultAuthError) {
        const tokens = rt.conn().tokens;
        const generation = tokens.generation;
        if (!(await tokens.deniedByPolicy().catch(() => false)) || tokens.generation !== generation) return; // a new login re-fetches every lease
        if (!tokens.denied.has("lease-renew")) {
          tokens.denied.add("lease-renew");
          rt.log.warn(where, "sys/leases/renew denied by policy; leases are replaced at 2/3 of their TTL instead of renewed");
        }
      }
      rt.log.warn({ ...where, err }, "lease renewal failed; fetching new credentials");
      await this.refetch(run);
    }
  }

  /** Best effort, outside the timers (which may be stopped): for leases nobody will use. */
  revokeNow(leaseId: string): void {
    const { log } = this.rt;
    this.rt
      .conn()
      .client.revokeLease(leaseId)
      .then(() => log.info({ lease: leaseName(leaseId) }, "unused lease revoked"))
      .catch((err) => log.warn({ lease: leaseName(leaseId), err }, "unused lease revoke failed"));
  }

  scheduleRevoke(leaseId: string, afterMs: number, generation: number): void {
    const { rt } = this;
    rt.timers.schedule(`revoke:${leaseId}`, afterMs, async () => {
      const conn = rt.conn();
      try {
        await conn.client.revokeLease(leaseId);
        this.created.delete(leaseId);
        rt.log.info({ lease: leaseName(leaseId) }, "old lease revoked");
      } catch (err) {
        // No ownership rule applies (Vault's policy on sys/leases/revoke decides); a lease that
        // is not revoked ends at its TTL, or with the token that created it.
        if (err instanceof VaultAuthError) this.created.delete(leaseId);
        rt.log.warn({ lease: leaseName(leaseId), err, generation }, "old lease revoke failed; it ends at its TTL");
      }
    });
  }

  /** After a reload: leases of runs that are gone are revoked after the grace period. */
  retire(gone: Iterable<Run>, kept: Iterable<Run>): void {
    const revokeOld = this.rt.config().defaults.revokeOld;
    if (revokeOld === false) return;
    const keep = new Set([...kept].map((r) => r.lease?.id));
    for (const r of gone) if (r.lease?.id && !keep.has(r.lease.id)) this.scheduleRevoke(r.lease.id, revokeOld, r.lease.generation);
  }

  /** Leases belong to the token that created them: after a new login, fetch fresh ones now. */
  onRelogin(runs: Iterable<Run>): void {
    for (const run of runs) if (run.lease?.id) this.rt.timers.schedule(`source:${run.source.id}`, 0, () => this.refetch(run));
  }

  /** Revokes every lease this process still holds (revokeOnExit). */
  revokeAll(): Promise<unknown>[] {
    const { rt } = this;
    const client = rt.conn().client;
    return [...this.created].map((id) => client.revokeLease(id).then(() => rt.log.info({ lease: leaseName(id) }, "lease revoked on exit")));
  }
}

const files = (run: Run) => run.source.outputs.map((o) => o.cfg.file).join(",");

/** The lease path without its unique suffix: enough to identify, nothing to reuse. */
export function leaseName(id: string): string {
  const i = id.lastIndexOf("/");
  return i > 0 ? `${id.slice(0, i)}/…${id.slice(-4)}` : "…";
}
