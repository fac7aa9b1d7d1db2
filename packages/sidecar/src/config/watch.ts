import { watch } from "chokidar";

export interface ConfigWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` after the file settles. chokidar's events are lossy (leading-edge
 * throttle, change on truncate), so we wait for the write to finish, debounce on the
 * trailing edge, and also poll on an interval; the caller re-reads and compares a hash.
 */
export function watchConfig(file: string, onChange: (reason: string) => void, opts: { debounceMs?: number; pollMs?: number } = {}): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  const fire = (reason: string) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => onChange(reason), debounceMs);
    timer.unref();
  };
  const watcher = watch(file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
  watcher.on("change", () => fire("file changed"));
  watcher.on("add", () => fire("file added"));
  watcher.on("error", () => fire("watch error"));
  const poll = setInterval(() => onChange("periodic re-read"), opts.pollMs ?? 5000);
  poll.unref();
  return {
    async close() {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
