/** VaultClient.mountOf: one answer serves every path below its mount for a while (issue 16). */
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../schedule/clock.js";
import { MOUNT_TTL_MS, VaultClient } from "./client.js";

describe("VaultClient.mountOf", () => {
  let vault: VaultDev;
  const asked: string[] = [];
  beforeAll(async () => {
    vault = await startVaultDev({
      port: 0,
      seed: { kv2: { "app/a": { x: "1" }, "app/b": { x: "2" } }, kv1: { "legacy/c": { x: "3" } }, mounts: { "team/": { type: "kv", version: 2 } } },
      log: (line) => {
        const m = /^GET \/v1\/sys\/internal\/ui\/mounts\/(\S+) /.exec(line);
        if (m) asked.push(m[1]);
      },
    });
  });
  afterAll(async () => {
    await vault.close();
  });

  let now = 1_000_000;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    random: Math.random,
  };
  const client = () => {
    const c = new VaultClient({ address: vault.url, timeoutMs: 5000, tls: { insecureSkipVerify: false }, maxConcurrency: 4, clock });
    c.token = vault.rootToken;
    return c;
  };

  it("asks once for the paths below one mount, again for another mount, and again after MOUNT_TTL_MS", async () => {
    const c = client();
    try {
      asked.length = 0;
      expect(await c.mountOf("secret/data/app/a")).toEqual({ path: "secret/", type: "kv", version: "2" });
      expect(await c.mountOf("secret/data/app/b")).toEqual({ path: "secret/", type: "kv", version: "2" });
      expect(await c.mountOf("kv/legacy/c")).toMatchObject({ path: "kv/", version: "1" });
      // "team/" is not a prefix of "secret-x/…" nor the other way round.
      expect(await c.mountOf("team/data/x")).toMatchObject({ path: "team/", version: "2" });
      expect(asked).toEqual(["secret/data/app/a", "kv/legacy/c", "team/data/x"]);
      now += MOUNT_TTL_MS;
      expect(await c.mountOf("secret/data/app/b")).toMatchObject({ path: "secret/", version: "2" });
      expect(asked).toEqual(["secret/data/app/a", "kv/legacy/c", "team/data/x", "secret/data/app/b"]);
    } finally {
      c.close();
    }
  });

  it("a refused or unknown answer is not remembered", async () => {
    const c = client();
    try {
      asked.length = 0;
      // No mount serves these paths: Vault answers 400, and the next path is asked again.
      expect(await c.mountOf("nowhere/data/x")).toBeUndefined();
      expect(await c.mountOf("nowhere/data/y")).toBeUndefined();
      expect(asked).toEqual(["nowhere/data/x", "nowhere/data/y"]);
    } finally {
      c.close();
    }
  });
});
