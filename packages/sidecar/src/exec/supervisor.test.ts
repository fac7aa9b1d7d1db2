import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Clock } from "../schedule/clock.js";
import { MetricSet } from "../server/metrics.js";
import { ExecMetrics } from "./metrics.js";
import { Supervisor, exitCodeOf, type SupervisorOptions } from "./supervisor.js";

/** Timers fire only when the test advances time; `now` moves with them (or by `step` per call). */
class FakeClock implements Clock {
  private t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  step = 0;
  now = () => (this.t += this.step);
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  random = () => 0.5;
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

const log = pino({ level: "silent" });
const dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-supervisor-"));
let n = 0;
const supervisors: Supervisor[] = [];

afterEach(async () => {
  // Nothing may outlive a test: kill what is left and wait for it.
  for (const s of supervisors.splice(0)) {
    s.terminate("SIGKILL", "test cleanup");
    s.terminate("SIGKILL", "test cleanup");
    await s.done;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const lines = (file: string) => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

/**
 * A real node child: logs "start <pid> <X>" to `file`, and "<SIGNAL> <pid>" for each signal it
 * handles; `onTerm` says what it does on SIGTERM.
 */
function child(opts: { onTerm?: "exit0" | "exit7" | "ignore" | "default"; code?: number } = {}): { file: string; args: string[] } {
  const file = path.join(dir, `c${++n}.log`);
  const script = `
    const fs = require("node:fs");
    const log = (s) => fs.appendFileSync(${JSON.stringify(file)}, s + "\\n");
    process.on("SIGHUP", () => log("SIGHUP " + process.pid));
    const onTerm = ${JSON.stringify(opts.onTerm ?? "exit0")};
    if (onTerm === "exit0") process.on("SIGTERM", () => { log("SIGTERM " + process.pid); process.exit(0); });
    if (onTerm === "exit7") process.on("SIGTERM", () => { log("SIGTERM " + process.pid); process.exit(7); });
    if (onTerm === "ignore") process.on("SIGTERM", () => log("SIGTERM " + process.pid));
    // Logged last: once the test sees it, the handlers are in place.
    log("start " + process.pid + " " + process.env.X);
    ${opts.code !== undefined ? `process.exit(${opts.code});` : "setInterval(() => {}, 1 << 30);"}
  `;
  return { file, args: ["-e", script] };
}

function supervise(args: string[], clock: FakeClock, extra: Partial<SupervisorOptions> = {}, env: () => string = () => "one") {
  const s = new Supervisor({ command: process.execPath, args, env: () => ({ ...process.env, X: env() }), clock, log, stopTimeoutMs: 10_000, ...extra });
  supervisors.push(s);
  return s;
}

describe("exitCodeOf", () => {
  it("is the child's code, or 128 + the signal's number", () => {
    expect(exitCodeOf({ code: 3, signal: null })).toBe(3);
    expect(exitCodeOf({ code: null, signal: "SIGKILL" })).toBe(137);
    expect(exitCodeOf({ code: null, signal: "SIGTERM" })).toBe(143);
  });
});

describe("Supervisor (fake clock, real child processes)", () => {
  it("exits with the child's own code when it exits on its own, and with 128+N when a signal ends it", async () => {
    const clock = new FakeClock();
    const a = supervise(child({ code: 3 }).args, clock);
    a.start();
    expect(await a.done).toMatchObject({ reason: "exited", code: 3 });
    const b = supervise(["-e", "process.kill(process.pid, 'SIGUSR2')"], clock);
    b.start();
    expect(await b.done).toMatchObject({ reason: "exited", code: 140 });
  });

  it("restart stops the child with stopSignal and starts it again with the new environment", async () => {
    const clock = new FakeClock();
    const metrics = new ExecMetrics(new MetricSet());
    let value = "one";
    const c = child();
    const s = supervise(c.args, clock, { metrics }, () => value);
    s.start();
    await until("first start", () => lines(c.file).length === 1);
    const firstPid = s.pid;
    expect((await metrics.pid.get()).values[0].value).toBe(firstPid);
    value = "two";
    await s.restart("change");
    await until("second start", () => lines(c.file).length === 3);
    const [start1, term, start2] = lines(c.file);
    expect(start1).toBe(`start ${firstPid} one`);
    expect(term).toBe(`SIGTERM ${firstPid}`);
    expect(start2).toMatch(/^start \d+ two$/);
    expect(s.pid).not.toBe(firstPid);
    expect(s.restarts).toBe(1);
    expect((await metrics.restarts.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { reason: "change" } })]);
    expect((await metrics.lastExitCode.get()).values[0].value).toBe(0);
    // The stop timer was cleared once the child stopped.
    expect(clock.pending).toBe(0);
  });

  it("restart of a child that ignores stopSignal waits for stopTimeout on the clock, then SIGKILLs", async () => {
    const clock = new FakeClock();
    let value = "one";
    const c = child({ onTerm: "ignore" });
    const s = supervise(c.args, clock, {}, () => value);
    s.start();
    await until("start", () => lines(c.file).length === 1);
    const firstPid = s.pid;
    value = "two";
    const restarted = s.restart("change");
    await until("SIGTERM seen", () => lines(c.file).length === 2);
    // Real time passes, the fake clock does not: the child must still be the old one.
    await sleep(300);
    expect(s.pid).toBe(firstPid);
    expect(lines(c.file)).toHaveLength(2);
    clock.advance(9_999);
    await sleep(100);
    expect(s.pid).toBe(firstPid);
    clock.advance(1);
    await restarted;
    await until("second start", () => lines(c.file).length === 3);
    expect(lines(c.file)[2]).toMatch(/^start \d+ two$/);
    expect(s.lastExit).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("signal sends the signal and keeps the pid", async () => {
    const clock = new FakeClock();
    const c = child();
    const s = supervise(c.args, clock);
    s.start();
    await until("start", () => lines(c.file).length === 1);
    const pid = s.pid;
    expect(s.signal("SIGHUP", "change")).toBe(true);
    await until("SIGHUP seen", () => lines(c.file).length === 2);
    expect(lines(c.file)[1]).toBe(`SIGHUP ${pid}`);
    expect(s.pid).toBe(pid);
    expect(s.restarts).toBe(0);
  });

  it("terminate passes the signal on and finishes with the child's exit code", async () => {
    const clock = new FakeClock();
    const c = child({ onTerm: "exit7" });
    const s = supervise(c.args, clock);
    s.start();
    await until("start", () => lines(c.file).length === 1);
    s.terminate("SIGTERM", "test");
    expect(await s.done).toMatchObject({ reason: "stopped", code: 7 });
  });

  it("terminate kills a child that ignores the signal after stopTimeout (137)", async () => {
    const clock = new FakeClock();
    const c = child({ onTerm: "ignore" });
    const s = supervise(c.args, clock, { stopTimeoutMs: 5_000 });
    s.start();
    await until("start", () => lines(c.file).length === 1);
    s.terminate("SIGTERM", "test");
    await until("SIGTERM seen", () => lines(c.file).length === 2);
    await sleep(200);
    expect(s.isFinished).toBe(false);
    clock.advance(5_000);
    expect(await s.done).toMatchObject({ reason: "stopped", code: 137 });
  });

  it("a stop request while a restart waits for the old child wins: no new child is started", async () => {
    const clock = new FakeClock();
    const c = child({ onTerm: "ignore" });
    const s = supervise(c.args, clock);
    s.start();
    await until("start", () => lines(c.file).length === 1);
    const restarted = s.restart("change");
    await until("SIGTERM seen", () => lines(c.file).length === 2);
    s.terminate("SIGTERM", "test");
    clock.advance(10_000);
    expect(await s.done).toMatchObject({ reason: "stopped", code: 137 });
    await restarted;
    await sleep(200);
    expect(lines(c.file).filter((l) => l.startsWith("start"))).toHaveLength(1);
    expect(s.restarts).toBe(0);
  });

  it("with restartOnExit on-failure, 5 exits within the window is a crash loop: finish non-zero with a message", async () => {
    const clock = new FakeClock();
    const c = child({ code: 1 });
    const s = supervise(c.args, clock, { restartOnExit: "on-failure", crashLoop: { maxExits: 5, windowMs: 10_000 } });
    s.start();
    const r = await s.done;
    expect(r).toMatchObject({ reason: "crash-loop", code: 1 });
    expect(r.reason === "crash-loop" && r.message).toMatch(/crash-looping: it exited 5 times within 10s/);
    expect(lines(c.file).filter((l) => l.startsWith("start"))).toHaveLength(5);
  });

  it("exits spread wider than the window are no crash loop", async () => {
    const clock = new FakeClock();
    clock.step = 3_000; // every exit is 3 s after the one before: at most 4 in 10 s
    const c = child({ code: 1 });
    const s = supervise(c.args, clock, { restartOnExit: "on-failure", crashLoop: { maxExits: 5, windowMs: 10_000 } });
    s.start();
    await until("8 starts", () => lines(c.file).length >= 8);
    expect(s.isFinished).toBe(false);
  });

  it("restartOnExit on-failure does not restart a child that exited 0", async () => {
    const clock = new FakeClock();
    const s = supervise(child({ code: 0 }).args, clock, { restartOnExit: "on-failure" });
    s.start();
    expect(await s.done).toMatchObject({ reason: "exited", code: 0 });
    expect(s.restarts).toBe(0);
  });

  it("a command that does not exist finishes with 127 and says so", async () => {
    const clock = new FakeClock();
    const s = new Supervisor({ command: path.join(dir, "no-such-command"), args: [], env: () => process.env, clock, log });
    s.start();
    expect(await s.done).toMatchObject({ reason: "spawn-failed", code: 127, message: expect.stringMatching(/cannot start .*no-such-command: ENOENT/) });
  });
});
