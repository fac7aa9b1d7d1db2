/**
 * The sidecar's metrics, kept in plain maps by us. prom-client only writes the exposition text,
 * and it is loaded on the first scrape (`exposition()`): most sidecars are never scraped, or not
 * for a while, and prom-client with its dependencies is a few MB of a pod's memory. Counts made
 * before the first scrape are these maps' values, so nothing is lost by loading it late.
 */

import type { Exposition } from "./exposition.js";

export type Labels = Record<string, string | number>;
export type MetricType = "counter" | "gauge" | "histogram";

/** One sample as prom-client's registry formats it; histogram series set `metricName` and put `le` first. */
export interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
  sharedLabels?: Labels;
}

/** What prom-client's Registry asks a metric for (its `MetricObjectWithValues`). */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: MetricType;
  values: Sample[];
  aggregator: "sum";
}

interface Options {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** Called before each snapshot (a scrape), to set values that are computed rather than counted. */
  collect?: () => void;
}

/** A metric's values by label set. Label values are paths and file names, never secret values. */
abstract class Family<V> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: MetricType;
  protected readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: Labels; v: V }>();
  private readonly collect: (() => void) | undefined;

  constructor(opts: Options) {
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = opts.labelNames ?? [];
    this.collect = opts.collect;
  }

  /** The entry of `labels`, created with `init` on first use; unknown label names are a bug. */
  protected entry(labels: Labels, init: () => V): { labels: Labels; v: V } {
    // One label (most metrics: the file) is its own key: no string built per call or kept per series.
    const key = this.labelNames.length === 1 ? String(labels[this.labelNames[0]] ?? "") : this.labelNames.map((n) => labels[n] ?? "").join("\u0000");
    let e = this.series.get(key);
    if (!e) {
      for (const n of Object.keys(labels)) if (!this.labelNames.includes(n)) throw new Error(`${this.name}: unknown label ${n}`);
      // Callers pass a fresh object literal each time: kept as it is, not copied.
      e = { labels, v: init() };
      this.series.set(key, e);
    }
    return e;
  }

  protected abstract samples(): Sample[];

  /** The current values, in the shape prom-client's Registry formats (it calls this on a scrape). */
  get(): MetricSnapshot {
    this.collect?.();
    return { name: this.name, help: this.help, type: this.type, values: this.samples(), aggregator: "sum" };
  }
}

export class Counter extends Family<number> {
  readonly type = "counter";
  constructor(opts: Options) {
    super(opts);
    // As prom-client does: a metric without labels reads 0 before anything counted.
    if (this.labelNames.length === 0) this.entry({}, () => 0);
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up`);
    this.entry(labels, () => 0).v += by;
  }
  protected samples(): Sample[] {
    return [...this.series.values()].map((e) => ({ labels: e.labels, value: e.v }));
  }
}

export class Gauge extends Family<number> {
  readonly type = "gauge";
  constructor(opts: Options) {
    super(opts);
    if (this.labelNames.length === 0) this.entry({}, () => 0);
  }
  set(labelsOrValue: Labels | number, value?: number): void {
    if (typeof labelsOrValue === "number") this.entry({}, () => 0).v = labelsOrValue;
    else this.entry(labelsOrValue, () => 0).v = value ?? 0;
  }
  protected samples(): Sample[] {
    return [...this.series.values()].map((e) => ({ labels: e.labels, value: e.v }));
  }
}

interface Buckets {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<Buckets> {
  readonly type = "histogram";
  private readonly bounds: readonly number[];
  constructor(opts: Options & { buckets: readonly number[] }) {
    super(opts);
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`${this.name}: not a finite number`);
    const b = this.entry(labels, () => ({ counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 })).v;
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    b.counts[i]++;
    b.sum += value;
    b.count++;
  }
  /** The series prom-client's own histogram exports: cumulative `_bucket`s, `+Inf`, `_sum`, `_count`. */
  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, v } of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += v.counts[i];
        out.push({ labels: { le }, sharedLabels: labels, value: acc, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { le: "+Inf" }, sharedLabels: labels, value: v.count, metricName: `${this.name}_bucket` });
      out.push({ labels: {}, sharedLabels: labels, value: v.sum, metricName: `${this.name}_sum` });
      out.push({ labels: {}, sharedLabels: labels, value: v.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}

export type Metric = Counter | Gauge | Histogram;

/** A set of metrics served together on /metrics; `exec` adds its own to the sidecar's. */
export class MetricSet {
  readonly metrics: Metric[] = [];
  private expose: Exposition | undefined;

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter({ name, help, labelNames }));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: () => void): Gauge {
    return this.add(new Gauge({ name, help, labelNames, collect }));
  }
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram({ name, help, labelNames, buckets }));
  }
  private add<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }

  /** The Prometheus text exposition, written by prom-client (its code is loaded on the first call). */
  async exposition(): Promise<{ contentType: string; text: string }> {
    this.expose ??= (await import("./exposition.js")).createExposition();
    return this.expose(this.metrics);
  }
}

/** All sidecar metrics. Labels hold paths and files, never values. */
export class SidecarMetrics extends MetricSet {
  readonly renders = this.counter("stowaway_renders_total", "Files written because their rendered bytes changed", ["file"]);
  readonly renderFailures = this.counter("stowaway_render_failures_total", "Failed fetch/render/write attempts", ["file", "code"]);
  readonly lastSuccess = this.gauge("stowaway_secret_last_success_timestamp_seconds", "Last time the secret was fetched and rendered successfully", [
    "file",
    "path",
  ]);
  readonly lastChange = this.gauge("stowaway_secret_last_change_timestamp_seconds", "Last time the file's bytes changed", ["file"]);
  readonly secretVersion = this.gauge("stowaway_secret_version", "KV v2 version last rendered", ["file", "path"]);
  readonly leaseExpiry = this.gauge("stowaway_lease_expiry_timestamp_seconds", "When the current lease of a dynamic secret expires", ["file"]);
  readonly certificateNotAfter = this.gauge("stowaway_certificate_expiry_timestamp_seconds", "notAfter of the certificate in the file (PKI)", ["file", "path"]);
  readonly leaseRenewals = this.counter("stowaway_lease_renewals_total", "Lease renewals", ["outcome"]);
  readonly tokenTtl = this.gauge("stowaway_token_ttl_seconds", "TTL of the Vault token at the last login or renewal");
  readonly tokenRenewals = this.counter("stowaway_token_renewals_total", "Token renewals", ["outcome"]);
  readonly relogins = this.counter("stowaway_relogins_total", "Logins after the first (token lost, expired or capped)");
  readonly logins = this.counter("stowaway_logins_total", "Vault logins (first and re-logins)", ["outcome"]);
  readonly notifications = this.counter("stowaway_notifications_total", "Notifications sent", ["kind", "outcome"]);
  /** Whether the sidecar is ready; set by the sidecar, read when the gauge is (a scrape), not on every render. */
  isReady: (() => boolean) | undefined;
  // Readiness walks every source: computed per scrape, not after each of 1,000 first renders (O(n²)).
  readonly ready = this.gauge("stowaway_ready", "1 when every secret is rendered and fresh", [], () => {
    if (this.isReady) this.ready.set(this.isReady() ? 1 : 0);
  });
  readonly vaultLatency = this.histogram(
    "stowaway_vault_request_duration_seconds",
    "Vault request latency",
    ["op", "outcome"],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
}
