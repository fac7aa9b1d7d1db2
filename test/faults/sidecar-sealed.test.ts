import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RequestRecord } from "@stowaway/vault-dev";
import { faultEnv, fileText, fixture, http, leaks, readyz, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

// Issue 8: Vault sealed (503) or rate-limiting (429) mid-run for 10 s: ten refresh intervals (1 s)
// and many backoff steps (max 1 s).
const OUTAGE_MS = 10_000;

describe("sidecar fault: Vault sealed or rate-limiting mid-run", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;

  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: fixture("pw0") }, "app/api": { key: fixture("api0") } } });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  const secrets = `  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n  - path: secret/data/app/api\n    file: api.json\n    format: json\n`;

  /** Runs a sidecar to ready, applies `fault` for OUTAGE_MS, and checks the files never moved. */
  async function outage(
    name: string,
    fault: () => void,
    clear: () => void,
    expectReason: RegExp,
    slow?: { retry: string; refresh: string },
  ): Promise<{ requests: number; log: RequestRecord[]; output: string }> {
    const { file, out } = env.config(secrets, slow ? { refresh: slow.refresh } : {});
    if (slow) writeFileSync(file, readFileSync(file, "utf8").replace(/^  retry: .*$/m, `  retry: ${slow.retry}`));
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const snap = () => ["db", "api.json"].map((f) => ({ bytes: readFileSync(path.join(out, f)), mtime: statSync(path.join(out, f)).mtimeMs }));
      const before = snap();
      env.vault.resetStats();
      fault();
      // A change made during the outage cannot be read yet.
      const during = fixture(`${name}-during`);
      const start = Date.now();
      let sawNotReady = "";
      while (Date.now() - start < OUTAGE_MS) {
        const r = await http(`${base}/readyz`);
        if (r.status === 503) sawNotReady = r.body;
        const now = snap();
        for (let i = 0; i < now.length; i++) {
          expect(now[i].bytes.equals(before[i].bytes), `${name}: file ${i} changed during the outage`).toBe(true);
          expect(now[i].mtime).toBe(before[i].mtime);
        }
        await sleep(100);
      }
      const { total: requests, requests: log } = env.vault.stats();
      expect(sawNotReady, `${name}: /readyz never reported the outage`).toMatch(expectReason);
      expect((await http(`${base}/healthz`)).status).toBe(200);
      clear();
      await env.kvPut("app/db", { password: during });
      await until(`${name}: change propagates after recovery`, () => fileText(path.join(out, "db")) === during, 12_000);
      await until(`${name}: ready again`, async () => (await readyz(base)) === 200, 12_000);
      expect(p.child.exitCode).toBeNull();
      return { requests, log, output: p.output() };
    } finally {
      clear();
      await p.stop();
    }
  }

  /**
   * The sidecar's retry intervals during an outage, by retry index: `[i]` holds, for each secret,
   * the time from its i-th failed request to its next one (the i-th back-off step, as Vault sees
   * it), from when vault-dev received each request. A secret's requests are those to its KV v2
   * data or metadata path that got the fault's `status`; any other request is listed in `other`.
   */
  function retryGaps(log: RequestRecord[], status: number): { gaps: number[][]; other: string[] } {
    const bySecret = new Map<string, number[]>();
    const other: string[] = [];
    for (const r of log) {
      const m = /^\/v1\/secret\/(?:data|metadata)\/(.+)$/.exec(r.path);
      if (!m || r.status !== status) {
        other.push(`${r.method} ${r.path} ${r.status ?? "-"}`);
        continue;
      }
      bySecret.set(m[1], [...(bySecret.get(m[1]) ?? []), r.at]);
    }
    const gaps: number[][] = [];
    for (const times of bySecret.values()) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) (gaps[i - 1] ??= []).push(times[i] - times[i - 1]);
    }
    return { gaps, other };
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let sealed: ReturnType<typeof retryGaps> | undefined;
  let sealedCount = 0;

  // Retries never come sooner than 1 s (issue 19), and a failing path's backoff is capped at its
  // refreshInterval: a 3 s interval and max leave room for a 429 to back off harder (up to 6 s).
  const COMPARE = { retry: "{ initial: 1s, max: 3s }", refresh: "3s" };

  it("sealed (503): files byte-for-byte intact, /readyz says sealed, next change propagates", async () => {
    const r = await outage(
      "sealed",
      () => env.vault.seal(),
      () => env.vault.unseal(),
      /sealed/i,
      COMPARE,
    );
    sealed = retryGaps(r.log, 503);
    sealedCount = r.requests;
    expect(r.output).toMatch(/VAULT_SEALED/);
  });

  it("429 with Retry-After: files intact, /readyz says rate limited, Retry-After is followed", async () => {
    const r = await outage(
      "throttled",
      () => env.vault.setFaults({ throttle: { rate: 1, retryAfter: 2 } }),
      () => env.vault.clearFaults(),
      /rate.limit/i,
    );
    // Two paths, Retry-After 2 s: each 429 holds every request for 2 s, so each path asks at most
    // once per 2 s: at most 6 times in 10 s counting both edges. That is a hard bound, not a loose
    // count (correct code makes about 9 in all). The exact schedule (Retry-After honoured to the
    // ms, capped at 5 minutes) is pinned on a fake clock in packages/sidecar/src/vault/
    // client-timing.test.ts and leases/keeper.test.ts, where load cannot blur it.
    const bound = 2 * (OUTAGE_MS / 2000 + 1);
    expect(r.requests, `requests during the throttle: ${r.requests}`).toBeLessThanOrEqual(bound);
    expect(r.output).toMatch(/VAULT_RATE_LIMITED/);
  });

  it("429 without Retry-After backs off harder than a sealed Vault", async () => {
    const r = await outage(
      "throttled-no-ra",
      () => env.vault.setFaults({ throttle: { rate: 1, retryAfter: null } }),
      () => env.vault.clearFaults(),
      /rate.limit/i,
      COMPARE,
    );
    expect(sealed, "the sealed test ran first").toBeDefined();
    const throttled = retryGaps(r.log, 429);
    // "Backs off harder" is about how often the sidecar asks: under 429, less than 0.75 times as
    // often as when sealed. That was once read off the requests in the same 10 s, but counts of 5
    // to 12 swung with where each secret's first poll fell in the window (anywhere in its first
    // 3 s) and, under load, with one late timer. How often it asks is the inverse of the interval
    // between its retries: compared at the same retry indices (the back-off grows with the index,
    // and the throttled run reaches fewer of them), each averaged over both secrets.
    const indices = [...Array(Math.min(sealed!.gaps.length, throttled.gaps.length)).keys()];
    const sealedMean = mean(indices.map((i) => mean(sealed!.gaps[i])));
    const throttledMean = mean(indices.map((i) => mean(throttled.gaps[i])));
    const fmt = (g: number[][]) => g.map((xs, i) => `#${i} ${xs.join("/")}`).join(", ");
    const figures =
      `mean retry interval at indices 0-${indices.length - 1}: sealed ${Math.round(sealedMean)} ms, 429 ${Math.round(throttledMean)} ms` +
      ` (ratio ${(sealedMean / throttledMean).toFixed(2)}); intervals in ms by index, sealed: ${fmt(sealed!.gaps)}; 429: ${fmt(throttled.gaps)};` +
      ` requests in 10 s: sealed ${sealedCount}, 429 ${r.requests}; other requests: sealed [${sealed!.other.join(", ")}], 429 [${throttled.other.join(", ")}]`;
    console.log(`sealed vs 429 back-off: ${figures}`);
    // The intervals cover every request the throttled sidecar made (the counts took in all of them).
    expect(throttled.other, figures).toEqual([]);
    // Each secret retried at least once in each outage (a first 429 waits at most 4 s).
    expect(sealed!.gaps[0]?.length, figures).toBe(2);
    expect(throttled.gaps[0]?.length, figures).toBe(2);
    // 1 / throttledMean < 0.75 × 1 / sealedMean: under 429 it asks less than 0.75 times as often.
    expect(sealedMean, figures).toBeLessThan(0.75 * throttledMean);
  });
});
