import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { faultEnv, fileText, fixture, isRoot, leaks, readyz, spawnSidecar, until } from "./sidecar-helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Issue 8, hygiene: what escapes to the top level, what a notify command inherits, file and dir
// modes, and the listen address. Independent sidecars: the tests run at once.
describe.concurrent("sidecar: errors at the top level, notify env, file modes, listen address", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;

  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { username: "app", password: fixture("hygpw") }, "app/api": { key: fixture("hygapi") } } });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it("an error that escapes to the top level is printed as code and type only (no request config)", async () => {
    const { file } = env.config(`  - path: secret/data/app/api\n    file: api.json\n    format: json\n`);
    const token = `hvs.${fixture("escaped")}`;
    const script = `
      const { sidecarCommand } = await import(${JSON.stringify(path.join(ROOT, "packages/sidecar/dist/index.js"))});
      setTimeout(() => { throw Object.assign(new Error("Request failed"), { isAxiosError: true, code: "ERR_BAD_RESPONSE", config: { headers: { "X-Vault-Token": ${JSON.stringify(token)} } } }); }, 1000);
      process.exitCode = await sidecarCommand({ config: ${JSON.stringify(file)} });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (c) => ((text += c), leaks.output(c)));
    child.stderr.on("data", (c) => ((text += c), leaks.output(c)));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(text).toMatch(/"level":"fatal".*"code":"ERR_BAD_RESPONSE".*unexpected error/);
    expect(text).not.toContain(token);
  });

  it("a notify command does not inherit $VAULT_TOKEN", async () => {
    const token = env.vault.createToken({ ttl: "1h" });
    leaks.secret(token);
    const envFile = path.join(env.etc, "notify-env");
    const { file } = env.config(`  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: password\n`, {
      extra: `notify:\n  debounce: 50ms\n  command: ["sh", "-c", "env > ${envFile}"]\n`,
    });
    writeFileSync(file, readFileSync(file, "utf8").replace(/  auth:\n    method: approle\n.*\n.*\n/, "  auth:\n    method: token\n"));
    const p = spawnSidecar(["--config", file], { VAULT_TOKEN: token });
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      await env.kvPut("app/db", { username: "app", password: fixture("leakpw3") });
      await until("notify command ran", () => (fileText(envFile) ?? "").includes("STOWAWAY_CHANGED_FILES=pw"), 5000);
      expect(fileText(envFile)).not.toContain(token);
    } finally {
      await p.stop();
    }
  });

  it("modes: dir 0700 (0750 with a gid), files 0400 by default or as configured; owner when root", async () => {
    const { file, out } = env.config(
      `  - path: secret/data/app/db\n    file: a/db.env\n  - path: secret/data/app/api\n    file: api\n    format: raw\n    key: key\n    mode: "0440"\n`,
    );
    const p = spawnSidecar(["--config", file, "--once"]);
    expect((await p.exited).code, p.output()).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(out, "a")).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(out, "a/db.env")).mode & 0o777).toBe(0o400);
    expect(statSync(path.join(out, "api")).mode & 0o777).toBe(0o440);
    if (isRoot) {
      const g = env.config(`  - path: secret/data/app/db\n    file: b/db.env\n`, { outputExtra: "  uid: 1234\n  gid: 2345\n" });
      const p2 = spawnSidecar(["--config", g.file, "--once"]);
      expect((await p2.exited).code, p2.output()).toBe(0);
      // Files belong to uid:gid; directories stay the sidecar's, the app gets in through the group.
      for (const [f, mode, uid] of [
        ["", 0o750, 0],
        ["b", 0o750, 0],
        ["b/db.env", 0o400, 1234],
      ] as const) {
        const st = statSync(path.join(g.out, f));
        expect(st.mode & 0o777, f).toBe(mode);
        expect([st.uid, st.gid], f).toEqual([uid, 2345]);
      }
    }
  });

  it("listen: a port alone binds loopback; a non-loopback bind only when named, with a warning", async () => {
    for (const [listen, host, warns] of [
      [":0", "127.0.0.1", false],
      ["0", "127.0.0.1", false],
      ["0.0.0.0:0", "0.0.0.0", true],
    ] as const) {
      const { file } = env.config(`  - path: secret/data/app/api\n    file: api.json\n    format: json\n`, { extra: `listen: "${listen}"\n` });
      // The later `listen:` key wins over the helper's; YAML duplicate keys are an error, so rewrite instead.
      writeFileSync(
        file,
        readFileSync(file, "utf8")
          .replace(/^listen: 127\.0\.0\.1:0\n/m, "")
          .replace(/^listen: .*$/m, `listen: "${listen}"`),
      );
      const p = spawnSidecar(["--config", file]);
      try {
        const m = await p.waitFor(/"address":"([^"]+):(\d+)","msg":"listening"/);
        expect(m[1], listen).toBe(host);
        expect(/is not loopback/.test(p.output()), listen).toBe(warns);
      } finally {
        await p.stop();
      }
    }
  });
});
