import * as prom from "prom-client";
import { describe, expect, it } from "vitest";
import { MetricSet } from "./metrics.js";

describe("metrics kept by us, written by prom-client on the first scrape", () => {
  it("write exactly what prom-client's own Counter, Gauge and Histogram write for the same calls", async () => {
    const ours = new MetricSet();
    const registry = new prom.Registry();
    const registers = [registry];
    const buckets = [0.005, 0.01, 0.1, 1, 10];
    const c = ours.counter("t_total", 'help with "quotes" and \\ backslash', ["file", "code"]);
    const pc = new prom.Counter({ name: "t_total", help: 'help with "quotes" and \\ backslash', labelNames: ["file", "code"], registers });
    const plain = ours.counter("plain_total", "no labels, never counted");
    new prom.Counter({ name: "plain_total", help: "no labels, never counted", registers });
    const g = ours.gauge("g", "a gauge", ["file"]);
    const pg = new prom.Gauge({ name: "g", help: "a gauge", labelNames: ["file"], registers });
    const g0 = ours.gauge("g0", "unlabelled gauge");
    const pg0 = new prom.Gauge({ name: "g0", help: "unlabelled gauge", registers });
    const h = ours.histogram("h_seconds", "latency", ["op", "outcome"], buckets);
    const ph = new prom.Histogram({ name: "h_seconds", help: "latency", labelNames: ["op", "outcome"], buckets, registers });

    for (const [labels, by] of [
      [{ file: 'a "b".env', code: "X" }, 1],
      [{ file: "line\nbreak", code: "Y" }, 3],
      [{ file: 'a "b".env', code: "X" }, 2],
    ] as const) {
      c.inc(labels, by);
      pc.inc(labels, by);
    }
    for (const [file, v] of [
      ["a", 1.5],
      ["b", -2],
      ["a", 1764000000.123],
    ] as const) {
      g.set({ file }, v);
      pg.set({ file }, v);
    }
    g0.set(7);
    pg0.set(7);
    for (const [op, outcome, v] of [
      ["read", "ok", 0.004],
      ["read", "ok", 0.01],
      ["read", "ok", 0.2],
      ["login", "error", 30],
      ["read", "ok", 10],
    ] as const) {
      h.observe({ op, outcome }, v);
      ph.observe({ op, outcome }, v);
    }
    expect(plain.get().values).toEqual([{ labels: {}, value: 0 }]);
    const { text, contentType } = await ours.exposition();
    expect(text).toBe(await registry.metrics());
    expect(contentType).toBe(registry.contentType);
  });

  it("count what happened before the first scrape, and keep counting after it", async () => {
    const ours = new MetricSet();
    const renders = ours.counter("renders_total", "renders", ["file"]);
    for (let i = 0; i < 5; i++) renders.inc({ file: "db.env" });
    expect((await ours.exposition()).text).toMatch(/^renders_total\{file="db.env"\} 5$/m);
    renders.inc({ file: "db.env" });
    expect((await ours.exposition()).text).toMatch(/^renders_total\{file="db.env"\} 6$/m);
  });

  it("refuses a label it was not declared with, and a counter going down", () => {
    const ours = new MetricSet();
    const c = ours.counter("c_total", "c", ["file"]);
    expect(() => c.inc({ fiel: "x" })).toThrow(/unknown label fiel/);
    expect(() => c.inc({ file: "x" }, -1)).toThrow(/only goes up/);
    expect(() => ours.counter("c_total", "again")).toThrow(/registered twice/);
  });
});
