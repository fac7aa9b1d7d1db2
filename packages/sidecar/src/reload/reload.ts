import { readFileSync } from "node:fs";
import path from "node:path";
import { parseConfigText, type Env } from "../config/load.js";
import type { SidecarConfig } from "../config/schema.js";
import { hash, type Connection } from "../connection.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Clock } from "../schedule/clock.js";
import { loadSourceKinds } from "../sources/build.js";
import { prepareOutputDir } from "../write/index.js";

/** The running sidecar, as a reload sees it. */
export interface Reloadable {
  readonly config: SidecarConfig;
  /** Hash of the vault settings of the running connection. */
  readonly connKey: string;
  readonly stopped: boolean;
  connect(config: SidecarConfig): Connection;
  /** Replaces the running state with one that is validated and built. `conn` is set when vault settings changed. */
  swap(next: { config: SidecarConfig; conn?: Connection; dirMode: number; reason: string }): void;
}

export interface ReloadDeps {
  /** Path of the config file; without it there is nothing to reload. */
  file?: string;
  /** The config text as parsed at start: an unchanged file is not reloaded. */
  text?: string;
  env: Env;
  clock: Clock;
  log: Logger;
}

/**
 * Reload means validate, then swap: the file is re-read, parsed and checked, the output dir
 * prepared and (when vault settings changed) a new connection logged in, all before anything
 * running is touched. An invalid config keeps the old one running. Reloads run one at a time.
 */
export class Reloader {
  private chain: Promise<void> = Promise.resolve();
  private configHash: string;

  constructor(
    private readonly host: Reloadable,
    private readonly deps: ReloadDeps,
  ) {
    this.configHash = deps.text !== undefined ? hash(deps.text) : "";
  }

  /** Watches the file (and re-reads it periodically); SIGHUP calls `reload` directly. */
  watch(): { close(): Promise<void> } | undefined {
    const { file, clock, log } = this.deps;
    if (!file) return undefined;
    // chokidar is its own chunk in the bundle: `--once` and `exec` never watch, so never load it.
    const watcher = import("../config/watch.js").then(
      ({ watchConfig }) => watchConfig(file, (reason) => void this.reload(reason), { clock }),
      (err: unknown) => {
        log.error({ err }, "config watch could not start; SIGHUP still reloads");
        return undefined;
      },
    );
    return { close: async () => (await watcher)?.close() };
  }

  reload(reason: string): Promise<void> {
    this.chain = this.chain.then(() => this.load(reason)).catch((err) => this.deps.log.error({ err }, "config reload failed; keeping the running config"));
    return this.chain;
  }

  private async load(reason: string): Promise<void> {
    const { file, log, env, clock } = this.deps;
    const { host } = this;
    if (!file || host.stopped) return;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      // Log once per state, not at every periodic re-read.
      if (this.configHash !== `unreadable:${code}`) {
        this.configHash = `unreadable:${code}`;
        log.error({ file, code }, "config reload: cannot read the file; keeping the running config");
      }
      return;
    }
    const h = hash(text);
    if (h === this.configHash && reason !== "SIGHUP") return;
    const res = parseConfigText(text, env, path.dirname(path.resolve(file)));
    if (!res.ok) {
      this.configHash = h;
      const message = new ConfigError(file, res.errors).message;
      log.error({ file, errors: res.errors }, `config reload rejected; keeping the running config: ${message}`);
      return;
    }
    const next = res.config;
    for (const w of res.warnings) log.warn(w);
    if (JSON.stringify(next.listen) !== JSON.stringify(host.config.listen)) log.warn("listen changed: restart the sidecar to apply it");
    if (next.reload.watch !== host.config.reload.watch) log.warn("reload.watch changed: restart the sidecar to apply it");
    // Build first: output dir and, if vault settings changed, a logged-in connection.
    const prep = await prepareOutputDir(next.output, undefined, next.output.dir !== host.config.output.dir);
    if (prep.warning) log.warn(prep.warning);
    let conn: Connection | undefined;
    if (hash(next.vault) !== host.connKey) {
      conn = host.connect(next);
      try {
        await conn.tokens.login({ failFast: true, deadline: clock.now() + 30_000 });
      } catch (err) {
        conn.tokens.stop();
        conn.client.close();
        throw err;
      }
    }
    await loadSourceKinds(next);
    this.configHash = h;
    host.swap({ config: next, conn, dirMode: prep.dirMode, reason });
  }
}
