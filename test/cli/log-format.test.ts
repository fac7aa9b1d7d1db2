import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../helpers/cli.js";

// The sidecar and vault-dev log JSON lines for machines, and one readable line per event on a
// terminal (a real pty from `script`) or with --log-format pretty.
const VAULT_DEV = join(REPO_ROOT, "packages/vault-dev/bin/vault-dev.js");
const PRETTY = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;
const work = mkdtempSync(join(tmpdir(), "stowaway-logfmt-"));
const out = mkdtempSync("/dev/shm/stowaway-logfmt-");
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});
const hasScript = spawnSync("sh", ["-c", "command -v script"]).status === 0;
if (!hasScript) console.warn("SKIP terminal cases in test/cli/log-format.test.ts: `script` (util-linux) is not installed");

async function withVaultDev<T>(args: string[], fn: (url: string) => Promise<T> | T): Promise<{ result: T; stderr: string }> {
  writeFileSync(join(work, "seed.yaml"), "kv2:\n  app/db:\n    DB_PASSWORD: log-format-example-not-a-secret\n");
  const vault = spawn(process.execPath, [VAULT_DEV, "--port", "0", "--root-token", "root", "--seed", join(work, "seed.yaml"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  vault.stderr.on("data", (d) => (stderr += d));
  let result: T;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      vault.stdout.on("data", (d) => {
        text += d;
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]);
      });
      vault.once("exit", (code) => reject(new Error(`vault-dev exited ${code}: ${stderr}`)));
    });
    result = await fn(url);
  } finally {
    vault.kill("SIGTERM");
    await new Promise((r) => vault.once("exit", r));
  }
  // Read after exit: the request log line may be written after the response was sent.
  return { result, stderr };
}

function sidecarConfig(url: string): string {
  const path = join(work, "sidecar.yaml");
  writeFileSync(
    path,
    `vault: { address: "${url}", auth: { method: token } }\noutput: { dir: ${out} }\nlisten: false\nsecrets:\n  - { path: secret/data/app/db, file: db.env }\n`,
  );
  return path;
}

describe("sidecar logs", () => {
  it("are JSON lines when stdout is not a terminal, and never carry the value", async () => {
    const { result } = await withVaultDev([], (url) =>
      spawnSync(process.execPath, [CLI, "sidecar", "--config", sidecarConfig(url), "--once"], {
        encoding: "utf8",
        env: { ...process.env, VAULT_TOKEN: "root" },
      }),
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(result.stdout).not.toContain("log-format-example-not-a-secret");
  });

  it("are one readable line per event with --log-format pretty", async () => {
    const { result } = await withVaultDev([], (url) =>
      spawnSync(process.execPath, [CLI, "sidecar", "--config", sidecarConfig(url), "--once", "--log-format", "pretty"], {
        encoding: "utf8",
        env: { ...process.env, VAULT_TOKEN: "root" },
      }),
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l).toMatch(PRETTY);
    expect(result.stdout).toMatch(/ file=db\.env/);
    expect(result.stdout).not.toContain('{"');
    expect(result.stdout).not.toContain("log-format-example-not-a-secret");
  });

  it.skipIf(!hasScript)("are pretty on a terminal by default, JSON with --log-format json", async () => {
    const run = (extra: string) =>
      withVaultDev([], (url) => {
        const cmd = `VAULT_TOKEN=root NO_COLOR=1 '${process.execPath}' '${CLI}' sidecar --config '${sidecarConfig(url)}' --once ${extra}`;
        return spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8" });
      });
    const tty = (await run("")).result;
    expect(tty.status, tty.stdout).toBe(0);
    const lines = tty.stdout.replace(/\r/g, "").trim().split("\n");
    for (const l of lines) expect(l).toMatch(PRETTY);
    const json = (await run("--log-format json")).result;
    for (const l of json.stdout.replace(/\r/g, "").trim().split("\n")) expect(() => JSON.parse(l), l).not.toThrow();
  });

  it("rejects an unknown --log-format", () => {
    const r = spawnSync(process.execPath, [CLI, "sidecar", "--config", "x.yaml", "--log-format", "xml"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/json, pretty/);
  });
});

describe("vault-dev logs", () => {
  it("are JSON lines when stderr is not a terminal, readable lines with --log-format pretty", async () => {
    const get = (url: string) => fetch(`${url}/v1/secret/data/app/db`, { headers: { "X-Vault-Token": "root" } }).then((r) => r.status);
    const json = await withVaultDev([], get);
    expect(json.result).toBe(200);
    // Request lines are JSON; vault-dev's own notices ("SIGTERM, shutting down") stay plain text.
    const entry = json.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((o) => /GET \/v1\/secret\/data\/app\/db 200/.test(o.msg));
    expect(entry).toMatchObject({ level: "info", name: "vault-dev" });
    const pretty = await withVaultDev(["--log-format", "pretty"], get);
    expect(pretty.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET \/v1\/secret\/data\/app\/db 200 \d+ms$/m);
    expect(json.stderr + pretty.stderr).not.toContain("log-format-example-not-a-secret");
  });
});
