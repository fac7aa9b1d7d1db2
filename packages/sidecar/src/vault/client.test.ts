import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import { inspect } from "node:util";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { VaultClient } from "./client.js";
import { VaultError, VaultRequestError, VaultUnavailableError } from "../errors.js";
import { createLogger } from "../log.js";
import { errorFields as safeErr } from "../errors.js";

const require = createRequire(import.meta.url);

/** Every rendering of an error a log line, a crash report or a JSON dump could hold. */
function renderings(err: unknown): Record<string, string> {
  const e = err as Error;
  const out = new PassThrough();
  let logged = "";
  out.on("data", (c) => (logged += c));
  const log = createLogger(out, "trace");
  log.error({ err }, `failed: ${e.message}`);
  log.error({ err: safeErr(err) }, `failed: ${safeErr(err).message}`);
  log.error({ error: err, e }, "raw fields"); // redaction is the second line of defence
  return {
    message: String(e.message),
    stack: String(e.stack),
    json: JSON.stringify(err),
    jsonOwn: JSON.stringify(err, Object.getOwnPropertyNames(err)),
    inspect: inspect(err, { depth: Infinity, showHidden: true, getters: true }),
    string: String(err),
    logged,
  };
}

function expectAbsent(err: unknown, ...values: string[]): void {
  for (const [where, text] of Object.entries(renderings(err))) {
    for (const v of values) expect(text.includes(v), `${where} contains a secret`).toBe(false);
  }
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// Issue 8: node-vault rejects with raw AxiosErrors whose config holds X-Vault-Token (and the login
// body). The wrapper must turn them into errors that hold neither, however they are printed.
describe("VaultClient errors carry no token (real AxiosErrors from node-vault)", () => {
  const token = `hvs.${randomBytes(18).toString("base64url")}`;
  const secretId = `sid-${randomBytes(12).toString("hex")}`;
  let refused: string;
  let hang: http.Server;
  let hangUrl: string;
  let echo: http.Server;
  let echoUrl: string;

  beforeAll(async () => {
    refused = `http://127.0.0.1:${await closedPort()}`;
    hang = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", () => r()));
    hangUrl = `http://127.0.0.1:${(hang.address() as net.AddressInfo).port}`;
    // A server that echoes what it was sent into its error, as a confused proxy might.
    echo = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [`bad request token=${req.headers["x-vault-token"] ?? ""} body=${body}`] }));
      });
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
    echoUrl = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    hang.closeAllConnections();
    await new Promise((r) => hang.close(r));
    await new Promise((r) => echo.close(r));
  });

  const client = (address: string, timeoutMs = 300) => {
    const c = new VaultClient({ address, timeoutMs, tls: { insecureSkipVerify: false }, maxConcurrency: 2 });
    c.token = token;
    return c;
  };
  const caught = async (p: Promise<unknown>) =>
    p.then(
      () => expect.unreachable("should have failed"),
      (e: unknown) => e,
    );

  it("the raw node-vault error really does hold the token (what the wrapper must strip)", async () => {
    const nv = require("node-vault")({ endpoint: refused, token, noCustomHTTPVerbs: true });
    const raw = await caught(nv.read("secret/data/x"));
    expect((raw as { isAxiosError?: boolean }).isAxiosError).toBe(true);
    expect(inspect(raw, { depth: Infinity })).toContain(token);
  });

  it("connection refused: a VaultUnavailableError with no token anywhere", async () => {
    const c = client(refused);
    const err = await caught(c.read("secret/data/app"));
    c.close();
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect((err as VaultError).message).toMatch(/read secret\/data\/app: ECONNREFUSED/);
    expect(Object.keys(err as object)).not.toContain("config");
    expectAbsent(err, token);
  });

  it("timeout: a VaultUnavailableError ('timed out') with no token anywhere", async () => {
    const c = client(hangUrl, 200);
    const started = Date.now();
    const err = await caught(c.renewLease("database/creds/app/abc", 60));
    c.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect((err as VaultError).message).toMatch(/timed out/);
    expectAbsent(err, token);
  });

  it("login refused or timed out: neither the token nor the secret id appears", async () => {
    for (const [address, timeout] of [
      [refused, 300],
      [hangUrl, 200],
    ] as const) {
      const c = client(address, timeout);
      const err = await caught(c.login("approle", "approle", { role_id: "r", secret_id: secretId }));
      c.close();
      expect(err).toBeInstanceOf(VaultUnavailableError);
      expectAbsent(err, token, secretId);
    }
  });

  it("a server that echoes the token and body in its error message is scrubbed", async () => {
    const c = client(echoUrl);
    const read = await caught(c.read("secret/data/app"));
    const login = await caught(c.login("approle", "approle", { role_id: "r", secret_id: secretId }));
    c.close();
    expect(read).toBeInstanceOf(VaultRequestError);
    expect((read as Error).message).toMatch(/HTTP 400: bad request token=\[redacted\]/);
    expectAbsent(read, token);
    expectAbsent(login, token, secretId);
  });
});
