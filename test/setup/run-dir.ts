// Vitest globalSetup: one scratch directory per test run, shared by its workers through the
// environment, so two runs on one machine (say, two checkouts) never read each other's files.
// The sidecar leak collector keeps its records here. Removed when the run ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): (() => void) | undefined {
  // Each vitest project runs this; the first one creates and owns the directory.
  if (process.env.STOWAWAY_TEST_RUN_DIR) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "stowaway-test-run-"));
  process.env.STOWAWAY_TEST_RUN_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
