import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Logger } from "../log.js";
import type { Clock } from "../schedule/clock.js";
import type { ExecMetrics } from "./metrics.js";

/** How the child ended: exactly one of code or signal is set. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The shell's convention: the child's code, or 128 + N when signal N ended it. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? osConstants.signals[exit.signal] : undefined;
  return n === undefined ? 1 : 128 + n;
}

/** What `stowaway exec` does when the child exits without being asked to. */
export type RestartOnExit = "never" | "on-failure" | "always";

/** Why the supervisor finished, and the exit code `stowaway exec` should return. */
export type SupervisorResult =
  | { reason: "exited"; code: number; exit: ChildExit }
  | { reason: "stopped"; code: number; exit: ChildExit }
  | { reason: "crash-loop"; code: number; exit: ChildExit; message: string }
  | { reason: "spawn-failed"; code: number; message: string };

export interface SupervisorOptions {
  command: string;
  args: string[];
  /** Environment of every start: stowaway's own (minus its Vault token) plus the secrets. */
  env: () => NodeJS.ProcessEnv;
  /** Sent to stop the child for a restart. Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** How long a stopping child gets before SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
  /** Default never: `stowaway exec` exits with the child's code. */
  restartOnExit?: RestartOnExit;
  /** Give up once the child has exited on its own `maxExits` times within `windowMs`. Default 5 in 10 s. */
  crashLoop?: { maxExits: number; windowMs: number };
  clock: Clock;
  log: Logger;
  metrics?: ExecMetrics;
  /** Injected for tests; node's spawn otherwise. */
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
}

/**
 * Runs one child with inherited stdio and keeps it running across secret changes: restart
 * (stop signal, timeout, SIGKILL, start with new values) or a signal. Every timer goes through
 * the injected clock.
 */
