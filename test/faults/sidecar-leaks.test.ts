import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { faultEnv, fileText, fixture, http, leaks, metrics, readyz, sleep, spawnSidecar, until, write } from "./sidecar-helpers.js";

// Issue 8, leaks and hygiene: one sidecar driven through every fault family with unique fixture
// values; every log line, metric and HTTP response it produced is scanned for them and for any
// Vault token. (Every other sidecar-*.test.ts file feeds the same collector, and each file's
// afterAll checks everything collected so far.)
describe("sidecar: no leaks", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  const pw = fixture("leakpw");
  const api = fixture("leakapi");

  beforeAll(async () => {
    env = await faultEnv({
      kv2: { "app/db": { username: "app", password: pw }, "app/api": { key: api } },
      database: { roles: { app: { default_ttl: "1h", max_ttl: "2h" } } },
    });
  });
  afterAll(async () => {
    env?.vault.clearFaults();
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it("through 500s, 403s, 429s, a seal, timeouts, a revoked token and lease, bad credentials and bad config: nothing printed or served holds a value or token", async () => {
    const { file, out } = env.config(
      `  - path: secret/data/app/db\n    file: db.env\n  - path: secret/data/app/db\n    file: url\n    format: template\n    template: "postgres://{{username}}:{{password}}@db/app"\n` +
        `  - path: secret/data/app/api\n    file: api.json\n    format: json\n  - path: database/creds/app\n    file: dyn.env\n  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: password\n`,
      { refresh: "300ms" },
    );
    const p = spawnSidecar(["--config", file], { STOWAWAY_LOG_LEVEL: "debug" });
    const served: string[] = [];
    const scrape = async (base: string) => {
      for (const u of ["/healthz", "/readyz", "/metrics", "/nope", "/quit"]) served.push((await http(`${base}${u}`)).body);
    };
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const dyn = fileText(path.join(out, "dyn.env"))!;
      const dynPw = /^password=(.*)$/m.exec(dyn)![1].replace(/^"|"$/g, "");
      leaks.secret(dynPw);
      await scrape(base);
      const phases: Array<[string, () => void | Promise<void>, () => void]> = [
        ["500", () => env.vault.setFaults({ failureRate: 1, failureStatus: 500 }), () => env.vault.clearFaults()],
        ["429", () => env.vault.setFaults({ throttle: { rate: 1, retryAfter: 1 } }), () => env.vault.clearFaults()],
        ["sealed", () => env.vault.seal(), () => env.vault.unseal()],
        ["slow", () => env.vault.setFaults({ delayMs: 800 }), () => env.vault.clearFaults()],
        ["403 token revoked", () => env.vault.revokeAllTokens(), () => {}],
        [
          "bad secret id",
          () => {
            write(path.join(env.etc, "secret-id"), `${fixture("wrongsid")}\n`);
            env.vault.revokeAllTokens();
          },
          () => write(path.join(env.etc, "secret-id"), `${env.secretId}\n`),
        ],
        [
          "bad config",
          () => {
            writeFileSync(
              file,
              `${readFileSync(file, "utf8")}  - path: secret/data/app/db\n    file: x\n    format: raw\n    key: ${fixture("cfgkey")}\n    template: ${fixture("cfgtpl")}\n`,
            );
          },
          () => {},
        ],
      ];
      for (const [, apply, clear] of phases) {
        apply();
        await sleep(700);
        await scrape(base);
        clear();
        await until("ready again", async () => (await readyz(base)) === 200, 8000);
      }
      const rotated = fixture("leakpw2");
      await env.kvPut("app/db", { username: "app", password: rotated });
      await until("rotated", () => fileText(path.join(out, "pw")) === rotated, 4000);
      await scrape(base);
      const m = await metrics(base);
      expect(m).toMatch(/stowaway_render_failures_total\{file="[^"]+",code="VAULT_SEALED"\}/);
      expect(p.output()).toMatch(/VAULT_RATE_LIMITED/);
      expect(p.output()).toMatch(/VAULT_UNAVAILABLE.*timed out/);
      expect(p.output()).toMatch(/login failed; retrying/);
      expect(p.output()).toMatch(/config reload rejected/);
      // The direct check for this test (the collector checks the whole suite).
      const everything = p.output() + served.join("\n");
      for (const v of [pw, api, dynPw, rotated, env.roleId, env.secretId, env.vault.rootToken]) expect(everything.includes(v)).toBe(false);
      expect(everything).not.toMatch(/\bhv[sbr]\.[A-Za-z0-9_-]{8,}/);
    } finally {
      await p.stop();
    }
  }, 60_000);
});
