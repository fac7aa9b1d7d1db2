// prom-client, loaded on the first scrape only (a chunk of its own in the bundle; see metrics.ts).
import { type Metric as PromMetric, Registry } from "prom-client";
import type { Metric } from "./metrics.js";

export type Exposition = (metrics: readonly Metric[]) => Promise<{ contentType: string; text: string }>;

/**
 * A registry for one MetricSet. Our metrics keep their own values and give them in the shape
 * prom-client's Registry reads from its own metrics (`get()`), so the registry holds them as
 * they are: nothing is copied, and what was counted before prom-client was loaded is all there.
 */
export function createExposition(): Exposition {
  const registry = new Registry();
  return async (metrics) => {
    // `exec` adds its metrics after the sidecar's; registering a metric again is a no-op.
    for (const m of metrics) registry.registerMetric(m as unknown as PromMetric);
    return { contentType: registry.contentType, text: await registry.metrics() };
  };
}
