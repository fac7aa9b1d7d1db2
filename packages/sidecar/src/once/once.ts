import type { SidecarConfig } from "../config/schema.js";
import type { Connection } from "../connection.js";
import { codeOf, SidecarError } from "../errors.js";
import { leaseName } from "../leases/keeper.js";
import type { Logger } from "../log.js";
import type { Sink } from "../pipeline/sink.js";
import { storeFiles } from "../pipeline/store.js";
import { sleep, type Clock } from "../schedule/clock.js";
import type { SidecarMetrics } from "../server/metrics.js";
import type { FetchContext, Rendered, Source } from "../sources/source.js";
import { retryDelayFor } from "../vault/errors.js";

export interface OnceDeps {
  config: SidecarConfig;
  conn: Connection;
  sources: Source[];
  sink: Sink;
  clock: Clock;
  log: Logger;
  metrics: SidecarMetrics;
}

/**
 * `--once`: logs in, renders every source to memory, and only when all succeeded stores them.
 * Transient failures are retried until `deadline`; any failure throws and stores nothing, and
 * revokes the dynamic credentials already fetched for the other sources.
 */
export async function renderOnce(deps: OnceDeps, deadline: number): Promise<Rendered[]> {
  const { conn, sources, log, metrics } = deps;
  await conn.tokens.login({ failFast: true, deadline });
  const ctx: FetchContext = {
    client: conn.client,
    revokeUnused: (id) =>
      void conn.client
        .revokeLease(id)
        .then(() => log.info({ lease: leaseName(id) }, "unused lease revoked"))
        .catch((err) => log.warn({ lease: leaseName(id), err }, "unused lease revoke failed")),
  };
  const results = await Promise.allSettled(sources.map((s) => fetchWithRetry(deps, ctx, s, deadline)));
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ s: sources[i], err: r.reason as unknown }] : []));
  for (const { s, err } of failures) {
    for (const o of s.outputs) metrics.renderFailures.inc({ file: o.cfg.file, code: codeOf(err) });
    log.error({ path: s.label, file: s.outputs.map((o) => o.cfg.file).join(","), err }, "secret failed");
  }
  if (failures.length > 0) {
    // Nothing will be written, so dynamic credentials fetched for the other sources are revoked.
    const unused = results.flatMap((r) => (r.status === "fulfilled" && r.value.expiry?.leaseId ? [r.value.expiry.leaseId] : []));
    await Promise.allSettled(unused.map((id) => conn.client.revokeLease(id)));
    const files = deps.config.secrets.length;
    throw new SidecarError("ONCE_FAILED", `${failures.length} of ${sources.length} secret path(s) failed; none of the ${files} file(s) were written`);
  }
  const rendered = results.map((r) => (r as PromiseFulfilledResult<Rendered>).value);
  for (const r of rendered) {
    for (const { output, changed, error } of await storeFiles(deps.sink, r.files)) {
      if (error !== undefined) throw error;
      log.info({ path: output.cfg.path, file: output.cfg.file, changed }, changed ? "rendered" : "unchanged");
    }
  }
  // In the order of `sources`, for a caller that keeps them current afterwards (stowaway exec).
  return rendered;
}

async function fetchWithRetry(deps: OnceDeps, ctx: FetchContext, s: Source, deadline: number): Promise<Rendered> {
  const { clock, log } = deps;
  const retry = { initialMs: deps.config.vault.retry.initial, maxMs: deps.config.vault.retry.max };
  for (let attempt = 0; ; attempt++) {
    try {
      return await s.fetch(ctx);
    } catch (err) {
      const delay = retryDelayFor(err, attempt, retry, clock.random);
      if (!(err instanceof SidecarError) || !err.retryable || clock.now() + delay > deadline) throw err;
      log.warn({ path: s.label, file: s.outputs.map((o) => o.cfg.file).join(","), err, retryInMs: delay }, "read failed; retrying");
      await sleep(clock, delay);
    }
  }
}
