import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { CLI } from "../sidecar/helpers.js";
import { faultEnv, fileText, fixture, isRoot, leaks, readyz, sleep, until } from "./sidecar-helpers.js";

const hasSetpriv = (() => {
  try {
    execFileSync("setpriv", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

// docs/security.md: "no capabilities beyond CHOWN when uid/gid are set". Root with every other
// capability dropped (no CAP_DAC_OVERRIDE) must still create, rotate and compare its files.
describe.skipIf(!isRoot || !hasSetpriv)("sidecar as root with CAP_CHOWN only (needs root and setpriv)", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  beforeAll(async () => {
    env = await faultEnv({ kv1: { "legacy/app": { token: fixture("priv0") } }, kv2: { "app/db": { password: fixture("priv1") } } });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it("creates, owns and rotates files for uid:gid; unchanged values are not rewritten", async () => {
    const { file, out } = env.config(
      `  - path: kv/legacy/app\n    file: legacy\n    format: raw\n    key: token\n  - path: secret/data/app/db\n    file: sub/db.env\n`,
      { outputExtra: "  uid: 1234\n  gid: 2345\n", refresh: "300ms" },
    );
    const child = spawn("setpriv", ["--bounding-set=-all,+chown", "--inh-caps=-all", "--", process.execPath, CLI, "sidecar", "--config", file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (c: Buffer) => {
      output += c;
      leaks.output(c);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const exited = new Promise((r) => child.once("exit", r));
    try {
      await until("listening", () => /"msg":"listening"/.test(output), 10_000);
      const m = /"address":"([^"]+):(\d+)","msg":"listening"/.exec(output)!;
      const base = `http://${m[1]}:${m[2]}`;
      await until("ready", async () => (await readyz(base)) === 200, 10_000);
      // setpriv exec()s node: the sidecar's effective capabilities are CAP_CHOWN (bit 0) alone.
      expect(/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]).toBe("0000000000000001");
      for (const [f, uid, mode] of [
        ["", 0, 0o750],
        ["sub", 0, 0o750],
        ["legacy", 1234, 0o400],
        ["sub/db.env", 1234, 0o400],
      ] as const) {
        const st = statSync(path.join(out, f));
        expect([st.uid, st.gid, st.mode & 0o777], f || ".").toEqual([uid, 2345, mode]);
      }
      const mtime = statSync(path.join(out, "legacy")).mtimeMs;
      await sleep(1200); // four KV v1 re-reads of an unchanged value
      expect(statSync(path.join(out, "legacy")).mtimeMs).toBe(mtime);
      expect(output).not.toMatch(/"level":"(error|fatal)"/);
      const v = fixture("priv2");
      const r = await fetch(`${env.vault.url}/v1/kv/legacy/app`, {
        method: "POST",
        headers: { "X-Vault-Token": env.vault.rootToken },
        body: JSON.stringify({ token: v }),
      });
      expect(r.status).toBe(204);
      await until("rotated", () => fileText(path.join(out, "legacy")) === v, 3000);
      expect(statSync(path.join(out, "legacy")).uid).toBe(1234);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
