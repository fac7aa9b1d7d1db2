import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parseConfigText, sidecarCommand } from "@stowaway/sidecar";
import { startVaultDev } from "@stowaway/vault-dev";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot, stowaway } from "./helpers.js";

const dir = join(repoRoot, "examples/tls");
const read = (name: string) => readFileSync(join(dir, name), "utf8");
const config = (name: string) => {
  const res = parseConfigText(read(name), {});
  if (!res.ok) throw new Error(`${name}: ${JSON.stringify(res.errors)}`);
  return res.config;
};

describe("examples/tls", () => {
  it("compose.yaml is what stowaway inject makes of it: a fixed point, with no warning", () => {
    const res = stowaway(["inject", "examples/tls/compose.yaml", "--service", "app", "--config", "examples/tls/sidecar.yaml"]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(read("compose.yaml"));
  });

  it("kubernetes/deployment.yaml is exactly inject's output for app.yaml, and a fixed point", () => {
    const made = stowaway(["inject", "examples/tls/kubernetes/app.yaml", "--config", "examples/tls/kubernetes/sidecar.yaml"]);
    expect(made.status).toBe(0);
    expect(made.stdout).toBe(read("kubernetes/deployment.yaml"));
    const again = stowaway(["inject", "examples/tls/kubernetes/deployment.yaml", "--config", "examples/tls/kubernetes/sidecar.yaml"]);
    expect(again.stdout).toBe(read("kubernetes/deployment.yaml"));
    const docs = parseAllDocuments(read("kubernetes/deployment.yaml")).map((d) => d.toJS());
    const pod = docs.find((d) => d.kind === "Deployment").spec.template.spec;
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.volumes.find((v: { name: string }) => v.name === "stowaway-secrets").emptyDir.medium).toBe("Memory");
    const nginx = pod.containers.find((c: { name: string }) => c.name === "nginx");
    expect(nginx.volumeMounts).toContainEqual({ name: "stowaway-secrets", mountPath: "/run/secrets/tls", readOnly: true });
    // nginx reads the files the sidecar writes: the chain as its certificate, and the key.
    const conf = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "web-nginx").data["default.conf"];
    const k8s = config("kubernetes/sidecar.yaml");
    expect(conf).toContain(`ssl_certificate     ${k8s.output.dir}/${k8s.secrets[0].files?.chain}`);
    expect(conf).toContain(`ssl_certificate_key ${k8s.output.dir}/${k8s.secrets[0].files?.key}`);
    expect(k8s.secrets[0].notify?.process).toBe("nginx");
  });

  it("inject warns when a certificate has no notify", () => {
    const tmp = mkdtempSync("/tmp/stowaway-tls-example-");
    try {
      writeFileSync(join(tmp, "sidecar.yaml"), read("sidecar.yaml").replace(/\n {4}notify:[\s\S]*$/, "\n"));
      const res = stowaway(["inject", "examples/tls/compose.yaml", "--service", "app", "--config", join(tmp, "sidecar.yaml")]);
      expect(res.status).toBe(0);
      expect(res.stderr).toContain("secrets[0] (pki/issue/app) issues a certificate, but no notify tells the app to reload it");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the seed's role allows the names the sidecar asks for, and its policy lets it issue", () => {
    const seed = parse(read("vault-seed.yaml"));
    const s = config("sidecar.yaml").secrets[0];
    expect(s.path).toBe("pki/issue/app");
    expect(seed.pki.roles.app.allowed_domains).toContain(s.issue?.commonName);
    expect(seed.policies.app).toContain('path "pki/issue/app" { capabilities = ["update"] }');
    expect(config("sidecar.local.yaml").secrets).toEqual(config("sidecar.yaml").secrets);
  });

  it("lints clean with stowaway lint", () => {
    const res = stowaway(["lint", "examples/tls"]);
    expect(res.stdout + res.stderr).not.toMatch(/error|warning/i);
    expect(res.status).toBe(0);
  });
});

describe("examples/tls without Docker", () => {
  const shm = mkdtempSync("/dev/shm/stowaway-tls-example-test-");
  afterAll(() => rmSync(shm, { recursive: true, force: true }));

  it("the sidecar issues the certificate from vault-dev, and server.mjs serves it to a client that trusts ca.crt, and reloads it on SIGHUP", async () => {
    const vault = await startVaultDev({ port: 0, seed: join(dir, "vault-seed.yaml") });
    const out = join(shm, "secrets");
    const local = read("sidecar.local.yaml")
      .replace("http://127.0.0.1:8200", vault.url)
      .replace("./approle/role_id", join(dir, "approle/role_id"))
      .replace("./approle/secret_id", join(dir, "approle/secret_id"))
      .replace("/dev/shm/stowaway-tls-example", out)
      .replace("listen: 127.0.0.1:8099", "listen: 127.0.0.1:0");
    writeFileSync(join(shm, "sidecar.yaml"), local);
    // In this process (a spawnSync would block vault-dev's event loop).
    const log = new PassThrough();
    let logged = "";
    log.on("data", (d) => (logged += d));
    try {
      const code = await sidecarCommand({ config: join(shm, "sidecar.yaml"), once: true, onceTimeout: "20s" }, { stdout: log, stderr: log });
      expect(code, logged).toBe(0);
      expect(readlinkSync(join(out, "tls.key"))).toBe("..data/tls.key");
      expect(statSync(join(out, "tls.key")).mode & 0o777).toBe(0o400);
      const child = spawn(process.execPath, [join(dir, "server.mjs")], {
        env: { ...process.env, SECRETS_DIR: out, PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      const until = async (re: RegExp) => {
        for (let i = 0; i < 200 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 50));
        return re.exec(text);
      };
      try {
        const port = (await until(/listening on (\d+)/))?.[1];
        expect(port, text).toBeDefined();
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get({ host: "127.0.0.1", port: Number(port), servername: "localhost", ca: readFileSync(join(out, "ca.crt")), path: "/" }, (res) => {
              let b = "";
              res.on("data", (d) => (b += d));
              res.on("end", () => resolve(b));
            })
            .on("error", reject);
        });
        expect(body).toBe("hello over TLS\n");
        child.kill("SIGHUP");
        expect(await until(/SIGHUP: reloaded, serial [0-9A-F]+/), text).not.toBeNull();
        // Public facts only: the key never reaches the app's log.
        expect(text).not.toContain("PRIVATE KEY");
      } finally {
        child.kill("SIGTERM");
      }
    } finally {
      await vault.close();
    }
  });
});
