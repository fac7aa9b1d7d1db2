// Issue 19: POST /quit was always on and accepted cross-origin browser posts; DNS rebinding
// could read /metrics; 400 idle connections took the file descriptors rotation needs (EMFILE).
// The real CLI against vault-dev.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { faultEnv, fileText, fixture, leaks, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

const SECRET = "  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n";

/** Raw HTTP/1.1, so that Host and Origin are exactly what the test says. */
async function raw(base: string, request: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(request));
    let data = "";
    s.on("data", (c) => (data += c));
    s.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    s.on("error", () => resolve(0));
  });
}

describe("status server hardening (real CLI)", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: fixture("status0") } } });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  /** A config whose listen block is `listen` (YAML text). */
  function config(listen: string): { file: string; out: string } {
    const c = env.config(SECRET);
    writeFileSync(c.file, readFileSync(c.file, "utf8").replace("listen: 127.0.0.1:0\n", `listen: ${listen}\n`));
    return c;
  }

  it("POST /quit with an Origin header (a browser page) does not stop the sidecar; without listen.quit there is no /quit", async () => {
    const { file } = config(`{ address: "127.0.0.1:0", quit: true }`);
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      const host = new URL(base).host;
      expect(
        await raw(
          base,
          `POST /quit HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      ).toBe(403);
      expect(await raw(base, `GET /metrics HTTP/1.1\r\nHost: rebind.evil.example:${new URL(base).port}\r\nConnection: close\r\n\r\n`)).toBe(403);
      await sleep(300);
      expect(p.child.exitCode).toBeNull();
      expect(await raw(base, `POST /quit HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)).toBe(200);
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.stop();
    }
    const plain = spawnSidecar(["--config", config("127.0.0.1:0").file]);
    try {
      const base = await plain.baseUrl();
      expect((await fetch(`${base}/quit`, { method: "POST" })).status).toBe(404);
      await sleep(300);
      expect(plain.child.exitCode).toBeNull();
    } finally {
      await plain.stop();
    }
  });

  it("400 idle connections under a 256-descriptor limit: rotation still works, no EMFILE", async () => {
    const { file, out } = config("127.0.0.1:0");
    const p = spawnSidecar(["--config", file]);
    const sockets: net.Socket[] = [];
    try {
      const base = await p.baseUrl();
      await until("first render", () => fileText(path.join(out, "db")) !== undefined);
      execFileSync("prlimit", ["--pid", String(p.child.pid), "--nofile=256:256"]);
      const u = new URL(base);
      for (let i = 0; i < 400; i++) {
        const s = net.connect(Number(u.port), u.hostname);
        s.on("error", () => {});
        sockets.push(s);
        if (i % 50 === 0) await sleep(10);
      }
      await sleep(500);
      for (let round = 0; round < 3; round++) {
        const next = fixture(`status${round + 1}`);
        await env.kvPut("app/db", { password: next });
        await until(`rotation ${round + 1}`, () => fileText(path.join(out, "db")) === next, 8000);
      }
      expect(p.output()).not.toMatch(/EMFILE/);
      for (const s of sockets) s.destroy();
      await until("healthz answers once the idle connections are gone", async () => (await fetch(`${base}/healthz`)).status === 200, 5000);
    } finally {
      for (const s of sockets) s.destroy();
      await p.stop();
    }
  });
});
