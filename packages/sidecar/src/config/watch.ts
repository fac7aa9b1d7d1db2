import { watch } from "chokidar";
import { type Clock, systemClock } from "../schedule/clock.js";

export interface ConfigWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` after the file settles. chokidar's events are lossy (leading-edge
 * throttle, change on truncate), so we wait for the write to finish, debounce on the
 * trailing edge, and also poll on an interval; the caller re-reads and compares a hash.
 * Timers run on `clock` and are unref'd: watching alone never keeps the process alive.
 */
export function watchConfig(
  file: string,
  onChange: (reason: string) => void,
  opts: { debounceMs?: number; pollMs?: number; clock?: Clock } = {},
): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 300;
  const pollMs = opts.pollMs ?? 5000;
  const clock = opts.clock ?? systemClock;
  let timer: unknown;
  let poll: unknown;
  let closed = false;
  const fire = (reason: string) => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        onChange(reason);
      },
      debounceMs,
      { unref: true },
    );
  };
  const schedulePoll = () => {
    poll = clock.setTimeout(
      () => {
        if (closed) return;
        schedulePoll();
        onChange("periodic re-read");
      },
      pollMs,
      { unref: true },
    );
  };
  const watcher = watch(file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
  watcher.on("change", () => fire("file changed"));
  watcher.on("add", () => fire("file added"));
  watcher.on("error", () => fire("watch error"));
  schedulePoll();
  return {
    async close() {
      closed = true;
      clock.clearTimeout(poll);
      if (timer !== undefined) clock.clearTimeout(timer);
      await watcher.close();
    },
  };
}
