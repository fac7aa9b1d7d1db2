// The sidecar image runs node with V8 flags (packages/sidecar/Dockerfile's ENTRYPOINT), among them
// --jitless, which turns WebAssembly off and with it `fetch` (undici's HTTP parser is WebAssembly).
// The real CLI under exactly those flags, against vault-dev: it renders, notifies over HTTP on a
// change, serves /metrics, and prints no V8 warning.
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultEnv, fileText, fixture, leaks, metrics, readyz, spawnSidecar, until } from "../faults/sidecar-helpers.js";
import { ROOT } from "./helpers.js";

/** The node flags of the image's ENTRYPOINT: ["--max-semi-space-size=1", …]. */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(path.join(ROOT, "packages/sidecar/Dockerfile"), "utf8");
  const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)![1]) as string[];
  return entrypoint.filter((a) => a.startsWith("--"));
}

describe("the sidecar under the image's node flags", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  let server: http.Server;
  const posts: string[] = [];
  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: fixture("flags-db") } } });
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        posts.push(body);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it("renders, notifies over HTTP on a change, serves /metrics, and prints no V8 warning", async () => {
    const flags = imageNodeFlags();
    expect(flags).toContain("--jitless");
    const port = (server.address() as AddressInfo).port;
    const { file, out } = env.config("  - { path: secret/data/app/db, file: db.env, format: dotenv }\n", {
      extra: `notify:\n  debounce: 0ms\n  http: { url: "http://127.0.0.1:${port}/reload", method: POST, timeout: 2s, retries: 1 }\n`,
    });
    const p = spawnSidecar(["--config", file], {}, "sidecar", flags);
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
      const rotated = fixture("flags-db2");
      await env.kvPut("app/db", { password: rotated });
      await until("re-rendered", () => fileText(path.join(out, "db.env"))?.includes(rotated) === true);
      await until("notified over http", () => posts.length > 0);
      expect(JSON.parse(posts[0])).toEqual({ files: ["db.env"] });
      expect(await p.waitFor(/"msg":"notified over http"/)).toBeTruthy();
      expect(await metrics(base)).toMatch(/^stowaway_notifications_total\{kind="http",outcome="ok"\} 1$/m);
    } finally {
      await p.stop();
    }
    expect(p.output()).not.toMatch(/Warning|WebAssembly|notify failed/);
  }, 30_000);
});
