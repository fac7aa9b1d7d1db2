import path from "node:path";
import type { Env } from "./config/load.js";
import { parseListen } from "./config/listen.js";
import type { SidecarConfig } from "./config/schema.js";
import { connect, type Connection } from "./connection.js";
import { LeaseKeeper } from "./leases/keeper.js";
import type { Logger } from "./log.js";
import { renderOnce } from "./once/once.js";
import { Pipeline } from "./pipeline/pipeline.js";
import type { Run, Runtime } from "./pipeline/runtime.js";
import { FileSink, type Sink } from "./pipeline/sink.js";
import { Reloader, type Reloadable } from "./reload/reload.js";
import { systemClock, type Clock } from "./schedule/clock.js";
import { Timers } from "./schedule/timers.js";
import { startStatusServer, type StatusServer } from "./server/index.js";
import { SidecarMetrics } from "./server/metrics.js";
import { buildRuns, loadSourceKinds } from "./sources/build.js";
import { unitsOf } from "./pipeline/store.js";
import { prepareOutputDir, removeFiles } from "./write/index.js";
import { removeStaleVersions, removeUnit } from "./write/unit.js";

export interface SidecarDeps {
  log: Logger;
  env: Env;
  clock?: Clock;
  /** Path of the config file, for reloads. */
  configFile?: string;
  /** The config file's text as parsed at start; reloads compare against it. */
  configText?: string;
  /** Where outputs are stored. Default: files in output.dir. */
  sink?: Sink;
  /** Wraps the default file sink (stowaway exec keeps env outputs in memory and passes files on). */
  wrapSink?: (files: Sink) => Sink;
}

/** How long close() waits for Vault (revokeOnExit) and the status server: the process exits within 2 s. */
const CLOSE_WAIT_MS = 1500;
/** A connection replaced by a reload is closed after this, so requests in flight finish. */
const RETIRED_CONN_CLOSE_MS = 5000;

/**
 * The coordinator: wires config → pipeline (fetch → render → store → notify) → lease keeper for
 * every source, serves status, and owns start, reload swaps, `--once` and close. The jobs
 * themselves live in pipeline/, leases/, reload/, once/ and sources/.
 */
export class Sidecar implements Reloadable {
  readonly metrics = new SidecarMetrics();
  readonly pipeline: Pipeline;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly leases: LeaseKeeper;
  private readonly sink: Sink;
  private readonly reloader: Reloader;
  private conn!: Connection;
  private runs = new Map<string, Run>();
  private server: StatusServer | undefined;
  private dirMode = 0o700;
  private closing: Promise<void> | undefined;
  private quitHandler: (() => void) | undefined;
  /** Connections replaced by a reload, waiting to be closed. */
  private readonly retired = new Set<Connection>();
  stopped = false;

  constructor(
    public config: SidecarConfig,
    private readonly deps: SidecarDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    this.timers = new Timers(this.clock, (key, err) => this.log.error({ err, timer: key }, "timer task failed"));
    this.metrics.isReady = () => this.notReadyReason() === null;
    const rt: Runtime = {
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      timers: this.timers,
      config: () => this.config,
      conn: () => this.conn,
      isCurrent: (run) => !this.stopped && this.runs.get(run.source.id) === run,
    };
    const files = new FileSink(() => ({ output: this.config.output, dirMode: this.dirMode }), this.log, this.clock);
    this.sink = deps.sink ?? deps.wrapSink?.(files) ?? files;
    this.leases = new LeaseKeeper(rt, (run) => this.pipeline.refresh(run, { forceFetch: true }));
    this.pipeline = new Pipeline(rt, this.leases, this.sink);
    this.reloader = new Reloader(this, { file: deps.configFile, text: deps.configText, env: deps.env, clock: this.clock, log: this.log });
  }

  get connKey(): string {
    return this.conn.key;
  }

  connect(config: SidecarConfig): Connection {
    const { clock, log, metrics } = this;
    return connect(config, { clock, log, metrics, env: this.deps.env, onRelogin: () => this.leases.onRelogin(this.runs.values()) });
  }

  private runDeps() {
    return { clock: this.clock, log: this.log, metrics: this.metrics };
  }

  private async prepare(): Promise<void> {
    const prep = await prepareOutputDir(this.config.output);
    if (prep.warning) this.log.warn(prep.warning);
    this.dirMode = prep.dirMode;
    this.conn = this.connect(this.config);
    await loadSourceKinds(this.config);
    this.runs = buildRuns(this.config, this.runDeps());
    // Version directories a crash left behind (never the published one).
    for (const u of unitsOf(this.outputs())) await removeStaleVersions(this.config.output.dir, path.dirname(u.files[0]), u.name);
  }

  private *outputs() {
    for (const r of this.runs.values()) yield* r.source.outputs;
  }

  /** Renders everything to memory, then writes all files. Throws on any failure, writing nothing. */
  async runOnce(timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    await this.prepare();
    try {
      const sources = [...this.runs.values()].map((r) => r.source);
      await renderOnce({ config: this.config, conn: this.conn, sources, sink: this.sink, clock: this.clock, log: this.log, metrics: this.metrics }, deadline);
    } finally {
      this.conn.tokens.stop();
      this.conn.client.close();
    }
  }

  /** Starts serving and rendering; resolves once the status server listens (renders continue). */
  async start(): Promise<void> {
    await this.prepare();
    await this.serve();
    this.conn.tokens
      .login()
      .then(() => {
        for (const run of this.runs.values()) this.timers.schedule(`source:${run.source.id}`, 0, () => this.pipeline.refresh(run));
      })
      .catch((err) => this.log.error({ err }, "login loop ended"));
  }

