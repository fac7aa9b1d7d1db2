import type { Logger } from "../log.js";
import type { SidecarMetrics } from "../server/metrics.js";
import { backoffDelay, jitter, sleep, type Clock } from "../schedule/clock.js";
import { Timers } from "../schedule/timers.js";
import { floorDelay } from "../schedule/floor.js";
import { SidecarError, VaultAuthError, VaultError } from "../errors.js";
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

/** What a token's policy was found to deny; learnt with a live token, kept across re-logins (same policy). */
export type PolicyDenial = "lookup-self" | "renew-self" | "lease-lookup" | "lease-renew";

/**
 * Keeps a valid token: logs in with backoff, renews at ~2/3 of the TTL, and logs in again
 * when renewal is capped by the max TTL or the token stops working. Never gives up while
 * running. Works under a policy without `default` (no lookup-self, renew-self or lease
 * endpoints): what the policy denies is learnt once, with a token known to be alive, and
 * a 403 then means "the policy says no", not "the token is dead".
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
  /** Known policy denials; see PolicyDenial. */
  readonly denied = new Set<PolicyDenial>();
  /** True once lookup-self has answered 200 with some token of this connection. */
  private lookupSelfWorked = false;
  /** Why logins are failing (the last error's message), for /readyz; undefined when logged in. */
  private loginFailure: { since: number; message: string } | undefined;
  /** Token method: a token that stopped working; the same token read again is not taken as valid. */
  private deadToken: string | undefined;

  constructor(
    private readonly client: VaultClient,
    private readonly auth: Authenticator,
    private readonly opts: TokenManagerOptions,
  ) {
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
        if (res.lookupSelfDenied) {
          if (res.token === this.deadToken) {
            throw new SidecarError(
              "TOKEN_STOPPED_WORKING",
              "the token stopped working and lookup-self is denied, so it cannot be checked: waiting for a new token (tokenFile or VAULT_TOKEN)",
              true,
            );
          }
          if (!this.denied.has("lookup-self")) {
            log.warn(
              { method: this.auth.method },
              "lookup-self is denied by the token's policy: the token is taken as valid with an unknown TTL and is not checked again; reads show whether it works",
            );
          }
          this.denied.add("lookup-self");
        }
        const relogin = this.loggedIn;
        this.loggedIn = true;
        this.lost = false;
        this.loginFailure = undefined;
        this.logins++;
        this.loginTtl = res.ttl;
        this.expiresAt = res.ttl > 0 ? clock.now() + res.ttl * 1000 : 0;
        metrics.logins.inc({ outcome: "ok" });
        if (relogin) metrics.relogins.inc();
        metrics.tokenTtl.set(res.ttl);
        log.info({ method: this.auth.method, ttl: res.ttl, renewable: res.renewable, relogin }, relogin ? "logged in again" : "logged in");
        // A fresh token is alive: the one moment a 403 from lookup-self can only mean the policy.
        if (!this.lookupSelfWorked && !this.denied.has("lookup-self") && this.auth.method !== "token") await this.probeLookupSelf();
        else if (this.auth.method === "token" && !res.lookupSelfDenied) this.lookupSelfWorked = true;
        this.scheduleNext(res.ttl, res.renewable);
        if (relogin) this.opts.onRelogin?.();
        return;
      } catch (err) {
        metrics.logins.inc({ outcome: "error" });
        const e = err instanceof SidecarError ? err : new SidecarError("LOGIN_FAILED", "login failed", true);
        const delay = retryDelayFor(e, attempt, retry, clock.random);
        this.loginFailure = { since: this.loginFailure?.since ?? clock.now(), message: e.message };
        // Vault answers 400/403 both for bad credentials and for a backend blip (Kubernetes
        // TokenReview, a JWKS fetch): retry every Vault answer, saying why each time. Only our own
        // problems (a missing credential file) end a failFast login at once.
        const ours = !(e instanceof VaultError) && !e.retryable;
        if (opts.failFast && ours) throw e;
        if (opts.deadline !== undefined && clock.now() + delay > opts.deadline) throw e;
        log.warn({ err: e, method: this.auth.method, attempt: attempt + 1, retryInMs: delay }, "login failed; retrying");
        await sleep(clock, delay, this.abort.signal);
      }
    }
  }

  /** Why the token is lost (for /readyz), or undefined when it is not. */
  get lostReason(): string | undefined {
    if (!this.lost) return undefined;
    const f = this.loginFailure;
    if (!f) return "vault token lost";
    return `vault login failing for ${Math.round((this.opts.clock.now() - f.since) / 1000)}s: ${f.message}`;
  }

  private async probeLookupSelf(): Promise<void> {
    try {
      await this.client.lookupSelf();
      this.lookupSelfWorked = true;
    } catch (err) {
      if (err instanceof VaultAuthError) {
        this.denied.add("lookup-self");
        this.opts.log.warn({ method: this.auth.method }, "lookup-self is denied by the token's policy (no default policy?): 403s are judged without it");
      }
      // Anything else (a blip): ask again after the next login.
    }
  }

  /**
   * After a 403: was it the policy's answer (true; the token is known to be alive), or is the
   * token gone (false; a new login has been started, or the token method marked lost)?
   * `workedBefore`: the refused request has succeeded with this connection before, so a
   * 403 now is the token, not the policy.
   */
  async deniedByPolicy(opts: { workedBefore?: boolean } = {}): Promise<boolean> {
    if (this.lost) return false;
    if (!this.denied.has("lookup-self")) {
      try {
        await this.client.lookupSelf();
        this.lookupSelfWorked = true;
        return true;
      } catch (err) {
        if (err instanceof VaultAuthError) {
          await this.tokenStopped("token rejected by lookup-self");
          return false;
        }
        if (err instanceof VaultError) return true;
        // Not a Vault answer (e.g. a client without lookup-self): assume the token is gone.
        await this.tokenStopped("token could not be checked");
        return false;
      }
    }
    // lookup-self is denied by policy: judge by what is known.
    if (this.expiresAt > 0 && this.opts.clock.now() >= this.expiresAt) {
      await this.tokenStopped("token expired");
      return false;
    }
    if (opts.workedBefore) {
      await this.tokenStopped("a request that worked with this token is now denied");
      return false;
    }
    return true;
  }

  /** The token stopped working: log in again, or (token method) report not-ready until a new token comes. */
  private async tokenStopped(reason: string): Promise<void> {
    if (this.auth.method === "token" && this.denied.has("lookup-self")) {
      this.deadToken = this.client.token;
      this.opts.log.error({ reason }, "the token stopped working; not ready until a new token is given (tokenFile or VAULT_TOKEN)");
    }
    await this.relogin(reason);
  }

  private scheduleNext(ttl: number, renewable: boolean): void {
    if (ttl <= 0) return; // e.g. a root token: it does not expire.
    if (this.denied.has("renew-self")) {
      this.scheduleExpiry(ttl);
      return;
    }
    const at = floorDelay(jitter((ttl * 1000 * 2) / 3, 0.1, this.opts.clock.random), this.opts.clock.random);
    if (renewable && ttl >= this.loginTtl * 0.9) this.timers.schedule("renew", at, () => this.renew());
    else this.timers.schedule("renew", at, () => this.relogin("max TTL reached or token not renewable"));
  }

  /**
   * renew-self is denied: the token lives out its TTL. Log in again just before it stops
   * working (a short margin, so that leases are replaced before they die with it); the token
   * method cannot, and reports not-ready once it has expired.
   */
  private scheduleExpiry(ttl: number): void {
    const ms = ttl * 1000;
    const margin = Math.min(ms * 0.1, 30_000);
    this.timers.schedule("renew", ms - margin, () => this.tokenStopped("token at the end of its TTL (renew-self is denied)"));
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
      if (err instanceof VaultAuthError) {
        // Refused: the token is gone, or the policy denies renew-self (no default policy).
        if (!(await this.deniedByPolicy())) return;
        this.denied.add("renew-self");
        log.warn({}, "renew-self is denied by the token's policy: the token is not renewed, and a new login happens only when it stops working");
        this.scheduleExpiry(Math.max(0, (this.expiresAt - clock.now()) / 1000));
        return;
      }
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

  /** After a 403 on a read: is it the token (gone: log in again) or the policy (token fine)? */
  async checkAfterDenied(opts: { workedBefore?: boolean } = {}): Promise<void> {
    await this.deniedByPolicy(opts);
  }

  stop(): void {
    this.abort.abort();
    this.timers.stop();
  }
}
