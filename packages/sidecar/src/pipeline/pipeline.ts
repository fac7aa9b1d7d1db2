import { codeOf, VaultAuthError } from "../errors.js";
import type { LeaseKeeper } from "../leases/keeper.js";
import { jitter } from "../schedule/clock.js";
import type { FetchContext, Output, Rendered } from "../sources/source.js";
import { retryDelayFor } from "../vault/errors.js";
import type { Run, Runtime } from "./runtime.js";
import type { Sink } from "./sink.js";
import { storeFiles } from "./store.js";

/** Told after a run's outputs were stored: which changed (never their bytes), and whether it was the first store. */
export type ChangeListener = (event: { run: Run; changed: Output[] }) => void;

/**
 * fetch → render → store → notify for one source at a time, and what comes next: a poll, a
 * lease step (LeaseKeeper) or a retry with backoff. A failed refresh leaves stored outputs as
 * they were.
 */
export class Pipeline {
  private readonly listeners: ChangeListener[] = [];
  /** Refreshes under way, and those waiting for one of them to end (see `refresh`). */
  private running = 0;
  private readonly waiting: Array<{ run: Run; opts: RefreshOptions; done: () => void }> = [];

  constructor(
    private readonly rt: Runtime,
    private readonly leases: LeaseKeeper,
    private readonly sink: Sink,
  ) {}

  /** Consumers (e.g. an exec child to restart) hear of every later change; the first store is not news. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  fetchContext(): FetchContext {
    const tokens = this.rt.conn().tokens;
    return {
      client: this.rt.conn().client,
      revokeUnused: (id) => this.leases.revokeNow(id),
      generation: tokens.generation,
      deniedByPolicy: () => tokens.deniedByPolicy(),
    };
  }

  /** Refreshes the run now (on its timer, so a reload or stop cancels it). */
  refreshSoon(run: Run, forceFetch = false): void {
    this.rt.timers.schedule(`source:${run.source.id}`, 0, () => this.refresh(run, { forceFetch }));
  }

  /**
   * One refresh of one source; always ends by scheduling the next. Resolves once it has run.
   * At most twice vault.maxConcurrency refreshes run at once (Vault's requests and the disk's
   * writes both kept busy); the others wait here as a run and a callback. Started all at once, the
   * first render of 1,000 secrets kept 1,000 suspended chains of async calls waiting for the
   * client's request slots: ~3 MB, promoted to the old generation and garbage after the render,
   * which the process kept as RSS until V8's memory reducer ran seconds later (issue 16).
   */
  refresh(run: Run, opts: RefreshOptions = {}): Promise<void> {
    if (this.running >= 2 * this.rt.config().vault.maxConcurrency) return new Promise((done) => this.waiting.push({ run, opts, done }));
    return this.refreshNow(run, opts);
  }

  private async refreshNow(run: Run, opts: RefreshOptions): Promise<void> {
    this.running++;
    try {
      await this.doRefresh(run, opts);
    } finally {
      this.running--;
      const next = this.waiting.shift();
      if (next) void this.refreshNow(next.run, next.opts).then(next.done, next.done);
    }
  }

  private async doRefresh(run: Run, opts: RefreshOptions): Promise<void> {
    const { rt } = this;
    if (!rt.isCurrent(run)) return;
    const conn = rt.conn();
    const s = run.source;
    try {
      if (conn.tokens.isLost) await conn.tokens.login();
      const ctx = this.fetchContext();
      if (!opts.forceFetch && s.outputs.every((o) => o.written) && s.unchanged && (await s.unchanged(ctx)) && (await this.allPresent(run))) {
        this.succeeded(run);
        return;
      }
      const result = await s.fetch(ctx);
      if (!rt.isCurrent(run)) {
        if (result.expiry?.leaseId) this.leases.revokeNow(result.expiry.leaseId);
        return;
      }
      // New credentials are adopted even if a store fails below: some outputs may already use them.
      this.adopt(run, result, conn.tokens.generation);
      let firstError: unknown;
      const changed: Output[] = [];
      for (const { output, changed: didChange, error } of await storeFiles(this.sink, result.files)) {
        try {
          if (error !== undefined) throw error;
          const first = !output.written;
          output.written = true;
          if (didChange) {
            rt.metrics.renders.inc({ file: output.cfg.file });
            rt.metrics.lastChange.set({ file: output.cfg.file }, rt.clock.now() / 1000);
            rt.log.info({ path: s.label, file: output.cfg.file, kind: result.kind, version: result.version }, "rendered");
            // The first render happens before the app reads its files; only later changes are news.
            if (!first) {
              output.notifier?.trigger(output.cfg.file);
              changed.push(output);
            }
          } else {
            rt.log.debug({ path: s.label, file: output.cfg.file }, "unchanged");
          }
        } catch (err) {
          firstError ??= err;
        }
      }
      if (changed.length > 0) for (const l of this.listeners) l({ run, changed });
      if (firstError !== undefined) throw firstError;
      this.succeeded(run);
    } catch (err) {
      this.failed(run, err);
    }
  }

