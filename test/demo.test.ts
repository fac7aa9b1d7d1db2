import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/cli.js";

describe("npm run demo", () => {
  it("lints the gallery, renders with the sidecar, rotates and notifies, cleans up, in under 20 s", () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/demo.mjs")], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/examples\/dockerfiles\/bad\/Dockerfile\.tokens/);
    expect(r.stdout).toMatch(/first render in \d+ ms/);
    expect(r.stdout).toMatch(/db\.env rewritten \d+ ms after the write/);
    expect(r.stdout).toMatch(/app got SIGHUP \d+ ms after the write/);
    expect(r.stdout).toMatch(/sidecar exited with 0/);
    // The demo's passwords are random `pw-…` strings: only their redacted form may appear.
    expect(r.stdout).not.toMatch(/pw2?-[A-Za-z0-9_-]{4,}/);
  });
});
