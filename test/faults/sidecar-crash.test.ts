import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { faultEnv, fixture, leaks, readyz, spawnSidecar, tempFiles, until } from "./sidecar-helpers.js";

const N = 30;
const value = (round: number, i: number) => {
  // ~24 KiB each, unique per round: a torn file would show as a mix or a truncation.
  const v = `${fixture(`crash${round}-${i}`)}-${randomBytes(18 * 1024).toString("base64url")}`;
  leaks.secret(v);
  return v;
};

// Issue 8: crash mid-write (SIGKILL during a render loop); on restart stale temps go and files are whole.
describe("sidecar fault: SIGKILL mid-write", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  const known = new Map<number, Set<string>>();

  beforeAll(async () => {
    env = await faultEnv({});
    for (let i = 0; i < N; i++) known.set(i, new Set());
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  async function bump(round: number): Promise<void> {
    await Promise.all(
      Array.from({ length: N }, (_, i) => {
        const v = value(round, i);
        known.get(i)!.add(v);
        return env.kvPut(`crash/s${i}`, { v });
      }),
    );
  }

  it("files are always whole; stale temp files are removed at the next start", async () => {
    await bump(0);
    const secrets = Array.from(
      { length: N },
      (_, i) => `  - path: secret/data/crash/s${i}\n    file: ${i % 2 ? "sub/" : ""}s${i}\n    format: raw\n    key: v\n`,
    ).join("");
    const { file, out } = env.config(secrets, { refresh: "200ms" });
    const checkWhole = () => {
      for (let i = 0; i < N; i++) {
        const text = readFileSync(path.join(out, `${i % 2 ? "sub/" : ""}s${i}`), "utf8");
        expect(known.get(i)!.has(text), `file s${i} is not one of the values written (${text.length} bytes)`).toBe(true);
      }
    };
    let leftBehind = 0;
    for (let round = 1; round <= 3; round++) {
      const p = spawnSidecar(["--config", file]);
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200, 10_000);
      if (round > 1) {
        // The previous run's temp files (real or planted) are gone before the first render.
        expect(tempFiles(out)).toEqual([]);
        expect(p.output()).not.toMatch(/"level":"error"/);
      }
      checkWhole();
      const rendered = () => (p.output().match(/"msg":"rendered"/g) ?? []).length;
      const before = rendered();
      await bump(round);
      // Kill as soon as the render loop has started on the new values.
      await until("render loop under way", () => rendered() > before + round, 5000, 1);
      p.child.kill("SIGKILL");
      await p.exited;
      leftBehind += tempFiles(out).length;
      checkWhole();
      // Whatever the kill hit, plant what a crash inside write() leaves: a partial temp file.
      writeFileSync(path.join(out, `.stowaway-tmp-${randomBytes(6).toString("hex")}`), "partial");
      mkdirSync(path.join(out, "sub"), { recursive: true });
      writeFileSync(path.join(out, "sub", `.stowaway-tmp-${randomBytes(6).toString("hex")}`), "partial");
    }
    const p = spawnSidecar(["--config", file, "--once"]);
    expect((await p.exited).code, p.output()).toBe(0);
    expect(tempFiles(out)).toEqual([]);
    checkWhole();
    for (let i = 0; i < N; i++) expect(statSync(path.join(out, `${i % 2 ? "sub/" : ""}s${i}`)).mode & 0o777).toBe(0o400);
    // Informational: how often SIGKILL landed between open() and rename().
    console.log(`SIGKILL left ${leftBehind} real temp file(s) behind over 3 rounds`);
  }, 60_000);
});
