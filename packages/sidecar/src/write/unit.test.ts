import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  promises as fs,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../test/fake-clock.js";
import { WriteError } from "../errors.js";
import { fsTypeOf } from "./tmpfs.js";
import { removeStaleVersions, removeUnit, unitLayout, writeUnit, type UnitFile } from "./unit.js";

const shmIsTmpfs = (() => {
  try {
    return fsTypeOf("/dev/shm") === "tmpfs";
  } catch {
    return false;
  }
})();
const isRoot = process.getuid?.() === 0;

const pair = (n: number): UnitFile[] => [
  { name: "tls.crt", bytes: Buffer.from(`cert ${n}\n`), mode: 0o444 },
  { name: "tls.key", bytes: Buffer.from(`key ${n}\n`), mode: 0o400 },
];
const versions = (dir: string) => readdirSync(dir).filter((n) => /^\.\.\d{4}_/.test(n));

describe("unitLayout", () => {
  it("takes one directory per unit and refuses escapes, clashes and reserved names", () => {
    expect(unitLayout([{ name: "tls/a.crt" }, { name: "tls/a.key" }])).toEqual({ dir: "tls", names: ["a.crt", "a.key"] });
    expect(unitLayout([{ name: "a" }])).toEqual({ dir: ".", names: ["a"] });
    const bad: [{ name: string }[], string | undefined, string][] = [
      [[{ name: "../x" }], undefined, "must stay inside"],
      [[{ name: "/etc/x" }], undefined, "must stay inside"],
      [[{ name: "a/x" }, { name: "b/y" }], undefined, "share a directory"],
      [[{ name: "x" }, { name: "x" }], undefined, "twice"],
      [[{ name: "..data" }], undefined, "the unit's own"],
      [[{ name: "x" }], "a/b", "unit name"],
      [[], undefined, "at least one file"],
    ];
    for (const [files, unit, msg] of bad) expect(() => unitLayout(files, unit), JSON.stringify(files)).toThrow(msg);
  });
});

