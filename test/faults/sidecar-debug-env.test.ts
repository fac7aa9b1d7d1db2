// Issue 19: node-vault and follow-redirects log through `debug`; with DEBUG=* node-vault prints
// every login body (role_id, secret_id, JWT). The real CLI runs with DEBUG=* (and with DEBUG
// naming those modules alone) for each auth method, through a login, a read and a redirected
// read, and nothing it prints holds a token, a secret id or a JWT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSidecar } from "../sidecar/helpers.js";
import { redirectTo, rid, startServer, vaultLike, type TestServer } from "./fake-servers.js";

describe("DEBUG=* prints nothing secret", () => {
  let dir: string;
  const creds = { token: `hvs.${rid()}`, roleId: `role-${rid()}`, secretId: `sid-${rid()}`, jwt: `eyJ${rid()}.${rid()}.${rid()}` };
  const servers: TestServer[] = [];
  let front: TestServer;
  let standby: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-debug-env-"));
    writeFileSync(path.join(dir, "token"), creds.token);
    writeFileSync(path.join(dir, "role-id"), creds.roleId);
    writeFileSync(path.join(dir, "secret-id"), creds.secretId);
    writeFileSync(path.join(dir, "jwt"), creds.jwt);
    standby = await startServer(vaultLike(creds.token, "v"));
    const home = vaultLike(creds.token, "v");
    // Reads of secret/data/moved go one (allowed) hop to the standby: the redirect code paths run too.
    const bounce = redirectTo(() => standby.origin, "m");
    front = await startServer((req, res) => (req.url.startsWith("/v1/secret/data/moved") ? bounce(req, res) : home(req, res)));
    servers.push(front, standby);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const AUTH: Record<string, string> = {
    token: "    method: token\n    tokenFile: DIR/token\n",
    approle: "    method: approle\n    roleIdFile: DIR/role-id\n    secretIdFile: DIR/secret-id\n",
    kubernetes: "    method: kubernetes\n    role: app\n    jwtFile: DIR/jwt\n",
    jwt: "    method: jwt\n    role: app\n    jwtFile: DIR/jwt\n",
  };

  for (const debug of ["*", "node-vault,follow-redirects,axios"]) {
    for (const method of Object.keys(AUTH)) {
      it(`DEBUG=${debug === "*" ? "*" : "<the Vault modules>"}, ${method}: no credential in stdout or stderr`, async () => {
        const out = mkdtempSync("/dev/shm/stowaway-debug-env-out-");
        const cfg = path.join(dir, `c-${rid()}.yaml`);
        writeFileSync(
          cfg,
          `vault:\n  address: ${front.origin}\n  followRedirects: [${standby.origin}]\n  auth:\n${AUTH[method].replaceAll("DIR", dir)}output:\n  dir: ${out}/o\n  allowNonTmpfs: true\nlisten: false\n` +
            "secrets:\n  - { path: secret/data/app, file: a, format: raw, key: k }\n  - { path: secret/data/moved, file: b, format: raw, key: k }\n",
        );
        try {
          // The redirected read answers 404 at the standby (only secret/data/app exists): that is fine,
          // the request and its debug output happened. Exit code 1 is expected.
          const p = spawnSidecar(["--config", cfg, "--once", "--once-timeout", "1s"], { DEBUG: debug, DEBUG_COLORS: "0", STOWAWAY_LOG_LEVEL: "debug" });
          await p.exited;
          const text = p.output();
          expect(text.length).toBeGreaterThan(0);
          expect(standby.requests.some((r) => r.url.startsWith("/v1/secret/data/moved"))).toBe(true);
          for (const [name, v] of Object.entries(creds)) expect(text.includes(v), `${name} printed`).toBe(false);
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });
    }
  }
});
