import { describe, expect, it } from "vitest";
import net from "node:net";
import { hostAllowed, startStatusServer } from "./index.js";
import { SidecarMetrics } from "./metrics.js";

/** Raw HTTP/1.1 so that Host, Origin and bodies are exactly what a test says. */
async function raw(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(request));
    let data = "";
    s.on("data", (c) => (data += c));
    s.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    s.on("error", reject);
  });
}

describe("status server", () => {
  it("computes stowaway_ready when it is scraped, from the sidecar's readiness at that moment", async () => {
    let ready = false;
    let asked = 0;
    const metrics = new SidecarMetrics();
    metrics.isReady = () => {
      asked++;
      return ready;
    };
    expect((await metrics.exposition()).text).toMatch(/^stowaway_ready 0$/m);
    ready = true;
    expect((await metrics.exposition()).text).toMatch(/^stowaway_ready 1$/m);
    expect(asked).toBe(2);
  });

  it("serves healthz, readyz, metrics and POST /quit", async () => {
    let reason: string | null = "1 secret(s) not rendered yet";
    let quits = 0;
    const metrics = new SidecarMetrics();
    metrics.renders.inc({ file: "db.env" });
    const s = await startStatusServer("127.0.0.1", 0, metrics, { notReadyReason: () => reason, quit: () => quits++ });
    const base = `http://127.0.0.1:${s.address.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const r1 = await fetch(`${base}/readyz`);
      expect([r1.status, await r1.text()]).toEqual([503, "not ready: 1 secret(s) not rendered yet\n"]);
      reason = null;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/stowaway_renders_total\{file="db.env"\} 1/);
      expect((await fetch(`${base}/quit`)).status).toBe(405);
      expect((await fetch(`${base}/quit`, { method: "POST" })).status).toBe(200);
      expect(quits).toBe(1);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      await expect(startStatusServer("127.0.0.1", s.address.port, metrics, { notReadyReason: () => null, quit: () => {} })).rejects.toMatchObject({
        code: "LISTEN_FAILED",
        message: expect.stringMatching(/EADDRINUSE/),
      });
    } finally {
      await s.close();
    }
  });

  it("has no /quit unless it is enabled", async () => {
    const s = await startStatusServer("127.0.0.1", 0, new SidecarMetrics(), { notReadyReason: () => null });
    try {
      expect((await fetch(`http://127.0.0.1:${s.address.port}/quit`, { method: "POST" })).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it("refuses browsers: an Origin header, a foreign Host (DNS rebinding), a /quit with a body", async () => {
    let quits = 0;
    const s = await startStatusServer("127.0.0.1", 0, new SidecarMetrics(), { notReadyReason: () => null, quit: () => quits++ });
    const port = s.address.port;
    try {
      const post = (headers: string, body = "") => raw(port, `POST /quit HTTP/1.1\r\n${headers}Connection: close\r\n\r\n${body}`);
      expect(await post(`Host: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n`)).toBe(403);
      expect(await post(`Host: 127.0.0.1:${port}\r\nOrigin: null\r\n`)).toBe(403);
      expect(await post(`Host: rebind.evil.example:${port}\r\n`)).toBe(403);
      expect(await post(`Host: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n`, "a=b\r\n")).toBe(400);
      expect(await post(`Host: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n`, "0\r\n\r\n")).toBe(400);
      expect(quits).toBe(0);
      // /metrics through a rebound name gives nothing away.
      expect(await raw(port, `GET /metrics HTTP/1.1\r\nHost: rebind.evil.example:${port}\r\nConnection: close\r\n\r\n`)).toBe(403);
      expect(await raw(port, `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port + 1}\r\nConnection: close\r\n\r\n`)).toBe(403);
      expect(await raw(port, `GET /metrics HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`)).toBe(200);
      expect(await post(`Host: 127.0.0.1:${port}\r\nContent-Length: 0\r\n`)).toBe(200);
      expect(quits).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("hostAllowed", () => {
    expect(hostAllowed("127.0.0.1:8099", "127.0.0.1", 8099)).toBe(true);
    expect(hostAllowed("LOCALHOST:8099", "127.0.0.1", 8099)).toBe(true);
    expect(hostAllowed("127.0.0.1:8099", "localhost", 8099)).toBe(true);
    expect(hostAllowed("[::1]:8099", "127.0.0.1", 8099)).toBe(true);
    expect(hostAllowed("127.evil.example:8099", "127.0.0.1", 8099)).toBe(false);
    expect(hostAllowed("[::1]:8099", "::1", 8099)).toBe(true);
    expect(hostAllowed("10.1.2.3:8099", "0.0.0.0", 8099)).toBe(true); // a kubelet probe to the pod IP
    expect(hostAllowed("10.1.2.3:8099", "127.0.0.1", 8099)).toBe(false);
    expect(hostAllowed("evil.example:8099", "0.0.0.0", 8099)).toBe(false);
    expect(hostAllowed("127.0.0.1", "127.0.0.1", 8099)).toBe(false);
    expect(hostAllowed(undefined, "127.0.0.1", 8099)).toBe(true);
  });

  it("closes idle connections and caps how many are open", async () => {
    const s = await startStatusServer("127.0.0.1", 0, new SidecarMetrics(), { notReadyReason: () => null }, { maxConnections: 8, idleTimeoutMs: 300 });
    const sockets: net.Socket[] = [];
    try {
      let open = 0;
      for (let i = 0; i < 40; i++) {
        const sock = net.connect(s.address.port, "127.0.0.1");
        sock.on("error", () => {});
        sock.on("connect", () => open++);
        sock.on("close", () => open--);
        sockets.push(sock);
      }
      // Excess connections are closed at once; the rest once idle.
      await expect.poll(() => sockets.filter((x) => !x.destroyed).length, { timeout: 5000 }).toBeLessThanOrEqual(8);
      await expect.poll(() => sockets.filter((x) => !x.destroyed).length, { timeout: 5000 }).toBe(0);
      expect(open).toBeLessThanOrEqual(0);
      expect((await fetch(`http://127.0.0.1:${s.address.port}/healthz`)).status).toBe(200);
    } finally {
      for (const x of sockets) x.destroy();
      await s.close();
    }
  });
});
