import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { lstat } from "node:fs/promises";
import path from "node:path";
import type { SecretConfig, SidecarConfig, NotifyConfig } from "./config/schema.js";
import { parseConfigText, parseListen, type Env } from "./config/load.js";
import { ConfigError, RenderError, SidecarError, VaultAuthError, VaultNotFoundError, VaultRequestError } from "./errors.js";
import type { Logger } from "./log.js";
import { Notifier } from "./notify/index.js";
import { renderSecret } from "./render/index.js";
import { jitter, systemClock, type Clock } from "./schedule/clock.js";
import { Timers } from "./schedule/timers.js";
import { startStatusServer, type StatusServer } from "./server/index.js";
import { SidecarMetrics } from "./server/metrics.js";
import { createAuthenticator } from "./vault/auth.js";
import { VaultClient } from "./vault/client.js";
import { retryDelayFor } from "./vault/errors.js";
import { classifyResponse, kv2MetadataPath, type Fetched } from "./vault/secrets.js";
import { TokenManager } from "./vault/token.js";
import { prepareOutputDir, removeFiles, writeAtomic } from "./write/index.js";

export interface SidecarDeps {
  log: Logger;
  env: Env;
  clock?: Clock;
  /** Path of the config file, for reloads. */
  configFile?: string;
  /** The config file's text as parsed at start; reloads compare against it. */
  configText?: string;
}

interface Lease {
  id: string;
  /** Seconds granted at fetch; renewals asking for this much and getting less are capped. */
  duration: number;
  renewable: boolean;
  expiresAt: number;
  /** TokenManager.generation of the token that created it. */
  generation: number;
}

/** One file rendered from a source. */
interface Output {
  cfg: SecretConfig;
  /** Identity across reloads: same file, format, key, template, mode and owner. */
  id: string;
  label: string;
  notifier?: Notifier;
  /** Written (or found up to date) at least once by this process. */
  written: boolean;
}

/**
 * One Vault path and every file rendered from it. Files of one path share one read, so
 * files from a dynamic secret always hold the same credentials (one lease).
 */
interface Source {
  id: string;
  path: string;
  outputs: Output[];
  kind?: Fetched["kind"];
  version?: number;
  /** KV v2 metadata path, or null when metadata cannot be read (policy) and data is re-read instead. */
  metadataPath?: string | null;
  lease?: Lease;
  attempt: number;
  failingSince?: number;
  /** Code of the last failure, for /readyz. */
  lastError?: string;
  /** False once Vault refused sys/leases/lookup (policy): the lease is then only checked at renewal. */
  leaseLookup?: boolean;
  /** The shortest refreshInterval among its files. */
  refreshMs: number;
  /** True once its re-reads have been given a random phase within the interval. */
  phased?: boolean;
}

interface Rendered {
  fetched: Fetched;
  files: Array<{ output: Output; bytes: Buffer }>;
}

/** A Vault connection: client plus token lifecycle, swapped whole on a vault config change. */
interface Connection {
  client: VaultClient;
  tokens: TokenManager;
  key: string;
}

const hash = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

/**
 * Wires config → fetch → render → write → notify for every secret, and keeps it current.
 * Reload validates and builds the new state before it replaces the old.
 */
export class Sidecar {
  readonly metrics = new SidecarMetrics();
  private readonly clock: Clock;
  private readonly log: Logger;
  private conn!: Connection;
  private sources = new Map<string, Source>();
  private readonly timers: Timers;
  private server: StatusServer | undefined;
  private dirMode = 0o700;
  private stopped = false;
  private closing: Promise<void> | undefined;
  private readonly createdLeases = new Set<string>();
  private configHash = "";
  private reloadChain: Promise<void> = Promise.resolve();
  private quitHandler: (() => void) | undefined;

  constructor(private config: SidecarConfig, private readonly deps: SidecarDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    this.timers = new Timers(this.clock, (key, err) => this.log.error({ err: safeErr(err), timer: key }, "timer task failed"));
    if (deps.configText !== undefined) this.configHash = hash(deps.configText);
  }

