import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** All sidecar metrics on a private registry (never the global one). Labels hold paths and files, never values. */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly renders = new Counter({
    name: "stowaway_renders_total",
    help: "Files written because their rendered bytes changed",
    labelNames: ["file"],
    registers: [this.registry],
  });
  readonly renderFailures = new Counter({
    name: "stowaway_render_failures_total",
    help: "Failed fetch/render/write attempts",
    labelNames: ["file", "code"],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: "stowaway_secret_last_success_timestamp_seconds",
    help: "Last time the secret was fetched and rendered successfully",
    labelNames: ["file", "path"],
    registers: [this.registry],
  });
  readonly lastChange = new Gauge({
    name: "stowaway_secret_last_change_timestamp_seconds",
    help: "Last time the file's bytes changed",
    labelNames: ["file"],
    registers: [this.registry],
  });
  readonly secretVersion = new Gauge({
    name: "stowaway_secret_version",
    help: "KV v2 version last rendered",
    labelNames: ["file", "path"],
    registers: [this.registry],
  });
  readonly leaseExpiry = new Gauge({
    name: "stowaway_lease_expiry_timestamp_seconds",
    help: "When the current lease of a dynamic secret expires",
    labelNames: ["file"],
    registers: [this.registry],
  });
  readonly certificateNotAfter = new Gauge({
    name: "stowaway_certificate_expiry_timestamp_seconds",
    help: "notAfter of the certificate in the file (PKI)",
    labelNames: ["file", "path"],
    registers: [this.registry],
  });
  readonly leaseRenewals = new Counter({ name: "stowaway_lease_renewals_total", help: "Lease renewals", labelNames: ["outcome"], registers: [this.registry] });
  readonly tokenTtl = new Gauge({
    name: "stowaway_token_ttl_seconds",
    help: "TTL of the Vault token at the last login or renewal",
    registers: [this.registry],
  });
  readonly tokenRenewals = new Counter({ name: "stowaway_token_renewals_total", help: "Token renewals", labelNames: ["outcome"], registers: [this.registry] });
  readonly relogins = new Counter({
    name: "stowaway_relogins_total",
    help: "Logins after the first (token lost, expired or capped)",
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: "stowaway_logins_total",
    help: "Vault logins (first and re-logins)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly notifications = new Counter({
    name: "stowaway_notifications_total",
    help: "Notifications sent",
    labelNames: ["kind", "outcome"],
    registers: [this.registry],
  });
  /** Whether the sidecar is ready; set by the sidecar, read when the gauge is (a scrape), not on every render. */
  isReady: (() => boolean) | undefined;
  readonly ready = new Gauge({
    name: "stowaway_ready",
    help: "1 when every secret is rendered and fresh",
    registers: [this.registry],
    // Readiness walks every source: computed per scrape, not after each of 1,000 first renders (O(n²)).
    collect: () => {
      if (this.isReady) this.ready.set(this.isReady() ? 1 : 0);
    },
  });
  readonly vaultLatency = new Histogram({
    name: "stowaway_vault_request_duration_seconds",
    help: "Vault request latency",
    labelNames: ["op", "outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
}
