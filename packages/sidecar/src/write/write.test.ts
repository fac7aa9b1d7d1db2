import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, promises as fs, rmSync, statSync, symlinkSync, writeFileSync, readdirSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { WriteError } from "../errors.js";
import { parseMountInfo, fsTypeOf } from "./tmpfs.js";
import { prepareOutputDir, writeAtomic, TEMP_PREFIX } from "./index.js";
import { skipBecause } from "../../../../test/helpers/skip.js";

const MOUNTINFO = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:26 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw
31 22 0:27 / /run/my\\040secrets rw - ramfs ramfs rw
32 30 8:1 /x /dev/shm/bind rw - ext4 /dev/sda1 rw
`;

describe("mountinfo", () => {
  it("parses mount points and types, decoding escapes", () => {
    expect(parseMountInfo(MOUNTINFO).map((m) => [m.mountPoint, m.fsType])).toEqual([
      ["/", "ext4"],
      ["/dev/shm", "tmpfs"],
      ["/run/my secrets", "ramfs"],
      ["/dev/shm/bind", "ext4"],
    ]);
  });
  it("picks the longest mount point", () => {
    expect(fsTypeOf("/", MOUNTINFO)).toBe("ext4");
    expect(fsTypeOf("/dev/shm", MOUNTINFO)).toBe("tmpfs");
  });
});

// /dev/shm is tmpfs on Linux; fall back to skipping where it is not.
const shmIsTmpfs = (() => {
  try {
    return fsTypeOf("/dev/shm") === "tmpfs";
  } catch {
    return false;
  }
})();

describe.skipIf(!shmIsTmpfs)("atomic write on tmpfs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync("/dev/shm/stowaway-write-");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes with the final mode, then skips identical content (mtime unchanged)", async () => {
    expect(await writeAtomic(dir, "db.env", Buffer.from("A=1\n"), { mode: 0o440 }, 0o700)).toBe(true);
    const f = path.join(dir, "db.env");
    const st1 = statSync(f);
    expect(st1.mode & 0o777).toBe(0o440);
    await new Promise((r) => setTimeout(r, 20));
    expect(await writeAtomic(dir, "db.env", Buffer.from("A=1\n"), { mode: 0o440 }, 0o700)).toBe(false);
    expect(statSync(f).mtimeMs).toBe(st1.mtimeMs);
    expect(await writeAtomic(dir, "db.env", Buffer.from("A=2\n"), { mode: 0o440 }, 0o700)).toBe(true);
    expect(await fs.readFile(f, "utf8")).toBe("A=2\n");
    expect(readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)("sets the owner before the rename", async () => {
    await writeAtomic(dir, "o", Buffer.from("x"), { mode: 0o400, uid: 1234, gid: 2345 }, 0o700);
    const st = statSync(path.join(dir, "o"));
    expect([st.uid, st.gid]).toEqual([1234, 2345]);
  });

  it("creates subdirectories", async () => {
    await writeAtomic(dir, "a/b/c.txt", Buffer.from("x"), { mode: 0o400 }, 0o750);
    expect(statSync(path.join(dir, "a")).mode & 0o777).toBe(0o750);
  });

  it("refuses symlinks and escapes", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), "outside-"));
    try {
      symlinkSync(path.join(outside, "target"), path.join(dir, "link"));
      symlinkSync(outside, path.join(dir, "linkdir"));
      await expect(writeAtomic(dir, "link", Buffer.from("x"), { mode: 0o400 }, 0o700)).rejects.toMatchObject({ code: "PATH_ESCAPE" });
      await expect(writeAtomic(dir, "linkdir/f", Buffer.from("x"), { mode: 0o400 }, 0o700)).rejects.toMatchObject({ code: "PATH_ESCAPE" });
      await expect(writeAtomic(dir, "../x", Buffer.from("x"), { mode: 0o400 }, 0o700)).rejects.toBeInstanceOf(WriteError);
      await expect(writeAtomic(dir, "/etc/x", Buffer.from("x"), { mode: 0o400 }, 0o700)).rejects.toBeInstanceOf(WriteError);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("a concurrent reader never sees a partial or empty file", async () => {
    const big = (n: number) => Buffer.from(`${String(n).repeat(200_000)}\n`);
    await writeAtomic(dir, "big", big(1), { mode: 0o600 }, 0o700);
    let stop = false;
    const seen = new Set<number>();
    const reader = (async () => {
      while (!stop) {
        const b = await fs.readFile(path.join(dir, "big"));
        seen.add(b.length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 2; i < 9; i++) await writeAtomic(dir, "big", big(i), { mode: 0o600 }, 0o700);
    stop = true;
    await reader;
    expect([...seen]).toEqual([200_001]);
  });

  it("prepareOutputDir creates 0700 (0750 with gid), removes stale temps", async () => {
    const out = path.join(dir, "out");
    await prepareOutputDir({ dir: out, allowNonTmpfs: false });
    expect(statSync(out).mode & 0o777).toBe(0o700);
    writeFileSync(path.join(out, `${TEMP_PREFIX}abc`), "stale");
    await prepareOutputDir({ dir: out, allowNonTmpfs: false });
    expect(readdirSync(out)).toEqual([]);
    const out2 = path.join(dir, "out2");
    await prepareOutputDir({ dir: out2, allowNonTmpfs: false, gid: process.getgid?.() });
    expect(statSync(out2).mode & 0o777).toBe(0o750);
  });
});

describe("prepareOutputDir on disk", () => {
  it("refuses a non-tmpfs dir unless allowed", async (ctx) => {
    const base = mkdtempSync(path.join(os.tmpdir(), "stowaway-disk-"));
    try {
      if (skipBecause(fsTypeOf(base) === "tmpfs", "TMPDIR is tmpfs, so there is no disk directory to refuse")) return ctx.skip();
      await expect(prepareOutputDir({ dir: path.join(base, "o"), allowNonTmpfs: false })).rejects.toMatchObject({ code: "NOT_TMPFS" });
      const ok = await prepareOutputDir({ dir: path.join(base, "o"), allowNonTmpfs: true });
      expect(ok.warning).toMatch(/not tmpfs/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
  it("refuses a symlinked output dir", async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "stowaway-disk-"));
    try {
      mkdirSync(path.join(base, "real"));
      symlinkSync(path.join(base, "real"), path.join(base, "link"));
      await expect(prepareOutputDir({ dir: path.join(base, "link"), allowNonTmpfs: true })).rejects.toMatchObject({ code: "PATH_ESCAPE" });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
