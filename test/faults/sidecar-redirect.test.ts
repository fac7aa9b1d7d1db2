// Issue 19 (high): whatever answers at the Vault address can answer 307 to another host. The
// token, the AppRole role_id/secret_id and a JWT must never arrive there. A second server
// records every header and body it receives; it must see none of them, for every auth method
// and for secret reads. One hop to an origin listed in vault.followRedirects is allowed, never
// a second hop and never https → http.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { sidecarCommand } from "@stowaway/sidecar";
import { redirectTo, rid, startServer, vaultLike, type Handler, type TestServer } from "./fake-servers.js";

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("the Vault token never follows a redirect", () => {
  let dir: string;
  const creds = { token: `hvs.${rid()}`, roleId: `role-${rid()}`, secretId: `sid-${rid()}`, jwt: `eyJ${rid()}.${rid()}.${rid()}` };
  const marker = `qmark${rid()}`;
  const servers: TestServer[] = [];
  const start = async (h: Handler, tls?: { key: string; cert: string }) => {
    const s = await startServer(h, tls);
    servers.push(s);
    return s;
  };
  let tlsFiles: { key: string; cert: string; ca: string } | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-redirect-"));
    writeFileSync(path.join(dir, "token"), creds.token);
    writeFileSync(path.join(dir, "role-id"), creds.roleId);
    writeFileSync(path.join(dir, "secret-id"), creds.secretId);
    writeFileSync(path.join(dir, "jwt"), creds.jwt);
    if (hasOpenssl) {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "key.pem",
          "-out",
          "cert.pem",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ],
        { cwd: dir, stdio: "ignore" },
      );
      tlsFiles = {
        key: readFileSync(path.join(dir, "key.pem"), "utf8"),
        cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
        ca: path.join(dir, "cert.pem"),
      };
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const AUTH: Record<string, string> = {
    token: `    method: token\n    tokenFile: ${"DIR"}/token\n`,
    approle: `    method: approle\n    roleIdFile: DIR/role-id\n    secretIdFile: DIR/secret-id\n`,
    kubernetes: `    method: kubernetes\n    role: app\n    jwtFile: DIR/jwt\n`,
    jwt: `    method: jwt\n    role: app\n    jwtFile: DIR/jwt\n`,
  };

  async function run(address: string, method: string, vaultExtra = ""): Promise<{ code: number; logs: string; file?: string }> {
    const out = mkdtempSync("/dev/shm/stowaway-redirect-out-");
    const cfg = path.join(dir, `c${rid()}.yaml`);
    writeFileSync(
      cfg,
      `vault:\n  address: ${address}\n  timeout: 2s\n  retry: { initial: 100ms, max: 200ms }\n${vaultExtra}  auth:\n${AUTH[method].replaceAll("DIR", dir)}` +
        `output:\n  dir: ${out}/o\n  allowNonTmpfs: true\nlisten: false\nsecrets:\n  - path: secret/data/app\n    file: k\n    format: raw\n    key: k\n`,
    );
    const s = new PassThrough();
    let logs = "";
    s.on("data", (c) => (logs += c));
    try {
      const code = await sidecarCommand({ config: cfg, once: true, onceTimeout: "1s" }, { stdout: s, stderr: s });
      let file: string | undefined;
      try {
        file = readFileSync(path.join(out, "o/k"), "utf8");
      } catch {
        file = undefined;
      }
      return { code, logs, file };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  /** Nothing the sidecar holds as a credential reached `s`, in any header or body. */
  function expectNoCredentials(s: TestServer): void {
    const seen = JSON.stringify(s.requests);
    for (const [name, v] of Object.entries(creds)) expect(seen.includes(v), `${name} reached the redirect target`).toBe(false);
  }

  function expectRefusalNamesOriginOnly(logs: string, origin: string): void {
    expect(logs).toContain(`redirect to ${origin}`);
    expect(logs).toContain("vault.followRedirects");
    expect(logs).not.toContain(marker);
    expect(logs).not.toMatch(new RegExp(`${origin.replace(/[.:/]/g, "\\$&")}/`));
    for (const v of Object.values(creds)) expect(logs.includes(v)).toBe(false);
  }

  for (const method of Object.keys(AUTH)) {
    it(`${method} login: a 307 to another port is refused and that port sees no credential`, async () => {
      const trap = await start(vaultLike(creds.token, "trap"));
      const front = await start(redirectTo(() => trap.origin, marker));
      const r = await run(front.origin, method);
      expect(r.code).toBe(1);
      expect(front.requests.length).toBeGreaterThan(0);
      expect(trap.requests).toEqual([]);
      expectNoCredentials(trap);
      expectRefusalNamesOriginOnly(r.logs, trap.origin);
      expect(r.file).toBeUndefined();
    });

    it(`${method}: a secret read answered with 307 is refused; the token stays home`, async () => {
      const trap = await start(vaultLike(creds.token, "trap"));
      const home = vaultLike(creds.token, "home");
      const bounce = redirectTo(() => trap.origin, marker);
      const front = await start((req, res) => (req.url.startsWith("/v1/secret/data/") ? bounce(req, res) : home(req, res)));
      const r = await run(front.origin, method);
      expect(r.code).toBe(1);
      expect(trap.requests).toEqual([]);
      expectNoCredentials(trap);
      expectRefusalNamesOriginOnly(r.logs, trap.origin);
    });
  }

  it("one hop to a listed origin is followed, a second hop is not", async () => {
    const far = await start(vaultLike(creds.token, "far"));
    const standby = await start(vaultLike(creds.token, "standby"));
    const front = await start(redirectTo(() => standby.origin, marker));
    const ok = await run(front.origin, "approle", `  followRedirects: [${standby.origin}]\n`);
    expect(ok.code).toBe(0);
    expect(ok.file).toBe("standby");

    const hop2 = await start(redirectTo(() => far.origin, marker));
    const front2 = await start(redirectTo(() => hop2.origin, marker));
    const r = await run(front2.origin, "approle", `  followRedirects: [${hop2.origin}, ${far.origin}]\n`);
    expect(r.code).toBe(1);
    expect(far.requests).toEqual([]);
    expect(r.logs).toMatch(/more than one redirect/);
  });

  it("an unlisted origin is refused even when another one is listed", async () => {
    const trap = await start(vaultLike(creds.token, "trap"));
    const front = await start(redirectTo(() => trap.origin, marker));
    const r = await run(front.origin, "jwt", `  followRedirects: ["http://127.0.0.1:1"]\n`);
    expect(r.code).toBe(1);
    expect(trap.requests).toEqual([]);
    expectRefusalNamesOriginOnly(r.logs, trap.origin);
  });

  it.skipIf(!hasOpenssl)("https → http is refused even when the http origin is listed", async () => {
    const plain = await start(vaultLike(creds.token, "plain"));
    const front = await start(
      redirectTo(() => plain.origin, marker),
      tlsFiles,
    );
    const r = await run(front.origin, "approle", `  tls: { caCert: ${tlsFiles!.ca} }\n  followRedirects: [${plain.origin}]\n`);
    expect(r.code).toBe(1);
    expect(front.requests.length).toBeGreaterThan(0);
    expect(plain.requests).toEqual([]);
    expectNoCredentials(plain);
    expect(r.logs).toMatch(/https → http/);
  });
});
