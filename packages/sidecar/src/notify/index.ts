import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { constants as osConstants } from "node:os";
import type { NotifyConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { SidecarMetrics } from "../server/metrics.js";
import { sleep, type Clock } from "../schedule/clock.js";
import { type NotifyResponse, notifyRequest } from "./http-call.js";

/** Finds pids whose /proc/<pid>/comm or argv[0] basename equals `name`, excluding ourselves. */
export async function findProcesses(name: string, procRoot = "/proc"): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir(procRoot).catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const comm = (await readFile(path.join(procRoot, entry, "comm"), "utf8").catch(() => "")).trim();
    const cmdline = await readFile(path.join(procRoot, entry, "cmdline"), "utf8").catch(() => "");
    const argv0 = path.basename(cmdline.split("\0")[0] ?? "");
    if (comm === name || argv0 === name) pids.push(pid);
  }
  return pids;
}

/** Tries after the first when the app to signal is not there (yet): 200 ms, 400 ms, 800 ms. */
const SIGNAL_RETRIES = 3;

class NoSignalTarget extends Error {}

/**
 * Runs `attempt` and, while it fails with an error `isTransient` accepts, runs it again after
 * 200 ms, 400 ms, 800 ms… (at most 5 s), up to `retries` more times; then its last error is thrown.
 */
async function retrying<T>(clock: Clock, retries: number, attempt: () => Promise<T>, isTransient: (err: unknown) => boolean = () => true): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= retries || !isTransient(err)) throw err;
      await sleep(clock, Math.min(5000, 200 * 2 ** n));
    }
  }
}

export interface NotifyEvent {
  files: string[];
}

/**
 * Fires every configured action once per burst of changes (trailing debounce).
 * Failures are logged and counted; they never block rendering.
 */
export class Notifier {
  private timer: unknown;
  private pending = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly cfg: NotifyConfig,
    private readonly deps: { clock: Clock; log: Logger; metrics: SidecarMetrics },
  ) {}

  trigger(file: string): void {
    if (this.stopped) return;
    this.pending.add(file);
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      const files = [...this.pending];
      this.pending.clear();
      // Serialise bursts so a slow command never runs twice at once.
      this.running = this.running.then(() => this.fire({ files })).catch((err) => this.deps.log.error({ err }, "notify failed"));
    }, this.cfg.debounce);
  }

  async fire(event: NotifyEvent): Promise<void> {
    const tasks: Promise<void>[] = [];
    if (this.cfg.signal) tasks.push(this.track("signal", () => this.sendSignal(event)));
    if (this.cfg.command) tasks.push(this.track("command", () => this.runCommand(event)));
    if (this.cfg.http) tasks.push(this.track("http", () => this.callHttp(event)));
    await Promise.all(tasks);
  }

  private async track(kind: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.deps.metrics.notifications.inc({ kind, outcome: "ok" });
    } catch (err) {
      this.deps.metrics.notifications.inc({ kind, outcome: "error" });
      this.deps.log.error({ kind, err: { message: (err as Error).message, code: (err as { code?: string }).code } }, "notification failed");
    }
  }

  private async sendSignal(event: NotifyEvent): Promise<void> {
    const signal = this.cfg.signal as NodeJS.Signals;
    if (!(signal in osConstants.signals)) throw new Error(`unknown signal ${signal}`);
    // An app that is starting or restarting has no pid file yet, an empty one (created, not yet
    // written) or a stale pid: that is a moment, not a misconfiguration, so try again shortly.
    const isTransient = (err: unknown) => err instanceof NoSignalTarget || (err as NodeJS.ErrnoException).code === "ESRCH";
    await retrying(
      this.deps.clock,
      SIGNAL_RETRIES,
      async () => {
        const pids = await this.signalTargets();
        for (const pid of pids) process.kill(pid, signal);
        this.deps.log.info({ signal, pids, files: event.files }, "signalled");
      },
      isTransient,
    );
  }

  private async signalTargets(): Promise<number[]> {
    if (this.cfg.pidFile) {
      const text = (await readFile(this.cfg.pidFile, "utf8").catch(() => "")).trim();
      if (!/^\d+$/.test(text)) throw new NoSignalTarget(`pidFile ${this.cfg.pidFile} does not hold a pid`);
      return [Number(text)];
    }
    const pids = await findProcesses(this.cfg.process!);
    if (pids.length === 0) throw new NoSignalTarget(`no process named ${this.cfg.process}`);
    return pids;
  }

  private async runCommand(event: NotifyEvent): Promise<void> {
    const [cmd, ...args] = this.cfg.command!;
    // child_process (with dgram and friends) is loaded by a command notification only.
    const { spawn } = await import("node:child_process");
    return new Promise((resolve, reject) => {
      // The Vault token may be in our environment ($VAULT_TOKEN); a reload command has no use for it.
      const { VAULT_TOKEN: _token, ...env } = process.env;
      const child = spawn(cmd, args, {
        stdio: "ignore",
        timeout: this.cfg.commandTimeout,
        killSignal: "SIGKILL",
        env: { ...env, STOWAWAY_CHANGED_FILES: event.files.join(":") },
      });
      child.once("error", (err) => reject(err));
      child.once("exit", (code, signal) => {
        this.deps.log.info({ command: cmd, exitCode: code, signal, files: event.files }, "notify command finished");
        if (code === 0) resolve();
        else reject(new Error(signal ? `command ${cmd} killed by ${signal}` : `command ${cmd} exited ${code}`));
      });
    });
  }

  private async callHttp(event: NotifyEvent): Promise<void> {
    const h = this.cfg.http!;
    await retrying(this.deps.clock, h.retries, async () => {
      let res: NotifyResponse;
      try {
        res = await notifyRequest(h.url, h.method, h.method === "GET" ? undefined : JSON.stringify({ files: event.files }), h.timeout);
      } catch (err) {
        throw new Error(`${redactUrl(h.url)}: ${(err as Error).message}`);
      }
      if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status} from ${redactUrl(h.url)}`);
      this.deps.log.info({ url: redactUrl(h.url), status: res.status, files: event.files }, "notified over http");
    });
  }

  /** Sends what is pending now, then stops (used when a reload replaces this notifier). */
  flushAndStop(): void {
    if (this.timer !== undefined && this.pending.size > 0) {
      this.deps.clock.clearTimeout(this.timer);
      this.timer = undefined;
      const files = [...this.pending];
      this.pending.clear();
      this.running = this.running.then(() => this.fire({ files })).catch((err) => this.deps.log.error({ err }, "notify failed"));
    }
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Drops userinfo and query from a URL before logging it. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "[url]";
  }
}