  /** The run takes the result's state, lease and metrics (its outputs are stored separately). */
  private adopt(run: Run, result: Rendered, generation: number): void {
    const { rt } = this;
    const s = run.source;
    s.adopted?.(result);
    if (result.version !== undefined) for (const o of s.outputs) rt.metrics.secretVersion.set({ file: o.cfg.file, path: s.label }, result.version);
    this.leases.adopt(run, result.expiry, generation);
    if (result.certificate) {
      for (const o of s.outputs) rt.metrics.certificateNotAfter.set({ file: o.cfg.file, path: s.label }, result.certificate.notAfter / 1000);
    }
  }

  /**
   * A result fetched and stored outside this loop (stowaway exec's first render, as --once does
   * it): adopted as if `refresh` had stored it, then the run is kept current from there.
   */
  adoptStored(run: Run, result: Rendered): void {
    this.adopt(run, result, this.rt.conn().tokens.generation);
    for (const { output } of result.files) {
      output.written = true;
      this.rt.metrics.renders.inc({ file: output.cfg.file });
      this.rt.metrics.lastChange.set({ file: output.cfg.file }, this.rt.clock.now() / 1000);
    }
    this.succeeded(run);
  }

  private async allPresent(run: Run): Promise<boolean> {
    for (const o of run.source.outputs) if (!(await this.sink.present(o))) return false;
    return true;
  }

  private succeeded(run: Run): void {
    const { rt } = this;
    if (run.failingSince !== undefined) rt.log.info({ path: run.source.label, file: files(run) }, "secret recovered");
    run.failingSince = undefined;
    run.attempt = 0;
    for (const o of run.source.outputs) rt.metrics.lastSuccess.set({ file: o.cfg.file, path: run.source.label }, rt.clock.now() / 1000);
    this.scheduleNext(run);
  }

  private failed(run: Run, err: unknown): void {
    const { rt } = this;
    const code = codeOf(err);
    run.failingSince ??= rt.clock.now();
    for (const o of run.source.outputs) rt.metrics.renderFailures.inc({ file: o.cfg.file, code });
    run.lastError = code;
    const retry = rt.config().vault.retry;
    // Never wait longer than the refresh interval between attempts, except when Vault says so (429).
    const delay = retryDelayFor(err, run.attempt++, { initialMs: retry.initial, maxMs: Math.min(retry.max, run.source.refreshMs) }, rt.clock.random);
    // A certificate serves on until its notAfter: say how long is left.
    const left = run.lease ? Math.round((run.lease.expiresAt - rt.clock.now()) / 1000) : undefined;
    const validFor = left === undefined ? {} : { validForSec: Math.max(0, left) };
    const msg =
      left === undefined
        ? "secret refresh failed; files left as they were"
        : left > 0
          ? `refresh failed; the current files stay valid for ${left}s`
          : "refresh failed; the current files have expired";
    rt.log.error({ path: run.source.label, file: files(run), err, retryInMs: delay, ...validFor }, msg);
    // A 403 on a path that rendered before is the token, not the policy: deniedByPolicy then logs in again.
    const workedBefore = run.source.outputs.some((o) => o.written);
    if (err instanceof VaultAuthError)
      rt.conn()
        .tokens.deniedByPolicy({ workedBefore })
        .catch((e) => rt.log.error({ err: e }, "token check failed"));
    if (rt.isCurrent(run)) rt.timers.schedule(`source:${run.source.id}`, delay, () => this.refresh(run, { forceFetch: true }));
  }

  /** The next step after a success: the lease's, or a poll. */
  scheduleNext(run: Run): void {
    // A run replaced by a reload while its refresh was in flight must not touch the timer: it
    // shares the source's key and would cancel the new run's refresh (which then never ran again).
    if (!this.rt.isCurrent(run)) return;
    if (this.leases.schedule(run)) return;
    const { clock, timers } = this.rt;
    // The first poll lands anywhere in the interval: sources rendered together (and sidecars
    // started together) would otherwise poll Vault in lockstep, ±10% jitter only blurring the edge.
    const ms = run.source.refreshMs;
    const delay = run.phased ? jitter(ms, 0.1, clock.random) : clock.random() * ms;
    run.phased = true;
    timers.schedule(`source:${run.source.id}`, delay, () => this.refresh(run));
  }
}

interface RefreshOptions {
  /** Fetch even when the source says it is unchanged (after a failure, a lease step, a reload). */
  forceFetch?: boolean;
}

const files = (run: Run) => run.source.outputs.map((o) => o.cfg.file).join(",");
