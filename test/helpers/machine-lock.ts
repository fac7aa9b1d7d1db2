import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A lock shared by every test run on this machine, for a test that needs something only one
 * process can hold at a time (the README tour's fixed ports 8200 and 8099 and its /dev/shm
 * directory). Two suites side by side take turns instead of sharing one vault-dev and killing it
 * under each other. Lives in /tmp, outside the per-run TMPDIR, so that other runs see it.
 * A lock whose holder is gone (a run killed mid-test) is taken over.
 */
export async function withMachineLock<T>(name: string, fn: () => Promise<T>, waitMs = 300_000): Promise<T> {
  const dir = join("/tmp", `stowaway-test-lock-${name}`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (holderGone(dir)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${dir} is still held by pid ${holderPid(dir)} after ${waitMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function holderPid(dir: string): number | undefined {
  try {
    const text = readFileSync(join(dir, "pid"), "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function holderGone(dir: string): boolean {
  const pid = holderPid(dir);
  // No pid yet: the holder is between mkdir and writing it; wait rather than steal.
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
