// Issue 19: "ECONNREFUSED" alone left the operator guessing which address was tried and which
// setting chose it. Connection errors name the address and its source (VAULT_ADDR or the file).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSidecar } from "../sidecar/helpers.js";
import { freePort } from "./sidecar-helpers.js";

describe("connection errors name the address and where it came from", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-conn-"));
    writeFileSync(path.join(dir, "token"), "hvs.not-a-real-token-xyz");
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/dev/shm/stowaway-conn-${path.basename(dir)}`, { recursive: true, force: true });
  });

  const config = (address?: string) => {
    const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `vault:\n${address ? `  address: ${address}\n` : ""}  auth: { method: token, tokenFile: ${dir}/token }\noutput:\n  dir: /dev/shm/stowaway-conn-${path.basename(dir)}\n  allowNonTmpfs: true\nlisten: false\nsecrets:\n  - { path: secret/data/a, file: a }\n`,
    );
    return file;
  };

  it("from VAULT_ADDR", async () => {
    const port = await freePort();
    const p = spawnSidecar(["--config", config(), "--once", "--once-timeout", "1s"], { VAULT_ADDR: `http://127.0.0.1:${port}` });
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toContain(`ECONNREFUSED 127.0.0.1:${port} (vault.address from VAULT_ADDR)`);
  });

  it("from the config file", async () => {
    const port = await freePort();
    const p = spawnSidecar(["--config", config(`http://127.0.0.1:${port}`), "--once", "--once-timeout", "1s"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toContain(`ECONNREFUSED 127.0.0.1:${port} (vault.address in the config file)`);
  });
});