  private connect(config: SidecarConfig): Connection {
    const v = config.vault;
    const client = new VaultClient({
      address: v.address,
      namespace: v.namespace,
      timeoutMs: v.timeout,
      tls: v.tls,
      maxConcurrency: v.maxConcurrency,
      followRedirects: v.followRedirects,
      maxResponseBytes: v.maxResponseBytes,
      addressSource: v.addressSource,
      onRequest: (op, seconds, outcome) => this.metrics.vaultLatency.observe({ op, outcome }, seconds),
    });
    const tokens = new TokenManager(client, createAuthenticator(v.auth, this.deps.env), {
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      retry: { initialMs: v.retry.initial, maxMs: v.retry.max },
      onRelogin: () => this.onRelogin(),
    });
    return { client, tokens, key: hash(v) };
  }

  /** Groups secrets by path; keeps what is known about paths and files that did not change. */
  private buildSources(config: SidecarConfig, previous?: Map<string, Source>): Map<string, Source> {
    const notifiers = new Map<string, Notifier>();
    const notifierFor = (cfg: NotifyConfig) => {
      const k = hash(cfg);
      let n = notifiers.get(k);
      if (!n) notifiers.set(k, (n = new Notifier(cfg, { clock: this.clock, log: this.log, metrics: this.metrics })));
      return n;
    };
    const global = config.notify ? notifierFor(config.notify) : undefined;
    const written = new Set<string>();
    for (const s of previous?.values() ?? []) for (const o of s.outputs) if (o.written) written.add(o.id);
    const out = new Map<string, Source>();
    for (const cfg of config.secrets) {
      const id = hash({ path: cfg.path, vault: hash(config.vault) });
      let source = out.get(id);
      if (!source) {
        const prev = previous?.get(id);
        source = {
          id,
          path: cfg.path,
          outputs: [],
          kind: prev?.kind,
          version: prev?.version,
          metadataPath: prev?.metadataPath,
          lease: prev?.lease,
          attempt: 0,
          failingSince: prev?.failingSince,
          refreshMs: Infinity,
        };
        out.set(id, source);
      }
      const { notify, refreshInterval, ...identity } = cfg;
      const oid = hash({ identity, out: { ...config.output, removeOnExit: undefined } });
      source.outputs.push({ cfg, id: oid, label: `${cfg.path} → ${cfg.file}`, notifier: notify ? notifierFor(notify) : global, written: written.has(oid) });
      source.refreshMs = Math.min(source.refreshMs, refreshInterval ?? config.defaults.refreshInterval);
    }
    return out;
  }

  /** False (and logged) when a file of `s` was deleted under us: it must be rendered again. */
  private async filesPresent(s: Source): Promise<boolean> {
    const dir = this.config.output.dir;
    for (const o of s.outputs) {
      if (!(await lstat(path.join(dir, o.cfg.file)).catch(() => undefined))) {
        this.log.warn({ path: s.path, file: o.cfg.file }, "file missing from output.dir; rendering it again");
        return false;
      }
    }
    return true;
  }

  private files(s: Source): string {
    return s.outputs.map((o) => o.cfg.file).join(",");
  }

  // ---------------------------------------------------------------- --once