describe.skipIf(!shmIsTmpfs)("writeUnit on tmpfs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync("/dev/shm/stowaway-unit-");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("publishes stable symlinks through ..data to one version directory, with the modes asked", async () => {
    expect(await writeUnit(dir, pair(1), { dirMode: 0o700, requireTmpfs: true })).toBe(true);
    expect(readlinkSync(path.join(dir, "tls.crt"))).toBe("..data/tls.crt");
    expect(readlinkSync(path.join(dir, "tls.key"))).toBe("..data/tls.key");
    expect(readlinkSync(path.join(dir, "..data"))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.[0-9a-f]{12}$/);
    expect(readFileSync(path.join(dir, "tls.key"), "utf8")).toBe("key 1\n");
    expect(statSync(path.join(dir, "tls.key")).mode & 0o777).toBe(0o400);
    expect(statSync(path.join(dir, "tls.crt")).mode & 0o777).toBe(0o444);
    expect(statSync(path.join(dir, "..data")).mode & 0o777).toBe(0o700);
    expect(versions(dir)).toHaveLength(1);
  });

  it("skips an identical unit, and a rotation leaves one version and no temp", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o700, graceMs: 0 });
    const v1 = readlinkSync(path.join(dir, "..data"));
    expect(await writeUnit(dir, pair(1), { dirMode: 0o700, graceMs: 0 })).toBe(false);
    expect(readlinkSync(path.join(dir, "..data"))).toBe(v1);
    // A mode change alone is a change.
    expect(await writeUnit(dir, [pair(1)[0], { ...pair(1)[1], mode: 0o440 }], { dirMode: 0o700, graceMs: 0 })).toBe(true);
    expect(await writeUnit(dir, pair(2), { dirMode: 0o700, graceMs: 0 })).toBe(true);
    expect(readlinkSync(path.join(dir, "..data"))).not.toBe(v1);
    expect(readFileSync(path.join(dir, "tls.crt"), "utf8")).toBe("cert 2\n");
    expect(readdirSync(dir).sort()).toEqual(["..data", ...versions(dir), "tls.crt", "tls.key"].sort());
    expect(versions(dir)).toHaveLength(1);
  });

  it("keeps replaced versions for the grace period only", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o700, graceMs: 200 });
    await writeUnit(dir, pair(2), { dirMode: 0o700, graceMs: 200 });
    expect(versions(dir)).toHaveLength(2);
    await writeUnit(dir, pair(3), { dirMode: 0o700, graceMs: 200 });
    expect(versions(dir)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(versions(dir)).toEqual([readlinkSync(path.join(dir, "..data"))]);
  });

  it("times the grace period on the injected clock (an unref'd timer)", async () => {
    const clock = new FakeClock();
    await writeUnit(dir, pair(1), { dirMode: 0o700, graceMs: 2000, clock });
    await writeUnit(dir, pair(2), { dirMode: 0o700, graceMs: 2000, clock });
    expect(versions(dir)).toHaveLength(2);
    expect(clock.pending()).toEqual([{ in: 2010, delay: 2010 }]);
    expect(clock.unrefs).toEqual([true]);
    // Real time passing does nothing; clock time past the grace period removes the replaced version.
    await clock.advance(1000);
    expect(versions(dir)).toHaveLength(2);
    await clock.advance(1010);
    await vi.waitFor(() => expect(versions(dir)).toEqual([readlinkSync(path.join(dir, "..data"))]));
  });

  it("named units share a directory without touching each other", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o700, unit: "web", graceMs: 0 });
    await writeUnit(
      dir,
      [
        { name: "db.env", bytes: Buffer.from("A=1\n"), mode: 0o400 },
        { name: "db.json", bytes: Buffer.from("{}"), mode: 0o400 },
      ],
      { dirMode: 0o700, unit: "db", graceMs: 0 },
    );
    await writeUnit(dir, pair(2), { dirMode: 0o700, unit: "web", graceMs: 0 });
    expect(readlinkSync(path.join(dir, "db.env"))).toBe("..db.data/db.env");
    expect(readFileSync(path.join(dir, "db.env"), "utf8")).toBe("A=1\n");
    expect(readFileSync(path.join(dir, "tls.crt"), "utf8")).toBe("cert 2\n");
    expect(readdirSync(dir).filter((n) => n.startsWith("..db.2"))).toHaveLength(1);
    expect(readdirSync(dir).filter((n) => n.startsWith("..web.2"))).toHaveLength(1);
    await removeUnit(dir, ["tls.crt", "tls.key"], "web");
    expect(readdirSync(dir).filter((n) => n.includes("web") || n.startsWith("tls"))).toEqual([]);
    expect(readFileSync(path.join(dir, "db.json"), "utf8")).toBe("{}");
  });

  it("replaces plain files left by an earlier write, and drops a stable name the unit no longer has", async () => {
    writeFileSync(path.join(dir, "tls.crt"), "old plain file");
    await writeUnit(dir, [...pair(1), { name: "ca.crt", bytes: Buffer.from("ca"), mode: 0o444 }], { dirMode: 0o700 });
    expect(lstatSync(path.join(dir, "tls.crt")).isSymbolicLink()).toBe(true);
    await writeUnit(dir, pair(2), { dirMode: 0o700 });
    expect(readdirSync(dir)).not.toContain("ca.crt");
  });

  it("writes into a subdirectory, refuses a symlinked one", async () => {
    await writeUnit(dir, [{ name: "tls/tls.crt", bytes: Buffer.from("c"), mode: 0o444 }], { dirMode: 0o700 });
    expect(readlinkSync(path.join(dir, "tls", "tls.crt"))).toBe("..data/tls.crt");
    mkdirSync(path.join(dir, "elsewhere"));
    symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "link"));
    await expect(writeUnit(dir, [{ name: "link/x", bytes: Buffer.from("c"), mode: 0o444 }], { dirMode: 0o700 })).rejects.toThrow(/symlink/);
    mkdirSync(path.join(dir, "adir"));
    await expect(writeUnit(dir, [{ name: "adir", bytes: Buffer.from("c"), mode: 0o444 }], { dirMode: 0o700 })).rejects.toThrow(/not a file or symlink/);
  });

  it("refuses a non-tmpfs directory when asked to check", async () => {
    const mountinfo = `22 1 8:1 / / rw - ext4 /dev/sda1 rw\n`;
    const err = await writeUnit(dir, pair(1), { dirMode: 0o700, requireTmpfs: true, mountinfo }).catch((e) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect(err.code).toBe("NOT_TMPFS");
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!isRoot)("sets owner and group on the files and the version directory", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o750, uid: 1234, gid: 2345 });
    const key = statSync(path.join(dir, "tls.key"));
    expect([key.uid, key.gid]).toEqual([1234, 2345]);
    const v = statSync(path.join(dir, "..data"));
    expect(v.gid).toBe(2345);
    expect(await writeUnit(dir, pair(1), { dirMode: 0o750, uid: 1234, gid: 2345 })).toBe(false);
  });

  it("removeStaleVersions clears versions a crash left unpublished", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o700 });
    mkdirSync(path.join(dir, "..2026_01_01_00_00_00.aaaaaaaaaaaa"));
    symlinkSync("x", path.join(dir, ".stowaway-tmp-link-123"));
    await removeStaleVersions(dir, ".");
    expect(versions(dir)).toEqual([readlinkSync(path.join(dir, "..data"))]);
    expect(readdirSync(dir).filter((n) => n.startsWith(".stowaway"))).toEqual([]);
  });
});

describe.skipIf(!isRoot)("writeUnit when the disk fills", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-unitfull-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
  });
  afterEach(() => {
    execFileSync("umount", [dir], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the published version and leaves nothing behind", async () => {
    await writeUnit(dir, pair(1), { dirMode: 0o700 });
    const before = readdirSync(dir).sort();
    const big = [pair(2)[0], { name: "tls.key", bytes: Buffer.alloc(200_000, 0x41), mode: 0o400 }];
    const err = await writeUnit(dir, big, { dirMode: 0o700 }).catch((e) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect(err.message).toContain("ENOSPC");
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(await fs.readFile(path.join(dir, "tls.crt"), "utf8")).toBe("cert 1\n");
    expect(await fs.readFile(path.join(dir, "tls.key"), "utf8")).toBe("key 1\n");
  });
});
