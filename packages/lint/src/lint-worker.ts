import { parentPort } from "node:worker_threads";
import { lintTarget, type LintOptions, type TargetOutcome } from "./engine.js";
import type { FromWorker, ToWorker } from "./parallel.js";

// A lint worker (parallel.ts): lints the batches the main thread sends, one at a time, in order.
// Options arrive once per configuration group and are kept, so caches keyed by them (name
// classes, compiled allow lists) live for the whole run, as they do on the main thread.
const port = parentPort;
if (!port) throw new Error("lint-worker.js runs as a worker thread only");
const optionsByKey = new Map<number, LintOptions>();
let queue: Promise<void> = Promise.resolve();

port.on("message", (m: ToWorker) => {
  if (m.type === "options") {
    optionsByKey.set(m.key, m.options);
    return;
  }
  queue = queue.then(async () => {
    let answer: FromWorker;
    try {
      const options = optionsByKey.get(m.key);
      if (!options) throw new Error(`lint worker: no options for key ${m.key}`);
      const outcomes: TargetOutcome[] = [];
      for (const target of m.targets) outcomes.push(await lintTarget(target, options));
      answer = { id: m.id, outcomes };
    } catch (err) {
      answer = { id: m.id, error: { name: (err as Error)?.name ?? "Error", message: (err as Error)?.message ?? String(err) } };
    }
    port.postMessage(answer);
  });
});
