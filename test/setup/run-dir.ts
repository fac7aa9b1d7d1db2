// Vitest globalSetup: one scratch directory per test run, shared by its workers through the
// environment, so two runs on one machine (say, two checkouts) never read each other's files.
// - The sidecar leak collector keeps its records in it.
// - TMPDIR points into it, so every temp directory a test (or a process it spawns) makes with
//   os.tmpdir() is removed with it when the run ends, even when the test forgot or failed first.
//   What tests left behind is listed, so that they can be fixed.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): (() => void) | undefined {
  // Each vitest project runs this; the first one creates and owns the directory.
  if (process.env.STOWAWAY_TEST_RUN_DIR) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "stowaway-test-run-"));
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const previousTmp = process.env.TMPDIR;
  process.env.STOWAWAY_TEST_RUN_DIR = dir;
  process.env.TMPDIR = tmp;
  return () => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
    const left = readdirSync(tmp);
    if (left.length > 0) console.log(`tests left ${left.length} temp entr${left.length === 1 ? "y" : "ies"} (removed now): ${left.slice(0, 20).join(", ")}`);
    unmountBelow(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** A tmpfs a failed test left mounted below the run directory would make the removal fail. */
function unmountBelow(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[1] ?? "")
      .filter((m) => m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    console.log(`a test left ${m} mounted; unmounting it`);
    try {
      execFileSync("umount", ["-l", m], { stdio: "ignore" });
    } catch {
      // Nothing more to do here; rmSync below reports what stays.
    }
  }
}
