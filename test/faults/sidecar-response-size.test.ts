// Issue 19: a 100 MB answer from "Vault" used to be read whole (718 MB of memory). Reading
// stops at vault.maxResponseBytes with an error that says so. The server counts the bytes it
// managed to hand to the socket before the sidecar hung up: far below 100 MB.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { sidecarCommand } from "@stowaway/sidecar";
import { rid, startServer, vaultLike, type TestServer } from "./fake-servers.js";

const MB = 1024 * 1024;

describe("vault.maxResponseBytes", () => {
  let dir: string;
  let server: TestServer;
  let sent = 0;
  const token = `hvs.${rid()}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-size-"));
    writeFileSync(path.join(dir, "token"), token);
    const home = vaultLike(token, "small");
    server = await startServer((req, res) => {
      if (!req.url.startsWith("/v1/secret/data/huge")) return home(req, res);
      // 100 MB of JSON, streamed with backpressure; stops when the client goes away.
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let left = 100 * MB;
      let closed = false;
      res.on("close", () => (closed = true));
      res.write('{"data":{"data":{"k":"');
      const pump = () => {
        while (!closed && left > 0) {
          left -= chunk.length;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!closed) res.end('"},"metadata":{"version":1}}}');
      };
      pump();
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(secretPath: string, vaultExtra = ""): Promise<{ code: number; logs: string }> {
    const out = mkdtempSync("/dev/shm/stowaway-size-out-");
    const cfg = path.join(dir, `c-${rid()}.yaml`);
    writeFileSync(
      cfg,
      `vault:\n  address: ${server.origin}\n  timeout: 20s\n${vaultExtra}  auth: { method: token, tokenFile: ${dir}/token }\noutput:\n  dir: ${out}/o\n  allowNonTmpfs: true\nlisten: false\n` +
        `secrets:\n  - { path: ${secretPath}, file: k, format: raw, key: k }\n`,
    );
    const s = new PassThrough();
    let logs = "";
    s.on("data", (c) => (logs += c));
    try {
      return { code: await sidecarCommand({ config: cfg, once: true, onceTimeout: "1s" }, { stdout: s, stderr: s }), logs };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  it("a 100 MB answer is refused at the default cap, without being read whole", async () => {
    sent = 0;
    const r = await run("secret/data/huge");
    expect(r.code).toBe(1);
    expect(r.logs).toMatch(/VAULT_RESPONSE_TOO_LARGE/);
    expect(r.logs).toMatch(/larger than vault\.maxResponseBytes \(4194304 bytes\)/);
    // What the kernel buffers on both sides comes on top of the 4 MiB read; nowhere near 100 MB.
    expect(sent).toBeLessThan(32 * MB);
  });

  it("the cap is configurable, and a normal answer passes", async () => {
    expect((await run("secret/data/app")).code).toBe(0);
    const r = await run("secret/data/app", "  maxResponseBytes: 1024\n");
    expect(r.code).toBe(0);
    sent = 0;
    const big = await run("secret/data/huge", "  maxResponseBytes: 65536\n");
    expect(big.code).toBe(1);
    expect(big.logs).toMatch(/vault\.maxResponseBytes \(65536 bytes\)/);
  });
});
