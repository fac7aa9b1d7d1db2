import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { faultEnv, fileText, fixture, leaks, readyz, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Issue 8: config replaced with garbage, or with a path-traversal destination.
describe.concurrent("sidecar fault: bad config at reload", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  let outside: string;

  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: fixture("cfg0") } } });
    outside = mkdtempSync(path.join(os.tmpdir(), "stowaway-outside-"));
  });
  afterAll(async () => {
    await env?.close();
    rmSync(outside, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  it("garbage, traversal and absolute destinations are rejected; the running config keeps working", async () => {
    const { file, out } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`);
    const good = readFileSync(file, "utf8");
    const p = spawnSidecar(["--config", file]);
    const rejections = () => (p.output().match(/config reload rejected/g) ?? []).length;
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);

      const inline = fixture("inline"); // a secret-looking value inside the bad file must not be echoed
      const bad = [
        randomBytes(512), // binary garbage
        Buffer.from(`vault: [${inline}\n  :::\n\t- }{`), // broken YAML
        Buffer.from(
          good.replace(
            /secrets:\n[\s\S]*$/,
            `secrets:\n  - path: secret/data/app/db\n    file: ../../../${path.relative("/", outside)}/evil\n    format: raw\n    key: password\n`,
          ),
        ),
        Buffer.from(
          good.replace(/secrets:\n[\s\S]*$/, `secrets:\n  - path: secret/data/app/db\n    file: ${outside}/evil\n    format: raw\n    key: password\n`),
        ),
        Buffer.from(good.replace(/secrets:\n[\s\S]*$/, `secrets:\n  - path: secret/data/app/db\n    file: a/../../evil\n    format: raw\n    key: password\n`)),
        Buffer.from(good.replace("roleIdFile:", `roleId: ${inline}\n    roleIdFile:`)), // both set: invalid, and holds a value
        Buffer.from(""),
      ];
      for (const [i, bytes] of bad.entries()) {
        const n = rejections();
        writeFileSync(file, bytes);
        if (i % 2 === 1) p.child.kill("SIGHUP");
        await until(`bad config #${i} rejected`, () => rejections() > n, 8000, 50);
        expect(await readyz(base)).toBe(200);
      }
      expect(readdirSync(outside)).toEqual([]);
      expect(p.output()).toMatch(/must be relative to output.dir/);
      // A valid config that moves output.dir to persistent storage, or onto a symlink: refused at the swap.
      const disk = mkdtempSync(path.join(ROOT, "test/faults/.disk-"));
      try {
        symlinkSync(outside, path.join(env.tmpfs.dir, "link-out"));
        // Each refusal is awaited by its own words: one write may be read twice (the watch and the
        // periodic re-read), so a count of failures can be met by the previous config's second one.
        for (const [dir, refusal] of [
          [path.join(disk, "out"), /NOT_TMPFS/],
          [path.join(env.tmpfs.dir, "link-out"), /link-out is a symlink/],
        ] as const) {
          writeFileSync(file, good.replace(/^  dir: .*$/m, `  dir: ${dir}`));
          await until(`output.dir ${path.basename(dir)} refused`, () => refusal.test(p.output()), 8000, 50);
        }
        expect(p.output()).toMatch(/config reload failed; keeping the running config/);
        expect(readdirSync(disk)).toEqual([]);
        expect(readdirSync(outside)).toEqual([]);
      } finally {
        rmSync(disk, { recursive: true, force: true });
      }
      expect(await readyz(base)).toBe(200);
      // Still the old config: a change in Vault still lands in the old file.
      const v = fixture("cfg1");
      await env.kvPut("app/db", { password: v });
      await until("old config still refreshing", () => fileText(path.join(out, "db")) === v, 4000);
      // A deleted config file is logged once and changes nothing.
      rmSync(file);
      await p.waitFor(/config reload: cannot read the file/, 8000);
      expect(p.child.exitCode).toBeNull();
      writeFileSync(file, good);
    } finally {
      await p.stop();
    }
  }, 60_000);

  it("a destination under a symlink planted in the output dir is refused; other files keep working", async () => {
    const { file, out } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`);
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      mkdirSync(path.join(out, "real"), { recursive: true });
      symlinkSync(outside, path.join(out, "link"));
      writeFileSync(file, `${readFileSync(file, "utf8")}  - path: secret/data/app/db\n    file: link/evil\n    format: raw\n    key: password\n`);
      await p.waitFor(/PATH_ESCAPE/, 8000);
      expect(p.output()).toMatch(/link is a symlink; refusing to follow it/);
      await sleep(500);
      expect(readdirSync(outside)).toEqual([]);
      expect(existsSync(path.join(out, "db"))).toBe(true);
      expect(p.child.exitCode).toBeNull();
    } finally {
      await p.stop();
    }
  });
});
