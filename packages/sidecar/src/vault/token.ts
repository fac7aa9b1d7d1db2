import type { Logger } from "../log.js";
import type { SidecarMetrics } from "../server/metrics.js";
import { backoffDelay, jitter, sleep, type Clock } from "../schedule/clock.js";
import { Timers } from "../schedule/timers.js";
import { floorDelay } from "../schedule/floor.js";
import { SidecarError, VaultAuthError } from "../errors.js";
import type { Authenticator } from "./auth.js";
import type { VaultClient } from "./client.js";
import { retryDelayFor } from "./errors.js";

export interface TokenManagerOptions {
  clock: Clock;
  log: Logger;
  metrics: SidecarMetrics;
  retry: { initialMs: number; maxMs: number };
  /** Called after every re-login (not the first), e.g. to re-fetch leases tied to the old token. */
  onRelogin?: () => void;
}

/**
 * Keeps a valid token: logs in with backoff, renews at ~2/3 of the TTL, and logs in again
 * when renewal is capped by the max TTL or refused. Never gives up while running.
 */
export class TokenManager {
  private readonly timers: Timers;
  private readonly abort = new AbortController();
  private loggedIn = false;
  private lost = true;
  private loginInFlight: Promise<void> | undefined;
  /** TTL granted at login; a renewal returning less means the max TTL is near. */
  private loginTtl = 0;
  private expiresAt = 0;
  private logins = 0;

  constructor(private readonly client: VaultClient, private readonly auth: Authenticator, private readonly opts: TokenManagerOptions) {
    this.timers = new Timers(opts.clock, (key, err) => opts.log.error({ err, timer: key }, "token timer failed"));
  }

  /** Increments at each successful login: leases remember which token made them. */
  get generation(): number {
    return this.logins;
  }

  get isLost(): boolean {
    return this.lost;
  }

  /**
   * Logs in, retrying with backoff. With `failFast`, a non-retryable error (bad credentials)
   * is thrown at once; otherwise it keeps trying until `stop()` or the deadline.
   */
  async login(opts: { failFast?: boolean; deadline?: number } = {}): Promise<void> {
    this.loginInFlight ??= this.loginLoop(opts).finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async loginLoop(opts: { failFast?: boolean; deadline?: number }): Promise<void> {
    const { clock, log, metrics, retry } = this.opts;
    this.timers.cancel("renew");
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        const res = await this.auth.login(this.client);
        const relogin = this.loggedIn;
        this.loggedIn = true;
        this.lost = false;
        this.logins++;
        this.loginTtl = res.ttl;
        this.expiresAt = res.ttl > 0 ? clock.now() + res.ttl * 1000 : 0;
        metrics.logins.inc({ outcome: "ok" });
        if (relogin) metrics.relogins.inc();
        metrics.tokenTtl.set(res.ttl);
        log.info({ method: this.auth.method, ttl: res.ttl, renewable: res.renewable, relogin }, relogin ? "logged in again" : "logged in");
        this.scheduleNext(res.ttl, res.renewable);
        if (relogin) this.opts.onRelogin?.();
        return;
      } catch (err) {
        metrics.logins.inc({ outcome: "error" });
        const e = err instanceof SidecarError ? err : new SidecarError("LOGIN_FAILED", "login failed", true);
        const delay = retryDelayFor(e, attempt, retry, clock.random);
        if (opts.failFast && !e.retryable) throw e;
        if (opts.deadline !== undefined && clock.now() + delay > opts.deadline) throw e;
        log.warn({ err: e, method: this.auth.method, attempt: attempt + 1, retryInMs: delay }, "login failed; retrying");
        await sleep(clock, delay, this.abort.signal);
      }
    }
  }

  private scheduleNext(ttl: number, renewable: boolean): void {
    if (ttl <= 0) return; // e.g. a root token: it does not expire.
    const at = floorDelay(jitter((ttl * 1000 * 2) / 3, 0.1, this.opts.clock.random), this.opts.clock.random);
    if (renewable && ttl >= this.loginTtl * 0.9) this.timers.schedule("renew", at, () => this.renew());
    else this.timers.schedule("renew", at, () => this.relogin("max TTL reached or token not renewable"));
  }

  private async renew(): Promise<void> {
    const { log, metrics, clock } = this.opts;
    try {
      const res = await this.client.renewSelf(this.loginTtl);
      metrics.tokenRenewals.inc({ outcome: "ok" });
      metrics.tokenTtl.set(res.ttl);
      this.expiresAt = clock.now() + res.ttl * 1000;
      log.info({ ttl: res.ttl }, "token renewed");
      this.scheduleNext(res.ttl, res.renewable);
    } catch (err) {
      metrics.tokenRenewals.inc({ outcome: "error" });
      const retryable = err instanceof SidecarError && err.retryable;
      const left = this.expiresAt - clock.now();
      if (retryable && left > 3 * this.opts.retry.initialMs) {
        log.warn({ err, expiresInMs: left }, "token renewal failed; retrying");
        this.timers.schedule("renew", floorDelay(Math.min(left / 3, backoffDelay(1, this.opts.retry, clock.random)), clock.random), () => this.renew());
      } else {
        await this.relogin("token renewal refused");
      }
    }
  }

  /** Logs in again now, e.g. when a request was refused with 403 and the token looks gone. */
  async relogin(reason: string): Promise<void> {
    this.opts.log.warn({ reason }, "logging in again");
    this.lost = true;
    this.opts.metrics.tokenTtl.set(0);
    await this.login();
  }

  /** After a 403 on a read: is it the token (gone) or the policy (token fine)? */
  async checkAfterDenied(): Promise<void> {
    try {
      await this.client.lookupSelf();
    } catch (err) {
      if (err instanceof VaultAuthError) await this.relogin("token rejected by lookup-self");
    }
  }

  stop(): void {
    this.abort.abort();
    this.timers.stop();
  }
}
