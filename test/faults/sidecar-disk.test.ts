import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { faultEnv, fileText, fixture, isRoot, leaks, NEED_ROOT, readyz, sleep, smallTmpfs, spawnSidecar, tempFiles, until } from "./sidecar-helpers.js";

/** A unique value of about `kb` KiB, registered for the leak check. */
const big = (label: string, kb: number) => {
  const v = `${fixture(label)}-${randomBytes(kb * 768).toString("base64url")}`;
  leaks.secret(v);
  return v;
};

const skipNote = isRoot ? "" : ` (skipped: ${NEED_ROOT})`;

// Issue 8: tmpfs full, output dir deleted, output dir made read-only under the sidecar.
// Independent sidecars, tmpfs mounts and KV paths: the three run at once.
describe.concurrent("sidecar fault: the output filesystem misbehaves", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  const small = big("big0", 10);

  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/big": { v: small }, "app/db": { password: fixture("disk0") }, "app/db2": { password: fixture("disk2") } } });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it.skipIf(!isRoot)(`tmpfs full: old file intact, temp file removed, error logged, recovers when space frees${skipNote}`, async () => {
    const fs64 = smallTmpfs("64k");
    const out = path.join(fs64.dir, "out");
    const { file } = env.config(`  - path: secret/data/app/big\n    file: big\n    format: raw\n    key: v\n`, { out });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      expect(readFileSync(path.join(out, "big"), "utf8")).toBe(small);
      // Leave less room than the grown secret needs (tmpfs counts 4 KiB pages).
      const filler = path.join(fs64.dir, "filler");
      writeFileSync(filler, Buffer.alloc(36 * 1024));
      const grown = big("big1", 24);
      await env.kvPut("app/big", { v: grown });
      await p.waitFor(/ENOSPC/, 5000);
      expect(p.output()).toMatch(/"level":"error".*"file":"big".*ENOSPC/);
      for (let i = 0; i < 10; i++) {
        expect(readFileSync(path.join(out, "big"), "utf8")).toBe(small);
        await sleep(100);
      }
      expect(tempFiles(fs64.dir)).toEqual([]);
      expect(p.child.exitCode).toBeNull();
      await until("/readyz reports it", async () => (await readyz(base)) === 503, 3000);
      rmSync(filler);
      await until("recovered once space frees", () => fileText(path.join(out, "big")) === grown, 4000);
      expect(tempFiles(fs64.dir)).toEqual([]);
      expect(statSync(path.join(out, "big")).mode & 0o777).toBe(0o400);
      await until("ready again", async () => (await readyz(base)) === 200, 3000);
      // Grown past the whole filesystem: same story.
      await env.kvPut("app/big", { v: big("big2", 80) });
      await until("second ENOSPC", () => (p.output().match(/ENOSPC/g) ?? []).length >= 3, 5000);
      expect(readFileSync(path.join(out, "big"), "utf8")).toBe(grown);
      expect(tempFiles(fs64.dir)).toEqual([]);
    } finally {
      await p.stop();
      fs64.cleanup();
    }
  });

  it.skipIf(!isRoot)(`output dir remounted read-only: clear error, keeps retrying, no crash; recovers when writable${skipNote}`, async () => {
    const ro = smallTmpfs("1m");
    const out = path.join(ro.dir, "out");
    const { file } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`, { out });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const before = readFileSync(path.join(out, "db"));
      ro.remount("ro");
      const v = fixture("disk1");
      await env.kvPut("app/db", { password: v });
      await p.waitFor(/EROFS/, 4000);
      expect(p.output()).toMatch(/"level":"error".*"file":"db".*read-only/);
      await until("several retries", () => (p.output().match(/EROFS/g) ?? []).length >= 3, 5000);
      expect(readFileSync(path.join(out, "db")).equals(before)).toBe(true);
      expect(p.child.exitCode).toBeNull();
      await until("/readyz reports it", async () => (await readyz(base)) === 503, 3000);
      ro.remount("rw");
      await until("recovered when writable", () => fileText(path.join(out, "db")) === v, 4000);
      await until("ready again", async () => (await readyz(base)) === 200, 3000);
    } finally {
      await p.stop();
      ro.cleanup();
    }
  });

  it("output dir deleted under it: clear error, no crash, files come back with their modes", async () => {
    const { file, out } = env.config(
      `  - path: secret/data/app/db2\n    file: db\n    format: raw\n    key: password\n  - path: secret/data/app/db2\n    file: sub/db.env\n`,
    );
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const before = readFileSync(path.join(out, "db"));
      rmSync(out, { recursive: true, force: true });
      // Nothing changed in Vault: the sidecar must still notice its files are gone.
      await p.waitFor(/output.dir.*(gone|missing|does not exist)/, 4000);
      await until("files back", () => existsSync(path.join(out, "db")) && existsSync(path.join(out, "sub/db.env")), 4000);
      expect(readFileSync(path.join(out, "db")).equals(before)).toBe(true);
      expect(statSync(out).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(out, "sub")).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(out, "db")).mode & 0o777).toBe(0o400);
      // One file deleted: rewritten too.
      rmSync(path.join(out, "sub/db.env"));
      await until("file back", () => existsSync(path.join(out, "sub/db.env")), 4000);
      expect(p.child.exitCode).toBeNull();
      await until("ready", async () => (await readyz(base)) === 200, 3000);
    } finally {
      await p.stop();
    }
  });
});
