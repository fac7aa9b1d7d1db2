// Issue 19: `lease_duration: 0.001` made the sidecar renew in a loop of ~450 requests a second.
// Every computed delay (lease renewal, token renewal, retries) is floored at 1 s with jitter.
// A fake Vault grants 1 ms tokens and leases and answers every renewal with 1 ms again; the real
// CLI runs for 4 s and the number of requests it sends is counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sleep, spawnSidecar, until, fileText } from "../sidecar/helpers.js";
import { json, rid, startServer, type TestServer } from "./fake-servers.js";

describe("a Vault that grants 1 ms TTLs", () => {
  let dir: string;
  let server: TestServer;
  const token = `hvs.${rid()}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-tiny-ttl-"));
    writeFileSync(path.join(dir, "role-id"), "r");
    writeFileSync(path.join(dir, "secret-id"), "s");
    let n = 0;
    server = await startServer((req, res) => {
      const p = new URL(req.url, "http://x").pathname.replace(/^\/v1\//, "");
      if (p === "auth/approle/login") return json(res, 200, { auth: { client_token: token, lease_duration: 0.001, renewable: true } });
      if (p === "auth/token/renew-self") return json(res, 200, { auth: { client_token: token, lease_duration: 0.001, renewable: true } });
      if (p === "auth/token/lookup-self") return json(res, 200, { data: { ttl: 0.001, renewable: true } });
      if (p === "database/creds/app")
        return json(res, 200, { lease_id: `database/creds/app/${++n}`, lease_duration: 0.001, renewable: true, data: { username: "u", password: "p" } });
      if (p === "sys/leases/renew") return json(res, 200, { lease_id: JSON.parse(req.body || "{}").lease_id, lease_duration: 0.001, renewable: true });
      if (p === "sys/leases/lookup") return json(res, 200, { data: { ttl: 0.001 } });
      if (p === "sys/leases/revoke") return json(res, 204, {});
      json(res, 404, { errors: [] });
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends a handful of requests a second, not hundreds", async () => {
    const out = mkdtempSync("/dev/shm/stowaway-tiny-ttl-out-");
    const cfg = path.join(dir, "c.yaml");
    writeFileSync(
      cfg,
      `vault:\n  address: ${server.origin}\n  retry: { initial: 100ms, max: 1s }\n  auth: { method: approle, roleIdFile: ${dir}/role-id, secretIdFile: ${dir}/secret-id }\n` +
        `output:\n  dir: ${out}/o\n  allowNonTmpfs: true\nlisten: 127.0.0.1:0\ndefaults: { refreshInterval: 1s, revokeOld: false }\nsecrets:\n  - { path: database/creds/app, file: db.env }\n`,
    );
    const p = spawnSidecar(["--config", cfg]);
    try {
      await until("first render", () => fileText(path.join(out, "o/db.env")) !== undefined);
      const before = server.requests.length;
      await sleep(4000);
      const sent = server.requests.length - before;
      // Floored at >= 1 s per timer: token renewal, lease renewal or replacement, lease lookup,
      // each at most about once a second. Without the floor this was well over a thousand.
      expect(sent, `requests in 4 s: ${sent}`).toBeLessThan(40);
      expect(p.child.exitCode).toBeNull();
    } finally {
      await p.stop();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
