import type { SidecarConfig } from "../config/schema.js";
import type { Connection } from "../connection.js";
import type { Lease } from "../leases/keeper.js";
import type { Logger } from "../log.js";
import type { Clock } from "../schedule/clock.js";
import type { Timers } from "../schedule/timers.js";
import type { SidecarMetrics } from "../server/metrics.js";
import type { Source } from "../sources/source.js";

/** What the pipeline and the lease keeper share with the coordinator. Config and connection change on reload. */
export interface Runtime {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SidecarMetrics;
  /** Per-source timers are keyed `source:<id>`, lease revocations `revoke:<lease id>`. */
  readonly timers: Timers;
  config(): SidecarConfig;
  conn(): Connection;
  /** False once the run was replaced by a reload or the sidecar stopped: its work is dropped. */
  isCurrent(run: Run): boolean;
}

/** A source while the daemon keeps it current: its lease and failure state. */
export interface Run {
  source: Source;
  lease?: Lease;
  /** Failures in a row, for backoff. */
  attempt: number;
  failingSince?: number;
  /** Code of the last failure, for /readyz. */
  lastError?: string;
  /** False once Vault refused sys/leases/lookup (policy): the lease is then only checked at renewal. */
  leaseLookup?: boolean;
  /** True once its polls have been given a random phase within the interval. */
  phased?: boolean;
}