export class Supervisor {
  private child: ChildProcess | undefined;
  private childExited: Promise<ChildExit> | undefined;
  /** Set while we are stopping the child on purpose, so its exit is not taken as its own. */
  private expectingExit = false;
  private terminating = false;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly ownExits: number[] = [];
  private resolveDone!: (r: SupervisorResult) => void;
  /** Resolves once, when there is nothing more to run. */
  readonly done: Promise<SupervisorResult> = new Promise((r) => (this.resolveDone = r));
  private readonly stopSignal: NodeJS.Signals;
  private readonly stopTimeoutMs: number;
  private readonly restartOnExit: RestartOnExit;
  private readonly crashLoop: { maxExits: number; windowMs: number };
  private _restarts = 0;
  private _lastExit: ChildExit | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    this.stopSignal = opts.stopSignal ?? "SIGTERM";
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
    this.restartOnExit = opts.restartOnExit ?? "never";
    this.crashLoop = opts.crashLoop ?? { maxExits: 5, windowMs: 10_000 };
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }
  get restarts(): number {
    return this._restarts;
  }
  get lastExit(): ChildExit | undefined {
    return this._lastExit;
  }
  get isFinished(): boolean {
    return this.finished;
  }

  /** Starts the child. A command that cannot be started finishes the supervisor (126/127). */
  start(): void {
    if (this.finished || this.child) return;
    this.spawnChild();
  }

  /** Stops the child (stopSignal, then SIGKILL after stopTimeout) and starts it again with the current env. */
  restart(reason: string): Promise<void> {
    return this.serial(async () => {
      if (this.finished || this.terminating) return;
      if (this.child) {
        this.opts.log.info({ pid: this.child.pid, signal: this.stopSignal, reason }, "restarting the child");
        this.expectingExit = true;
        try {
          await this.stopChild(this.stopSignal);
        } finally {
          this.expectingExit = false;
        }
      }
      // A terminate signal that came in while the old child was stopping wins over the restart.
      if (this.finished || this.terminating) return;
      this._restarts++;
      this.opts.metrics?.restarts.inc({ reason });
      this.spawnChild();
    });
  }

  /** Sends `signal` to the running child and keeps it (onChange: signal, forwarded signals). */
  signal(signal: NodeJS.Signals, why: string): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    try {
      this.child!.kill(signal);
      this.opts.log.info({ pid, signal, reason: why }, "signalled the child");
      return true;
    } catch (err) {
      this.opts.log.warn({ pid, signal, err: { code: (err as NodeJS.ErrnoException).code } }, "could not signal the child");
      return false;
    }
  }

  /**
   * Our own SIGTERM/SIGINT (or /quit): pass it on, give the child stopTimeout, then SIGKILL.
   * The supervisor then finishes with the child's exit code. A second call kills at once.
   */
  terminate(signal: NodeJS.Signals, why: string): void {
    if (this.finished) return;
    if (this.terminating) {
      if (this.pid !== undefined) {
        this.opts.log.warn({ pid: this.pid, reason: why }, "second stop request: killing the child now");
        this.child!.kill("SIGKILL");
      }
      return;
    }
    this.terminating = true;
    if (!this.child) {
      // Between a stop and a start of a restart: nothing runs, nothing will.
      this.finish({
        reason: "stopped",
        code: this._lastExit ? exitCodeOf(this._lastExit) : 128 + (osConstants.signals[signal] ?? 15),
        exit: this._lastExit ?? { code: null, signal },
      });
      return;
    }
    this.opts.log.info({ pid: this.child.pid, signal, reason: why, stopTimeoutMs: this.stopTimeoutMs }, "stopping the child");
    void this.stopChild(signal);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(fn)
      .catch((err) => this.opts.log.error({ err: { code: (err as { code?: string }).code, message: (err as Error).message } }, "supervisor task failed"));
    return this.chain;
  }

  private spawnChild(): void {
    const spawn = this.opts.spawn ?? nodeSpawn;
    let child: ChildProcess;
    try {
      child = spawn(this.opts.command, this.opts.args, { stdio: "inherit", env: this.opts.env() });
    } catch (err) {
      // spawn throws synchronously for bad arguments (for example a NUL byte in the environment).
      this.spawnFailed(err as NodeJS.ErrnoException);
      return;
    }
    this.child = child;
    this.childExited = new Promise((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (err: NodeJS.ErrnoException) => {
        // No exit event follows a failed spawn.
        if (child.pid !== undefined) return;
        resolve({ code: null, signal: null });
        this.spawnFailed(err);
      });
    });
    this.childExited.then((exit) => this.onChildExit(child, exit));
    if (child.pid !== undefined) {
      this.opts.metrics?.pid.set(child.pid);
      this.opts.log.info({ pid: child.pid, command: this.opts.command }, "child started");
    }
  }

  private spawnFailed(err: NodeJS.ErrnoException): void {
    this.child = undefined;
    // The shell's codes: 127 not found, 126 found but not runnable.
    const code = err.code === "ENOENT" ? 127 : 126;
    const message = `cannot start ${this.opts.command}: ${err.code ?? err.name}`;
    this.opts.log.error({ command: this.opts.command, code: err.code }, message);
    this.finish({ reason: "spawn-failed", code, message });
  }

  private onChildExit(child: ChildProcess, exit: ChildExit): void {
    if (child.pid === undefined) return; // spawn failure, handled by spawnFailed
    if (this.child === child) this.child = undefined;
    this._lastExit = exit;
    this.opts.metrics?.pid.set(0);
    this.opts.metrics?.lastExitCode.set(exitCodeOf(exit));
    this.opts.metrics?.exits.inc();
    this.opts.log.info({ pid: child.pid, exitCode: exit.code, signal: exit.signal }, "child exited");
    // Checked first: a stop request during a restart ends everything with this exit.
    if (this.terminating) {
      this.finish({ reason: "stopped", code: exitCodeOf(exit), exit });
      return;
    }
    if (this.expectingExit) return; // a restart is stopping it
    const failed = exitCodeOf(exit) !== 0;
    const restart = this.restartOnExit === "always" || (this.restartOnExit === "on-failure" && failed);
    if (!restart) {
      this.finish({ reason: "exited", code: exitCodeOf(exit), exit });
      return;
    }
    const now = this.opts.clock.now();
    this.ownExits.push(now);
    while (this.ownExits.length > 0 && now - this.ownExits[0] > this.crashLoop.windowMs) this.ownExits.shift();
    if (this.ownExits.length >= this.crashLoop.maxExits) {
      const code = exitCodeOf(exit) || 1;
      const message = `the child is crash-looping: it exited ${this.ownExits.length} times within ${this.crashLoop.windowMs / 1000}s (last exit code ${exitCodeOf(exit)}); giving up`;
      this.opts.log.error({ exits: this.ownExits.length, windowMs: this.crashLoop.windowMs, exitCode: exit.code, signal: exit.signal }, message);
      this.finish({ reason: "crash-loop", code, exit, message });
      return;
    }
    void this.restart("exit");
  }

  /** Sends `signal`; after stopTimeout, SIGKILL. Resolves when the child is gone. */
  private async stopChild(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    const exited = this.childExited;
    if (!child || !exited || child.pid === undefined) return;
    const timer = this.opts.clock.setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      this.opts.log.warn({ pid: child.pid, stopTimeoutMs: this.stopTimeoutMs, signal }, "the child did not stop in time; sending SIGKILL");
      child.kill("SIGKILL");
    }, this.stopTimeoutMs);
    try {
      child.kill(signal);
    } catch {
      // Already gone: the exit event is on its way.
    }
    await exited;
    this.opts.clock.clearTimeout(timer);
  }

  private finish(result: SupervisorResult): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone(result);
  }
}
