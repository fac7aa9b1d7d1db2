// Issue 19: output.dir was checked for tmpfs once, at its top. A disk bind-mounted into a
// subdirectory of a tmpfs output.dir received secrets silently. Now the filesystem of the
// directory each file is actually written into is checked (statfs on its open handle).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { writeAtomic } from "../../packages/sidecar/src/write/index.js";
import { mountTmpfs } from "../sidecar/helpers.js";
import { faultEnv, fileText, fixture, isRoot, leaks, spawnSidecar } from "./sidecar-helpers.js";

const skipNote = isRoot ? "" : " (skipped: needs root to bind-mount)";

describe.skipIf(!isRoot)(`a disk bind-mounted below a tmpfs output.dir${skipNote}`, () => {
  let tmpfs: ReturnType<typeof mountTmpfs>;
  let disk: string;
  let root: string;
  let env: Awaited<ReturnType<typeof faultEnv>>;
  let bound = false;
  const password = fixture("bind");

  beforeAll(async () => {
    tmpfs = mountTmpfs("4m");
    root = path.join(tmpfs.dir, "out");
    mkdirSync(path.join(root, "disk"), { recursive: true });
    // /var/tmp is on the root disk here; the test is pointless when it is not.
    disk = mkdtempSync("/var/tmp/stowaway-bind-disk-");
    execFileSync("mount", ["--bind", disk, path.join(root, "disk")], { stdio: "ignore" });
    bound = true;
    env = await faultEnv({ kv2: { "app/db": { password } } });
  });
  afterAll(async () => {
    try {
      if (bound) {
        try {
          execFileSync("umount", [path.join(root, "disk")], { stdio: "ignore" });
        } catch {
          execFileSync("umount", ["-l", path.join(root, "disk")], { stdio: "ignore" });
        }
      }
    } finally {
      // Only once nothing is mounted on it: never delete through a live bind mount.
      if (disk) rmSync(disk, { recursive: true, force: true });
      tmpfs?.cleanup();
      await env?.close();
    }
    expect(leaks.check()).toEqual([]);
  });

  it("writeAtomic refuses the file in the disk, writes the one beside it", async () => {
    await expect(writeAtomic(root, "disk/db.env", Buffer.from("P=1\n"), { mode: 0o400 }, 0o700)).rejects.toMatchObject({
      code: "NOT_TMPFS",
      message: expect.stringMatching(/disk \(inside output\.dir\) is not on tmpfs/),
    });
    expect(readdirSync(disk)).toEqual([]);
    expect(await writeAtomic(root, "top.env", Buffer.from("P=1\n"), { mode: 0o400 }, 0o700)).toBe(true);
    // A new subdirectory created on the tmpfs itself is fine.
    expect(await writeAtomic(root, "fresh/db.env", Buffer.from("P=1\n"), { mode: 0o400 }, 0o700)).toBe(true);
    // allowNonTmpfs is the operator's explicit choice.
    expect(await writeAtomic(root, "disk/ok.env", Buffer.from("P=1\n"), { mode: 0o400 }, 0o700, { allowNonTmpfs: true })).toBe(true);
    rmSync(path.join(disk, "ok.env"));
  });

  it("the real CLI refuses it and says why; nothing reaches the disk", async () => {
    const { file } = env.config("  - path: secret/data/app/db\n    file: disk/db.env\n    format: raw\n    key: password\n", { out: root });
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "1s"]);
    const r = await p.exited;
    expect(r.code).toBe(2);
    expect(p.output()).toMatch(/NOT_TMPFS.*disk \(inside output\.dir\) is not on tmpfs or ramfs/);
    expect(readdirSync(disk)).toEqual([]);
    expect(fileText(path.join(root, "disk/db.env"))).toBeUndefined();
  });
});
