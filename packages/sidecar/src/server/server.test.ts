import { describe, expect, it } from "vitest";
import { startStatusServer } from "./index.js";
import { SidecarMetrics } from "./metrics.js";

describe("status server", () => {
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
});
