// Issue 19: `file: sub/db.env` was checked with lstat, then open(tmp) and rename resolved the
// path again; swapping `sub` for a symlink in between wrote the secret outside output.dir. A
// child process swaps `sub` for a symlink to a directory outside output.dir in a tight loop,
// while 1,000 rotations are written. Nothing, not even a temp file, may appear outside, and no
// temp file may be left inside.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import path from "node:path";
import { writeAtomic, TEMP_PREFIX } from "../../packages/sidecar/src/write/index.js";
import { fileText, makeTmpfs } from "../sidecar/helpers.js";
import { faultEnv, fixture, leaks, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

/** Renames `sub` away, puts a symlink to `target` in its place, then puts it back; forever. */
const SWAPPER = `
const fs = require("node:fs");
const [sub, target] = process.argv.slice(1);
let i = 0;
for (;;) {
  const hold = sub + ".hold" + (i++ % 4);
  try { fs.renameSync(sub, hold); } catch { continue; }
  try { fs.symlinkSync(target, sub); } catch {}
  try { fs.unlinkSync(sub); } catch {}
  try { fs.renameSync(hold, sub); } catch { fs.rmSync(hold, { recursive: true, force: true }); }
}
`;

function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => path.join(e.parentPath, e.name));
}

describe("a subdirectory swapped for a symlink during rotation", () => {
  let tmpfs: { dir: string; cleanup(): void };
  let swapper: ChildProcess | undefined;
  beforeEach(() => {
    tmpfs = makeTmpfs();
  });
  afterEach(async () => {
    if (swapper && swapper.exitCode === null && swapper.signalCode === null) {
      const gone = new Promise((r) => swapper!.once("exit", r));
      swapper.kill("SIGKILL");
      await gone;
    }
    tmpfs.cleanup();
  });

  it("1,000 rotations never put a byte outside output.dir, and leave no temp file", async () => {
    // Same filesystem on purpose: a rename through the symlink would succeed there.
    const root = path.join(tmpfs.dir, "out");
    const outside = path.join(tmpfs.dir, "outside");
    mkdirSync(path.join(root, "sub"), { recursive: true });
    mkdirSync(outside);
    swapper = spawn(process.execPath, ["-e", SWAPPER, path.join(root, "sub"), outside], { stdio: "ignore" });
    const outcomes = new Map<string, number>();
    let written = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        if (await writeAtomic(root, "sub/db.env", Buffer.from(`PASSWORD=rotation-${i}\n`), { mode: 0o400 }, 0o700)) written++;
      } catch (err) {
        const code = (err as { code?: string }).code ?? "?";
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const gone = new Promise((r) => swapper!.once("exit", r));
    swapper.kill("SIGKILL");
    await gone;
    console.log(`race: ${written} written, refused ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect(listAll(outside)).toEqual([]);
    expect(listAll(root).filter((p) => path.basename(p).startsWith(TEMP_PREFIX))).toEqual([]);
    // Failures are typed refusals, never raw errors; most rotations still land.
    expect([...outcomes.keys()].filter((c) => c !== "PATH_ESCAPE" && c !== "WRITE_FAILED")).toEqual([]);
    expect(written).toBeGreaterThan(0);
    // Without the swapper (killed anywhere in its loop: undo its last swap), the next rotation lands where it should.
    const sub = path.join(root, "sub");
    if (lstatSync(sub, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(sub);
    for (const e of readdirSync(root)) if (e.startsWith("sub.hold")) rmSync(path.join(root, e), { recursive: true });
    expect(await writeAtomic(root, "sub/db.env", Buffer.from("PASSWORD=final\n"), { mode: 0o400 }, 0o700)).toBe(true);
    expect(fileText(path.join(sub, "db.env"))).toBe("PASSWORD=final\n");
  });

  it("the real CLI, rotating every second while `sub` is swapped: nothing outside, refusals logged", async () => {
    const env = await faultEnv({ kv2: { "app/db": { password: fixture("race0") } } });
    try {
      const root = path.join(tmpfs.dir, "cli-out");
      const outside = path.join(tmpfs.dir, "cli-outside");
      mkdirSync(outside);
      const { file } = env.config("  - path: secret/data/app/db\n    file: sub/db.env\n    format: raw\n    key: password\n", { out: root });
      const p = spawnSidecar(["--config", file]);
      try {
        await p.baseUrl();
        await until("first render", () => fileText(path.join(root, "sub/db.env")) !== undefined);
        swapper = spawn(process.execPath, ["-e", SWAPPER, path.join(root, "sub"), outside], { stdio: "ignore" });
        // About eight rotations (refreshInterval 1s) against the swapping loop.
        for (let i = 1; i <= 8; i++) {
          await env.kvPut("app/db", { password: fixture(`race${i}`) });
          await sleep(1000);
          expect(listAll(outside)).toEqual([]);
        }
        const gone = new Promise((r) => swapper!.once("exit", r));
        swapper.kill("SIGKILL");
        await gone;
        expect(listAll(outside)).toEqual([]);
        expect(p.output()).toMatch(/PATH_ESCAPE/);
        // Undo the swapper's last step; the next rotation lands in place.
        const sub = path.join(root, "sub");
        if (lstatSync(sub, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(sub);
        for (const e of readdirSync(root)) if (e.startsWith("sub.hold")) rmSync(path.join(root, e), { recursive: true });
        const last = fixture("race-last");
        await env.kvPut("app/db", { password: last });
        await until("a rotation after the race", () => fileText(path.join(sub, "db.env")) === last, 8000);
        expect(listAll(root).filter((f) => path.basename(f).startsWith(TEMP_PREFIX))).toEqual([]);
        expect(p.child.exitCode).toBeNull();
      } finally {
        await p.stop();
      }
    } finally {
      await env.close();
      expect(leaks.check()).toEqual([]);
    }
  });
});