  /** Renders everything to memory, then writes all files. Throws on any failure, writing nothing. */
  async runOnce(timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    const prep = await prepareOutputDir(this.config.output);
    if (prep.warning) this.log.warn(prep.warning);
    this.dirMode = prep.dirMode;
    this.conn = this.connect(this.config);
    this.sources = this.buildSources(this.config);
    try {
      await this.conn.tokens.login({ failFast: true, deadline });
      const sources = [...this.sources.values()];
      const results = await Promise.allSettled(sources.map((s) => this.fetchRenderWithRetry(s, deadline)));
      const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ s: sources[i], err: r.reason }] : []));
      for (const { s, err } of failures) {
        for (const o of s.outputs) this.metrics.renderFailures.inc({ file: o.cfg.file, code: codeOf(err) });
        this.log.error({ path: s.path, file: this.files(s), err: safeErr(err) }, "secret failed");
      }
      if (failures.length > 0) {
        // Nothing will be written, so dynamic credentials fetched for the other files are revoked.
        const unused = results.flatMap((r) => (r.status === "fulfilled" && r.value.fetched.kind === "leased" ? [r.value.fetched.leaseId] : []));
        await Promise.allSettled(unused.map((id) => this.conn.client.revokeLease(id)));
        const files = this.config.secrets.length;
        throw new SidecarError("ONCE_FAILED", `${failures.length} of ${sources.length} secret path(s) failed; none of the ${files} file(s) were written`);
      }
      for (const r of results) {
        for (const { output, bytes } of (r as PromiseFulfilledResult<Rendered>).value.files) {
          const changed = await this.writeFile(output, bytes);
          this.log.info({ path: output.cfg.path, file: output.cfg.file, changed }, changed ? "rendered" : "unchanged");
        }
      }
    } finally {
      this.conn.tokens.stop();
      this.conn.client.close();
    }
  }

  private async fetchRenderWithRetry(s: Source, deadline: number): Promise<Rendered> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fetchAndRender(s);
      } catch (err) {
        const delay = retryDelayFor(err, attempt, { initialMs: this.config.vault.retry.initial, maxMs: this.config.vault.retry.max }, this.clock.random);
        if (!(err instanceof SidecarError) || !err.retryable || this.clock.now() + delay > deadline) throw err;
        this.log.warn({ path: s.path, file: this.files(s), err: safeErr(err), retryInMs: delay }, "read failed; retrying");
        await new Promise((r) => this.clock.setTimeout(() => r(undefined), delay));
      }
    }
  }

  /** Reads the path once and renders every file from it, all in memory. */
  private async fetchAndRender(s: Source): Promise<Rendered> {
    const { client } = this.conn;
    let body: unknown;
    try {
      body = await client.read(s.path);
    } catch (err) {
      if (err instanceof VaultNotFoundError) throw new RenderError("MISSING_SECRET", `${s.path}: no secret at this path (HTTP 404)`);
      throw err;
    }
    let fetched = classifyResponse(s.path, s.path, body);
    if (fetched.kind === "kv2" && s.metadataPath === undefined) {
      // Ask which mount serves the path: it names the metadata path and settles KV v1 data that merely looks like v2.
      const mount = await client.mountOf(s.path);
      if (mount?.version === "1") {
        fetched = classifyResponse(s.path, s.path, body, "1");
        s.metadataPath = null;
      } else {
        s.metadataPath = kv2MetadataPath(s.path, mount?.path) ?? null;
      }
    }
    try {
      const files = s.outputs.map((output) => ({
        output,
        bytes: renderSecret({ format: output.cfg.format, key: output.cfg.key, template: output.cfg.template, label: output.label }, fetched.data),
      }));
      return { fetched, files };
    } catch (err) {
      // Credentials we cannot use should not outlive this attempt.
      if (fetched.kind === "leased") this.revokeNow(fetched.leaseId);
      throw err;
    }
  }

  private async writeFile(o: Output, bytes: Buffer): Promise<boolean> {
    const out = this.config.output;
    const st = await lstat(out.dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      // Deleted (or replaced) under us: create it again, with the same tmpfs check, mode and owner as at start.
      this.log.error({ dir: out.dir }, st ? "output.dir is no longer a directory" : "output.dir is gone; creating it again");
      await prepareOutputDir(out, undefined, false);
    }
    return writeAtomic(out.dir, o.cfg.file, bytes, { mode: o.cfg.mode ?? out.mode, uid: o.cfg.uid ?? out.uid, gid: o.cfg.gid ?? out.gid }, this.dirMode);
  }

  // ---------------------------------------------------------------- daemon

  /** Starts serving and rendering; resolves once the status server listens (renders continue). */
  async start(): Promise<void> {
    const prep = await prepareOutputDir(this.config.output);
    if (prep.warning) this.log.warn(prep.warning);
    this.dirMode = prep.dirMode;
    this.conn = this.connect(this.config);
    this.sources = this.buildSources(this.config);
    if (this.config.listen !== false) {
      const { host, port } = parseListen(this.config.listen);
      this.server = await startStatusServer(host, port, this.metrics, {
        notReadyReason: () => this.notReadyReason(),
        quit: () => this.quitHandler?.(),
      });
      this.log.info({ address: `${this.server.address.host}:${this.server.address.port}` }, "listening");
    }
    this.updateReadyGauge();
    this.conn.tokens
      .login()
      .then(() => {
        for (const s of this.sources.values()) this.timers.schedule(`source:${s.id}`, 0, () => this.refresh(s));
      })
      .catch((err) => this.log.error({ err: safeErr(err) }, "login loop ended"));
  }

  onQuit(handler: () => void): void {
    this.quitHandler = handler;
  }

  private isCurrent(s: Source): boolean {
    return !this.stopped && this.sources.get(s.id) === s;
  }

  /** One refresh of one path; always ends by scheduling the next. */
  private async refresh(s: Source, opts: { forceFetch?: boolean } = {}): Promise<void> {
    if (!this.isCurrent(s)) return;
    const conn = this.conn;
    try {
      if (conn.tokens.isLost) await conn.tokens.login();
      const allWritten = s.outputs.every((o) => o.written);
      if (!opts.forceFetch && allWritten && s.kind === "kv2" && s.metadataPath) {
        const meta = await conn.client.read(s.metadataPath, "read_metadata").catch((err) => {
          // A policy without metadata access: fall back to re-reading data every interval.
          if (err instanceof VaultAuthError || err instanceof VaultNotFoundError) {
            s.metadataPath = null;
            return undefined;
          }
          throw err;
        });
        if (meta && Number(meta?.data?.current_version) === s.version && (await this.filesPresent(s))) {
          this.succeeded(s);
          return;
        }
      }
      const { fetched, files } = await this.fetchAndRender(s);
      if (!this.isCurrent(s)) {
        if (fetched.kind === "leased") this.revokeNow(fetched.leaseId);
        return;
      }
      // New credentials are adopted even if a write fails below: some files may already use them.
      this.adopt(s, fetched, conn);
      let firstError: unknown;
      for (const { output, bytes } of files) {
        try {
          const changed = await this.writeFile(output, bytes);
          const first = !output.written;
          output.written = true;
          if (changed) {
            this.metrics.renders.inc({ file: output.cfg.file });
            this.metrics.lastChange.set({ file: output.cfg.file }, this.clock.now() / 1000);
            this.log.info({ path: s.path, file: output.cfg.file, kind: fetched.kind, version: s.version }, "rendered");
            // The first render happens before the app reads its files; only later changes are news.
            if (!first) output.notifier?.trigger(output.cfg.file);
          } else {
            this.log.debug({ path: s.path, file: output.cfg.file }, "unchanged");
          }
        } catch (err) {
          firstError ??= err;
        }
      }
      if (firstError !== undefined) throw firstError;
      this.succeeded(s);
    } catch (err) {
      this.failed(s, err);
    }
  }

  private adopt(s: Source, fetched: Fetched, conn: Connection): void {
    const oldLease = s.lease;
    s.kind = fetched.kind;
    if (fetched.kind === "kv2") {
      s.version = fetched.version;
      for (const o of s.outputs) this.metrics.secretVersion.set({ file: o.cfg.file, path: s.path }, fetched.version);
    }
    if (fetched.kind === "leased") {
      s.lease = {
        id: fetched.leaseId,
        duration: fetched.leaseDuration,
        renewable: fetched.renewable,
        expiresAt: this.clock.now() + fetched.leaseDuration * 1000,
        generation: conn.tokens.generation,
      };
      this.createdLeases.add(fetched.leaseId);
      for (const o of s.outputs) this.metrics.leaseExpiry.set({ file: o.cfg.file }, s.lease.expiresAt / 1000);
    } else {
      s.lease = undefined;
    }
    if (oldLease && oldLease.id !== s.lease?.id && this.config.defaults.revokeOld !== false) {
      this.scheduleRevoke(oldLease.id, this.config.defaults.revokeOld, oldLease.generation);
    }
  }

  private succeeded(s: Source): void {
    if (s.failingSince !== undefined) this.log.info({ path: s.path, file: this.files(s) }, "secret recovered");
    s.failingSince = undefined;
    s.attempt = 0;
    for (const o of s.outputs) this.metrics.lastSuccess.set({ file: o.cfg.file, path: s.path }, this.clock.now() / 1000);
    this.updateReadyGauge();
    this.scheduleNext(s);
  }

  private failed(s: Source, err: unknown): void {
    s.failingSince ??= this.clock.now();
    for (const o of s.outputs) this.metrics.renderFailures.inc({ file: o.cfg.file, code: codeOf(err) });
    s.lastError = codeOf(err);
    const delay = retryDelayFor(err, s.attempt++, { initialMs: this.config.vault.retry.initial, maxMs: Math.min(this.config.vault.retry.max, s.refreshMs) }, this.clock.random);
    this.log.error({ path: s.path, file: this.files(s), err: safeErr(err), retryInMs: delay }, "secret refresh failed; files left as they were");
    if (err instanceof VaultAuthError) this.conn.tokens.checkAfterDenied().catch((e) => this.log.error({ err: safeErr(e) }, "token check failed"));
    this.updateReadyGauge();
    this.timers.schedule(`source:${s.id}`, delay, () => this.refresh(s, { forceFetch: true }));
  }

  private scheduleNext(s: Source): void {
    const key = `source:${s.id}`;
    const lease = s.lease;
    if (s.kind === "leased" && lease && lease.duration > 0) {
      const left = lease.expiresAt - this.clock.now();
      const at = jitter((left * 2) / 3, 0.1, this.clock.random);
      const check = jitter(s.refreshMs, 0.1, this.clock.random);
      // A lease revoked out of band is noticed within refreshInterval, not at its renewal.
      if (s.leaseLookup !== false && check < at) this.timers.schedule(key, check, () => this.checkLease(s));
      else if (lease.renewable) this.timers.schedule(key, at, () => this.renewLease(s));
      else this.timers.schedule(key, at, () => this.refresh(s, { forceFetch: true }));
      return;
    }
    // KV v1's advisory 768h lease is ignored on purpose: KV is re-read on our own interval.
    // The first re-read lands anywhere in the interval: secrets rendered together (and sidecars
    // started together) would otherwise poll Vault in lockstep, ±10% jitter only blurring the edge.
    const delay = s.phased ? jitter(s.refreshMs, 0.1, this.clock.random) : this.clock.random() * s.refreshMs;
    s.phased = true;
    this.timers.schedule(key, delay, () => this.refresh(s));
  }

  /** sys/leases/lookup: is the lease still alive? Revoked or expired → fresh credentials now. */
  private async checkLease(s: Source): Promise<void> {
    const lease = s.lease;
    if (!lease || !this.isCurrent(s)) return;
    try {
      await this.conn.client.lookupLease(lease.id);
    } catch (err) {
      if (err instanceof VaultRequestError && err.status === 400) {
        this.log.warn({ path: s.path, file: this.files(s), lease: leaseName(lease.id) }, "lease revoked or expired; fetching new credentials");
        await this.refresh(s, { forceFetch: true });
        return;
      }
      if (err instanceof VaultNotFoundError || (err instanceof VaultRequestError && err.status === 405)) {
        // A server or proxy without the endpoint: stop asking.
        s.leaseLookup = false;
        this.log.info({ path: s.path, file: this.files(s) }, "sys/leases/lookup unavailable; the lease is checked at renewal only");
      } else if (err instanceof VaultAuthError) {
        // The token may be gone (then a new login re-fetches every lease), or the policy denies lookups.
        const generation = this.conn.tokens.generation;
        await this.conn.tokens.checkAfterDenied().catch(() => {});
        if (!this.isCurrent(s) || s.lease !== lease || this.conn.tokens.generation !== generation) return;
        if (!this.conn.tokens.isLost) {
          s.leaseLookup = false;
          this.log.info({ path: s.path, file: this.files(s) }, "sys/leases/lookup denied; the lease is checked at renewal only");
        }
      } else {
        this.log.debug({ path: s.path, file: this.files(s), err: safeErr(err) }, "lease lookup failed");
      }
    }
    if (this.isCurrent(s) && s.lease === lease) this.scheduleNext(s);
  }

  private async renewLease(s: Source): Promise<void> {
    const lease = s.lease;
    if (!lease || !this.isCurrent(s)) return;
    try {
      const res = await this.conn.client.renewLease(lease.id, lease.duration);
      this.metrics.leaseRenewals.inc({ outcome: "ok" });
      lease.expiresAt = this.clock.now() + res.ttl * 1000;
      for (const o of s.outputs) this.metrics.leaseExpiry.set({ file: o.cfg.file }, lease.expiresAt / 1000);
      if (!res.renewable || res.ttl < lease.duration * 0.9) {
        this.log.info({ path: s.path, file: this.files(s), ttl: res.ttl }, "lease near its max TTL; fetching new credentials");
        await this.refresh(s, { forceFetch: true });
        return;
      }
      this.log.info({ path: s.path, file: this.files(s), ttl: res.ttl }, "lease renewed");
      this.scheduleNext(s);
    } catch (err) {
      this.metrics.leaseRenewals.inc({ outcome: "error" });
      this.log.warn({ path: s.path, file: this.files(s), err: safeErr(err) }, "lease renewal failed; fetching new credentials");
      await this.refresh(s, { forceFetch: true });
    }
  }

  /** Best effort, outside the timers (which may be stopped): for leases nobody will use. */
  private revokeNow(leaseId: string): void {
    this.conn.client
      .revokeLease(leaseId)
      .then(() => this.log.info({ lease: leaseName(leaseId) }, "unused lease revoked"))
      .catch((err) => this.log.warn({ lease: leaseName(leaseId), err: safeErr(err) }, "unused lease revoke failed"));
  }

  private scheduleRevoke(leaseId: string, afterMs: number, generation: number): void {
    this.timers.schedule(`revoke:${leaseId}`, afterMs, async () => {
      try {
        await this.conn.client.revokeLease(leaseId);
        this.createdLeases.delete(leaseId);
        this.log.info({ lease: leaseName(leaseId) }, "old lease revoked");
      } catch (err) {
        if (err instanceof VaultAuthError && generation !== this.conn.tokens.generation) {
          // Leases are children of the token that created them; Vault revokes them with it.
          this.createdLeases.delete(leaseId);
          this.log.info({ lease: leaseName(leaseId) }, "old lease belongs to the previous token; Vault revokes it when that token expires");
          return;
        }
        this.log.warn({ lease: leaseName(leaseId), err: safeErr(err) }, "old lease revoke failed");
      }
    });
  }

  /** Leases belong to the token that created them: after a new login, fetch fresh ones. */
  private onRelogin(): void {
    for (const s of this.sources.values()) {
      if (s.kind === "leased") this.timers.schedule(`source:${s.id}`, 0, () => this.refresh(s, { forceFetch: true }));
    }
  }

  notReadyReason(): string | null {
    const now = this.clock.now();
    let pending = 0;
    for (const s of this.sources.values()) pending += s.outputs.filter((o) => !o.written).length;
    if (pending > 0) return `${pending} file(s) not rendered yet`;
    if (this.conn?.tokens.isLost) return "vault token lost";
    for (const s of this.sources.values()) {
      if (s.failingSince !== undefined && now - s.failingSince > s.refreshMs) {
        return `${s.path} failing for ${Math.round((now - s.failingSince) / 1000)}s (${s.lastError ?? "error"})`;
      }
    }
    return null;
  }

  private updateReadyGauge(): void {
    this.metrics.ready.set(this.notReadyReason() === null ? 1 : 0);
  }

  // ---------------------------------------------------------------- reload

  /** Re-reads the config file; validates, builds, then swaps. Invalid config keeps the old one. */
  reload(reason: string): Promise<void> {
    this.reloadChain = this.reloadChain
      .then(() => this.doReload(reason))
      .catch((err) => this.log.error({ err: safeErr(err) }, "config reload failed; keeping the running config"));
    return this.reloadChain;
  }

  private async doReload(reason: string): Promise<void> {
    const file = this.deps.configFile;
    if (!file || this.stopped) return;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      // Log once per state, not at every periodic re-read.
      if (this.configHash !== `unreadable:${code}`) {
        this.configHash = `unreadable:${code}`;
        this.log.error({ file, code }, "config reload: cannot read the file; keeping the running config");
      }
      return;
    }
    const h = hash(text);
    if (h === this.configHash && reason !== "SIGHUP") return;
    const res = parseConfigText(text, this.deps.env, path.dirname(path.resolve(file)));
    if (!res.ok) {
      this.configHash = h;
      const message = new ConfigError(file, res.errors).message;
      this.log.error({ file, errors: res.errors }, `config reload rejected; keeping the running config: ${message}`);
      return;
    }
    const next = res.config;
    for (const w of res.warnings) this.log.warn(w);
    if (JSON.stringify(next.listen) !== JSON.stringify(this.config.listen)) this.log.warn("listen changed: restart the sidecar to apply it");
    // Build first: output dir and, if vault settings changed, a logged-in connection.
    const prep = await prepareOutputDir(next.output, undefined, next.output.dir !== this.config.output.dir);
    if (prep.warning) this.log.warn(prep.warning);
    let conn = this.conn;
    const vaultChanged = hash(next.vault) !== this.conn.key;
    if (vaultChanged) {
      conn = this.connect(next);
      try {
        await conn.tokens.login({ failFast: true, deadline: this.clock.now() + 30_000 });
      } catch (err) {
        conn.tokens.stop();
        conn.client.close();
        throw err;
      }
    }
    // Swap. Only per-source timers go: pending lease revocations must still happen.
    this.configHash = h;
    const oldSources = this.sources;
    const oldConn = this.conn;
    this.timers.cancelPrefix("source:");
    for (const s of oldSources.values()) for (const o of s.outputs) o.notifier?.flushAndStop();
    this.config = next;
    this.dirMode = prep.dirMode;
    this.conn = conn;
    this.sources = this.buildSources(next, oldSources);
    if (vaultChanged) {
      oldConn.tokens.stop();
      setTimeout(() => oldConn.client.close(), 5000).unref();
    }
    // Leases of paths that are gone are revoked after the grace period.
    const kept = new Set([...this.sources.values()].map((s) => s.lease?.id));
    for (const s of oldSources.values()) {
      if (s.lease && !kept.has(s.lease.id) && next.defaults.revokeOld !== false && !vaultChanged) {
        this.scheduleRevoke(s.lease.id, next.defaults.revokeOld, s.lease.generation);
      }
    }
    for (const s of this.sources.values()) {
      // A path with a new or changed file is read again now (the sidecar keeps no secret data in memory).
      if (s.kind !== undefined && s.outputs.every((o) => o.written)) this.scheduleNext(s);
      else this.timers.schedule(`source:${s.id}`, 0, () => this.refresh(s, { forceFetch: true }));
    }
    this.updateReadyGauge();
    this.log.info({ reason, secrets: next.secrets.length }, "config reloaded");
  }

  // ---------------------------------------------------------------- close

  /** Stops everything once; later calls get the same promise. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.conn?.tokens.stop();
    for (const s of this.sources.values()) for (const o of s.outputs) o.notifier?.stop();
    const tasks: Promise<unknown>[] = [];
    if (this.server) tasks.push(this.server.close());
    if (this.config.revokeOnExit && this.conn) {
      for (const id of this.createdLeases) {
        tasks.push(this.conn.client.revokeLease(id).then(() => this.log.info({ lease: leaseName(id) }, "lease revoked on exit")));
      }
    }
    if (this.config.output.removeOnExit) {
      const files = this.config.secrets.map((s) => s.file);
      tasks.push(removeFiles(this.config.output.dir, files).then(() => this.log.info("rendered files removed")));
    }
    const settled = Promise.allSettled(tasks);
    // Exit within 2 s whatever Vault does.
    await Promise.race([settled, new Promise((r) => setTimeout(r, 1500).unref())]);
    this.conn?.client.close();
  }
}

/** The lease path without its unique suffix: enough to identify, nothing to reuse. */
function leaseName(id: string): string {
  const i = id.lastIndexOf("/");
  return i > 0 ? `${id.slice(0, i)}/…${id.slice(-4)}` : "…";
}

function codeOf(err: unknown): string {
  return err instanceof SidecarError ? err.code : "UNKNOWN";
}

/** Only our own error classes reach the log, as code + message; anything else is reduced to its type. */
export function safeErr(err: unknown): { code: string; message: string } {
  if (err instanceof SidecarError) return { code: err.code, message: err.message };
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "UNKNOWN";
  return { code, message: err instanceof Error ? err.name : "error" };
}
