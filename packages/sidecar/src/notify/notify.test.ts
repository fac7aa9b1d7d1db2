import { describe, expect, it, vi } from "vitest";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { Notifier, findProcesses } from "./index.js";
import { SidecarMetrics } from "../server/metrics.js";
import { systemClock } from "../schedule/clock.js";
import type { NotifyConfig } from "../config/schema.js";

const log = pino({ level: "silent" });
const cfg = (c: Partial<NotifyConfig>): NotifyConfig => ({ debounce: 50, commandTimeout: 5000, ...c }) as NotifyConfig;

describe("Notifier", () => {
  it("debounces a burst into one firing", async () => {
    const n = new Notifier(cfg({}), { clock: systemClock, log, metrics: new SidecarMetrics() });
    const fire = vi.spyOn(n, "fire").mockResolvedValue();
    n.trigger("a");
    n.trigger("b");
    n.trigger("a");
    await new Promise((r) => setTimeout(r, 150));
    expect(fire).toHaveBeenCalledTimes(1);
    expect(fire.mock.calls[0][0].files.sort()).toEqual(["a", "b"]);
    n.stop();
  });

  it("runs a command, posts http, signals a pid file; failures are counted", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "notify-"));
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        hits.push(`${req.method} ${body}`);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const metrics = new SidecarMetrics();
    const got: string[] = [];
    const onHup = () => got.push("HUP");
    process.on("SIGHUP", onHup);
    try {
      writeFileSync(path.join(dir, "pid"), String(process.pid));
      const n = new Notifier(
        cfg({
          signal: "SIGHUP",
          pidFile: path.join(dir, "pid"),
          command: ["sh", "-c", `echo "$STOWAWAY_CHANGED_FILES" > ${dir}/out`],
          http: { url: `http://127.0.0.1:${port}/reload`, method: "POST", timeout: 1000, retries: 0 },
        }),
        { clock: systemClock, log, metrics },
      );
      await n.fire({ files: ["db.env"] });
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(["HUP"]);
      expect(readFileSync(path.join(dir, "out"), "utf8").trim()).toBe("db.env");
      expect(hits).toEqual(['POST {"files":["db.env"]}']);
      const bad = new Notifier(cfg({ command: ["sh", "-c", "exit 3"] }), { clock: systemClock, log, metrics });
      await bad.fire({ files: ["x"] });
      const text = (await metrics.exposition()).text;
      expect(text).toMatch(/stowaway_notifications_total\{kind="command",outcome="error"\} 1/);
      expect(text).toMatch(/stowaway_notifications_total\{kind="signal",outcome="ok"\} 1/);
    } finally {
      process.off("SIGHUP", onHup);
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a pid file that is empty (created, not yet written) when the change lands is read again: the app still gets its signal", async () => {
    // The pid file of an app that is starting: the sidecar used to give up on this rotation.
    const dir = mkdtempSync(path.join(os.tmpdir(), "notify-"));
    const got: string[] = [];
    const onHup = () => got.push("HUP");
    process.on("SIGHUP", onHup);
    const metrics = new SidecarMetrics();
    try {
      const pidFile = path.join(dir, "pid");
      writeFileSync(pidFile, "");
      const n = new Notifier(cfg({ signal: "SIGHUP", pidFile }), { clock: systemClock, log, metrics });
      setTimeout(() => writeFileSync(pidFile, String(process.pid)), 100);
      await n.fire({ files: ["tls.crt"] });
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(["HUP"]);
      expect((await metrics.exposition()).text).toMatch(/stowaway_notifications_total\{kind="signal",outcome="ok"\} 1/);

      // Nobody there at all: a few tries, then one counted failure.
      rmSync(pidFile);
      const started = Date.now();
      await n.fire({ files: ["tls.crt"] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_300);
      expect((await metrics.exposition()).text).toMatch(/stowaway_notifications_total\{kind="signal",outcome="error"\} 1/);
      expect(got).toEqual(["HUP"]);
    } finally {
      process.off("SIGHUP", onHup);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an HTTP notification that keeps failing is tried 1 + retries times, waiting 200 ms, 400 ms… between, and not after the last", async () => {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.statusCode = 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    // A clock that records each wait and ends it at once.
    const waits: number[] = [];
    const clock = {
      ...systemClock,
      setTimeout: (fn: () => void, ms: number) => {
        waits.push(ms);
        return systemClock.setTimeout(fn, 0);
      },
    };
    const metrics = new SidecarMetrics();
    try {
      const n = new Notifier(cfg({ http: { url: `http://127.0.0.1:${port}/reload`, method: "POST", timeout: 1000, retries: 2 } }), { clock, log, metrics });
      await n.fire({ files: ["db.env"] });
      expect(hits).toBe(3);
      expect(waits).toEqual([200, 400]);
      expect((await metrics.exposition()).text).toMatch(/stowaway_notifications_total\{kind="http",outcome="error"\} 1/);
    } finally {
      server.close();
    }
  });

  it("finds processes by name via /proc", async () => {
    expect(await findProcesses("definitely-not-a-process-name")).toEqual([]);
    const { spawn } = await import("node:child_process");
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await findProcesses("sleep")).toContain(child.pid);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