  /**
   * `stowaway exec`: renders everything as `runOnce` does (all or nothing, transient failures
   * retried until the deadline; throws otherwise), then keeps it current as `start` does, carrying
   * on from what was just fetched (no second read, no second lease). On failure, call close().
   */
  async startRendered(timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    await this.prepare();
    const runs = [...this.runs.values()];
    const results = await renderOnce(
      { config: this.config, conn: this.conn, sources: runs.map((r) => r.source), sink: this.sink, clock: this.clock, log: this.log, metrics: this.metrics },
      deadline,
    );
    for (const [i, run] of runs.entries()) this.pipeline.adoptStored(run, results[i]);
    await this.serve();
  }

  private async serve(): Promise<void> {
    if (this.config.listen !== false) {
      const { host, port } = parseListen(this.config.listen.address);
      this.server = await startStatusServer(host, port, this.metrics, {
        notReadyReason: () => this.notReadyReason(),
        quit: this.config.listen.quit ? () => this.quitHandler?.() : undefined,
      });
      this.log.info({ address: `${this.server.address.host}:${this.server.address.port}` }, "listening");
    }
  }

  onQuit(handler: () => void): void {
    this.quitHandler = handler;
  }

  /** Watches the config file for reloads, unless `reload.watch` is false; SIGHUP calls `reload` either way. */
  watchConfig(): { close(): Promise<void> } | undefined {
    return this.config.reload.watch ? this.reloader.watch() : undefined;
  }

  /** Re-reads the config file; validates, builds, then swaps. Invalid config keeps the old one. */
  reload(reason: string): Promise<void> {
    return this.reloader.reload(reason);
  }

  swap(next: { config: SidecarConfig; conn?: Connection; dirMode: number; reason: string }): void {
    const oldRuns = this.runs;
    const oldConn = this.conn;
    // Only per-source timers go: pending lease revocations must still happen.
    this.timers.cancelPrefix("source:");
    for (const r of oldRuns.values()) for (const o of r.source.outputs) o.notifier?.flushAndStop();
    this.config = next.config;
    this.dirMode = next.dirMode;
    if (next.conn) this.conn = next.conn;
    this.runs = buildRuns(next.config, this.runDeps(), oldRuns);
    if (next.conn) {
      oldConn.tokens.stop();
      this.retired.add(oldConn);
      this.clock.setTimeout(() => this.closeRetired(oldConn), RETIRED_CONN_CLOSE_MS);
    } else {
      // Old leases belong to the old connection's token; with a new Vault they are left to expire with it.
      this.leases.retire(oldRuns.values(), this.runs.values());
    }
    for (const run of this.runs.values()) {
      // A source with a new or changed output is read again now (the sidecar keeps no secret data in memory).
      if (run.source.kind !== undefined && run.source.outputs.every((o) => o.written)) this.pipeline.scheduleNext(run);
      else this.pipeline.refreshSoon(run, true);
    }
    this.log.info({ reason: next.reason, secrets: next.config.secrets.length }, "config reloaded");
  }

  private closeRetired(conn: Connection): void {
    if (this.retired.delete(conn)) conn.client.close();
  }

  notReadyReason(): string | null {
    const now = this.clock.now();
    let pending = 0;
    for (const r of this.runs.values()) pending += r.source.outputs.filter((o) => !o.written).length;
    // The login's trouble first: it is why nothing renders.
    if (this.conn?.tokens.isLost) return this.conn.tokens.lostReason ?? "vault token lost";
    if (pending > 0) return `${pending} file(s) not rendered yet`;
    for (const r of this.runs.values()) {
      // A certificate keeps serving while Vault is away: unready only once it expired.
      if (r.source.readyUntilExpiry && r.lease && r.failingSince !== undefined) {
        if (r.lease.expiresAt <= now)
          return `${r.source.label}: the certificate expired ${Math.round((now - r.lease.expiresAt) / 1000)}s ago (${r.lastError ?? "error"})`;
        continue;
      }
      if (r.failingSince !== undefined && now - r.failingSince > r.source.refreshMs) {
        return `${r.source.label} failing for ${Math.round((now - r.failingSince) / 1000)}s (${r.lastError ?? "error"})`;
      }
    }
    return null;
  }

  /** Stops everything once; later calls get the same promise. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.conn?.tokens.stop();
    for (const r of this.runs.values()) for (const o of r.source.outputs) o.notifier?.stop();
    const tasks: Promise<unknown>[] = [];
    if (this.server) tasks.push(this.server.close());
    if (this.config.revokeOnExit && this.conn) tasks.push(...this.leases.revokeAll());
    if (this.config.output.removeOnExit) {
      const dir = this.config.output.dir;
      const outputs = [...this.outputs()];
      const files = outputs.filter((o) => !o.unit).map((o) => o.cfg.file);
      const units = unitsOf(outputs).map((u) => removeUnit(dir, u.files, u.name));
      tasks.push(Promise.all([removeFiles(dir, files), ...units]).then(() => this.log.info("rendered files removed")));
    }
    // Exit within 2 s whatever Vault does.
    let timer: unknown;
    await Promise.race([Promise.allSettled(tasks), new Promise((r) => (timer = this.clock.setTimeout(() => r(undefined), CLOSE_WAIT_MS)))]);
    this.clock.clearTimeout(timer);
    this.conn?.client.close();
    for (const c of this.retired) this.closeRetired(c);
  }
}
