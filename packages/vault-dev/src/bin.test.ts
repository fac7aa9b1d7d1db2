/** The `vault-dev` command, run from the build (dist/bin.js). */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { skipBecause } from "../../../test/helpers/skip.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");
const built = existsSync(BIN);

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 5000);
    child.stdout.on("data", () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  return { child, url, exited, output: () => ({ out, err }) };
}

describe.skipIf(skipBecause(!built, `vault-dev is not built (${BIN} is missing): run npm run build`))("vault-dev CLI", () => {
  it("serves with the given root token and seed, logs requests, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vault-dev-cli-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const seed = join(dir, "seed.yaml");
    writeFileSync(seed, "kv2:\n  app/db: { password: from-seed }\n");
    const p = start(["--port", "0", "--root-token", "root", "--seed", seed]);
    const url = await p.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${url}/v1/secret/data/app/db`, { headers: { "X-Vault-Token": "root" } });
    expect(((await r.json()) as { data: { data: { password: string } } }).data.data.password).toBe("from-seed");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    const { out, err } = p.output();
    expect(out).toContain("export VAULT_TOKEN=root");
    expect(err).toMatch(/GET \/v1\/secret\/data\/app\/db 200/);
    expect(err).not.toContain("from-seed");
  });

  it("exits 2 on a bad seed, naming the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vault-dev-cli-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const seed = join(dir, "seed.yaml");
    writeFileSync(seed, "approle:\n  app: { token_ttl: whenever }\n");
    const p = start(["--port", "0", "--seed", seed]);
    p.url.catch(() => undefined);
    expect(await p.exited).toBe(2);
    expect(p.output().err).toContain("approle.app");
  });

  it("refuses a non-loopback address with the default root token, and warns loudly with another", async () => {
    const refused = start(["--port", "0", "--host", "0.0.0.0"]);
    refused.url.catch(() => undefined);
    expect(await refused.exited).toBe(2);
    expect(refused.output().err).toMatch(/refusing to listen on 0\.0\.0\.0 with the default root token "root"/);

    const warned = start(["--port", "0", "--host", "0.0.0.0", "--root-token", "a-long-random-test-token"]);
    await warned.url;
    warned.child.kill("SIGTERM");
    expect(await warned.exited).toBe(0);
    expect(warned.output().err).toMatch(/WARNING: listening on 0\.0\.0\.0, not loopback/);
  });
});
