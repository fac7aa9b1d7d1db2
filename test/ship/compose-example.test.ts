import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parseConfigText, sidecarCommand } from "@stowaway/sidecar";
import { startVaultDev } from "@stowaway/vault-dev";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot, stowaway } from "./helpers.js";

const dir = join(repoRoot, "examples/compose");
const read = (name: string) => readFileSync(join(dir, name), "utf8");
const compose = parse(read("compose.yaml"));
const config = (name: string) => {
  const res = parseConfigText(read(name), {});
  if (!res.ok) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  return res.config;
};
const sidecarConfig = config("sidecar.yaml");

describe("examples/compose", () => {
  const { app, vault } = compose.services;
  const sidecar = compose.services["app-sidecar"];
  const outDir = sidecarConfig.output.dir;

  it("shares a tmpfs-backed named volume: read-write in the sidecar, read-only in the app, at output.dir", () => {
    const volume = compose.volumes["app-secrets"];
    expect(volume.driver_opts).toMatchObject({ type: "tmpfs", device: "tmpfs" });
    expect(volume.driver_opts.o).toContain(`uid=${sidecarConfig.output.uid},gid=${sidecarConfig.output.gid}`);
    expect(sidecar.volumes).toContain(`app-secrets:${outDir}`);
    expect(app.volumes).toContain(`app-secrets:${outDir}:ro`);
    expect(outDir).toMatch(/^\/run\/secrets\//);
  });

  it("starts the app only once the sidecar is healthy, and the sidecar only once Vault is", () => {
    expect(app.depends_on["app-sidecar"]).toEqual({ condition: "service_healthy" });
    expect(sidecar.depends_on.vault).toEqual({ condition: "service_healthy" });
    const port = Number(
      String((sidecarConfig.listen as { address: string }).address)
        .split(":")
        .at(-1),
    );
    expect(sidecar.healthcheck.test.join(" ")).toContain(`http://127.0.0.1:${port}/readyz`);
    expect(vault.healthcheck.test.join(" ")).toContain("/v1/sys/health");
  });

  it("logs in with AppRole ids that are compose secrets, matching vault-dev's seed", () => {
    const auth = sidecarConfig.vault.auth;
    expect(auth.method).toBe("approle");
    if (auth.method !== "approle") return;
    expect(sidecar.secrets).toEqual(["vault_role_id", "vault_secret_id"]);
    expect(auth.roleIdFile).toBe("/run/secrets/vault_role_id");
    expect(auth.secretIdFile).toBe("/run/secrets/vault_secret_id");
    const seed = parse(read("vault-seed.yaml"));
    expect(read(compose.secrets.vault_role_id.file).trim()).toBe(seed.approle.app.role_id);
    expect(read(compose.secrets.vault_secret_id.file).trim()).toBe(seed.approle.app.secret_id);
    // The sidecar reaches vault-dev by service name, on the port vault-dev listens on.
    expect(sidecarConfig.vault.address).toBe(`http://vault:${vault.command[vault.command.indexOf("--port") + 1]}`);
    expect(vault.command).toContain("0.0.0.0");
  });

  it("lets the sidecar signal the app: shared PID namespace, same user, a process name the config names", () => {
    expect(app.pid).toBe("service:app-sidecar");
    expect(sidecarConfig.notify?.signal).toBe("SIGHUP");
    expect(app.user).toBe(`${sidecarConfig.output.uid}:${sidecarConfig.output.gid}`);
    expect(sidecar.user).toBe(app.user);
    expect(read("app.mjs")).toContain(`process.title = "${sidecarConfig.notify?.process}"`);
  });

  it("mounts the sidecar config read-only where the command says, and hardens both containers", () => {
    expect(sidecar.command).toEqual(["sidecar", "--config", "/etc/stowaway/sidecar.yaml"]);
    expect(sidecar.configs).toEqual([{ source: "app-sidecar-config", target: "/etc/stowaway/sidecar.yaml" }]);
    expect(compose.configs["app-sidecar-config"].file).toBe("./sidecar.yaml");
    for (const svc of [app, sidecar, vault]) expect(svc.read_only).toBe(true);
    expect(sidecar.cap_drop).toEqual(["ALL"]);
  });

  it("refers only to files that exist", () => {
    const files = [
      ...Object.values(compose.configs as Record<string, { file: string }>).map((c) => c.file),
      ...Object.values(compose.secrets as Record<string, { file: string }>).map((s) => s.file),
      ...app.volumes.map((v: string) => v.split(":")[0]).filter((s: string) => s.startsWith(".")),
    ];
    for (const f of files) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(repoRoot, vault.build.context.replace("../..", "."), vault.build.dockerfile))).toBe(true);
  });

  it("lints clean with stowaway lint", () => {
    const res = stowaway(["lint", "examples/compose"]);
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
  });

  it("has a local variant of the config that differs only in where Vault, the ids and the files are", () => {
    const local = config("sidecar.local.yaml");
    expect(local.vault.address).toBe("http://127.0.0.1:8200");
    expect(local.output.dir).toMatch(/^\/dev\/shm\//);
    expect(local.secrets).toEqual(sidecarConfig.secrets);
    expect(local.notify).toEqual(sidecarConfig.notify);
  });
});

/** The README's "without Docker" path, in process: vault-dev with the seed, the sidecar once, the app. */
describe("examples/compose without Docker", () => {
  const shm = mkdtempSync("/dev/shm/stowaway-example-test-");
  afterAll(() => rmSync(shm, { recursive: true, force: true }));

  it("renders the secrets from vault-dev and the app reads them, and again on SIGHUP", async () => {
    const vault = await startVaultDev({ port: 0, seed: join(dir, "vault-seed.yaml") });
    try {
      const out = join(shm, "secrets");
      const local = read("sidecar.local.yaml")
        .replace("http://127.0.0.1:8200", vault.url)
        .replace("./approle/role_id", join(dir, "approle/role_id"))
        .replace("./approle/secret_id", join(dir, "approle/secret_id"))
        .replace("/dev/shm/stowaway-example", out);
      writeFileSync(join(shm, "sidecar.yaml"), local);
      const log = new PassThrough();
      let logged = "";
      log.on("data", (d) => (logged += d));
      const code = await sidecarCommand({ config: join(shm, "sidecar.yaml"), once: true, onceTimeout: "20s" }, { stdout: log, stderr: log });
      expect(code, logged).toBe(0);
      expect(readFileSync(join(out, "db.env"), "utf8")).toMatch(/^DB_PASSWORD=/m);
      expect(Object.keys(JSON.parse(readFileSync(join(out, "db-creds.json"), "utf8")))).toEqual(expect.arrayContaining(["username", "password"]));

      const child = spawn(process.execPath, [join(dir, "app.mjs")], { env: { ...process.env, SECRETS_DIR: out }, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      const until = async (re: RegExp) => {
        for (let i = 0; i < 100 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 50));
        expect(text).toMatch(re);
      };
      try {
        await until(/start: .*db-creds\.json sha256:[0-9a-f]{12}/);
        expect(text).toMatch(/start: .*db\.env sha256:/);
        child.kill("SIGHUP");
        await until(/SIGHUP: .*db-creds\.json sha256:/);
        // Digests only: no value from the seed ever reaches the app's log.
        expect(text).not.toContain("example-password-not-a-secret");
      } finally {
        child.kill("SIGTERM");
      }
    } finally {
      await vault.close();
    }
  });
});
