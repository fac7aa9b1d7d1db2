import { existsSync } from "node:fs";
import type { Worker } from "node:worker_threads";
import { lintTarget, type LintOptions, type TargetOutcome, type TargetRunner } from "./engine.js";
import type { LintTarget } from "./types.js";

/**
 * Runs over this many files use worker threads (issue 16). A worker costs about 50 ms of CPU to
 * start, its own heap and its own JIT warm-up: on a 2-core VM, 289 official-image Dockerfiles took
 * 0.60-0.66 s of wall time on the main thread alone and 0.78-0.81 s on 2 workers (with 60% more
 * CPU), 500 corpus files 2.1-2.3 s against 2.3-2.4 s, and the workers won from about 1,000 files.
 */
export const WORKER_THRESHOLD = 500;
/** Threads beyond this add memory (a heap each) faster than they save time on a lint run. */
const MAX_THREADS = 4;
/** The young generation of a worker's heap, in MB (V8's default lets it grow to 48). */
const WORKER_YOUNG_GENERATION_MB = 6;
/** Each thread gets at least this many files: below that, starting it costs more than it saves. */
const FILES_PER_THREAD = 250;

/**
 * How many threads to lint `files` files with: 1 is the main thread alone; N ≥ 2 is N workers while
 * the main thread hands out the files. `STOWAWAY_LINT_WORKERS` overrides it: `1` (or `0`) never
 * starts a worker, `N` ≥ 2 always uses N workers whatever the count (for tests and for machines
 * where the guess is wrong).
 */
export function lintThreads(files: number, env: NodeJS.ProcessEnv = process.env): number {
  const forced = env.STOWAWAY_LINT_WORKERS;
  if (forced !== undefined && forced.trim() !== "") {
    const n = Number(forced);
    if (Number.isInteger(n) && n >= 0) return Math.max(1, Math.min(n, 64));
  }
  if (files < WORKER_THRESHOLD) return 1;
  const cores = process.getBuiltinModule("node:os").availableParallelism();
  return Math.max(1, Math.min(cores, MAX_THREADS, Math.floor(files / FILES_PER_THREAD)));
}

/** What the main thread sends a worker. */
export type ToWorker = { type: "options"; key: number; options: LintOptions } | { type: "lint"; id: number; key: number; targets: LintTarget[] };
/** What a worker answers: the outcomes of one batch, in order, or why it could not lint them. */
export type FromWorker = { id: number; outcomes: TargetOutcome[] } | { id: number; error: { name: string; message: string } };

/** The worker's entry next to this module: the bundle's `lint-worker.js`, or tsc's output under dist/. */
function workerEntry(): URL {
  const beside = new URL("./lint-worker.js", import.meta.url);
  if (existsSync(beside)) return beside;
  // Running from source (vitest): the built worker of this package.
  const built = new URL("../dist/lint-worker.js", import.meta.url);
  if (existsSync(built)) return built;
  throw new Error("lint-worker.js not found: build the lint package (npm run build)");
}

/** One worker thread and its requests in flight. */
class Lane {
  private readonly pending = new Map<number, { resolve: (o: TargetOutcome[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  /** The options objects this worker has been sent, by identity, and their keys. */
  readonly sentOptions = new WeakMap<LintOptions, number>();

  constructor(readonly worker: Worker) {
    worker.on("message", (m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ("error" in m) p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else p.resolve(m.outcomes);
    });
    worker.on("error", (err) => this.fail(err));
    worker.on("exit", (code) => this.fail(new Error(`lint worker exited (code ${code})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  lint(key: number, targets: LintTarget[]): Promise<TargetOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: "lint", id, key, targets });
    });
  }
}

/**
 * Lints rounds of targets on `threads` workers. Each worker keeps two batches in flight so it
 * never waits for the main thread, which only hands out batches: its heap's young generation can
 * not be bounded once node has started (a worker's can, through resourceLimits), and linting there
 * too let it grow to 32 MB of semi-spaces; with the main thread idle, the whole-corpus peak RSS is
 * 130-139 MB instead of 150-156 MB for the same CPU (issue 16). Outcomes land in their target's
 * slot, so the order is the input's.
 */
export class LintPool implements TargetRunner {
  private readonly lanes: Lane[] = [];
  private nextKey = 0;
  private readonly keys = new WeakMap<LintOptions, number>();

  constructor(threads: number) {
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const entry = workerEntry();
    // A small young generation (semi-spaces of about 2 MB instead of up to 16): the worker's peak
    // RSS on the bench corpus drops by 30–40 MB and its CPU time does not move (issue 16).
    const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
    for (let i = 0; i < threads; i++) this.lanes.push(new Lane(new Worker(entry, { resourceLimits })));
  }

  get workers(): number {
    return this.lanes.length;
  }

  async run(targets: readonly LintTarget[], options: LintOptions): Promise<TargetOutcome[]> {
    const out = new Array<TargetOutcome>(targets.length);
    if (targets.length === 0) return out;
    if (this.lanes.length === 0) {
      // A pool of 0 workers lints on the main thread, one file at a time, as the engine's own runner.
      for (let i = 0; i < targets.length; i++) out[i] = await lintTarget(targets[i], options);
      return out;
    }
    let key = this.keys.get(options);
    if (key === undefined) this.keys.set(options, (key = this.nextKey++));
    const optionsKey = key;
    let next = 0;
    const threads = this.lanes.length;
    // Batches shrink as the round drains, so no thread is left with a long tail of files.
    const batch = () => Math.max(1, Math.min(16, Math.floor((targets.length - next) / (threads * 4))));

    const pump = async (lane: Lane) => {
      while (next < targets.length) {
        const from = next;
        next = Math.min(targets.length, next + batch());
        const outcomes = await lane.lint(optionsKey, targets.slice(from, next));
        for (let k = 0; k < outcomes.length; k++) out[from + k] = outcomes[k];
      }
    };
    const work = async (lane: Lane) => {
      if (lane.sentOptions.get(options) === undefined) {
        lane.send({ type: "options", key: optionsKey, options: { ...options } });
        lane.sentOptions.set(options, optionsKey);
      }
      await Promise.all([pump(lane), pump(lane)]);
    };
    // One failure ends the round for every thread (the run reports it, as a single thread would).
    const stopOnFailure = (task: Promise<void>) =>
      task.catch((err: unknown) => {
        next = targets.length;
        throw err;
      });
    await Promise.all(this.lanes.map((lane) => stopOnFailure(work(lane))));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}
