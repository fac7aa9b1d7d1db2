import { describe, expect, it } from "vitest";
import { VaultUnavailableError } from "../errors.js";
import { harness, ScriptedSource, testConfig } from "../../test/harness.js";
import type { Run } from "./runtime.js";

// A reload replaces a source's run while the old run's refresh may still be in flight. Both runs
// share the source's timer key: the old run, finishing late, must not cancel the new run's refresh.
describe("pipeline: a refresh in flight across a reload", () => {
  it("a stale run that fails after the reload leaves the new run's refresh alone", async () => {
    const h = harness({ refreshMs: 1_000 });
    h.source.next = () => ({});
    await h.pipeline.refresh(h.run); // rendered once; polls every second from now on

    // The old run's next refresh hangs in Vault, then fails.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    h.source.next = () => new VaultUnavailableError("read: HTTP 503", { status: 503, path: "database/creds/app" });
    const fetchOld = h.source.fetch.bind(h.source);
    h.source.fetch = async (ctx) => {
      await gate;
      return fetchOld(ctx);
    };
    const inFlight = h.pipeline.refresh(h.run, { forceFetch: true });

    // The reload: a new run for the same source id, with a new file, read again at once.
    const fresh = new ScriptedSource(h.source.id, 1_000, h.calls, h.clock);
    fresh.next = () => ({});
    const next: Run = { source: fresh, attempt: 0 };
    h.runs.set(fresh.id, next);
    h.pipeline.refreshSoon(next, true);

    release();
    await inFlight;
    await h.clock.advance(5_000);
    expect(fresh.fetches).toBeGreaterThan(0);
    expect(fresh.outputs.every((o) => o.written)).toBe(true);
  });
});

describe("pipeline: refreshes at once", () => {
  it("at most twice vault.maxConcurrency run at once; the others wait their turn, and every one runs", async () => {
    const config = testConfig();
    config.vault.maxConcurrency = 2;
    const h = harness({ config });
    let inFetch = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const runs: Run[] = [];
    for (let i = 0; i < 10; i++) {
      const s = new ScriptedSource(`s${i}`, 60_000, h.calls, h.clock);
      s.next = () => ({});
      const fetch = s.fetch.bind(s);
      s.fetch = async (ctx) => {
        most = Math.max(most, ++inFetch);
        await new Promise<void>((r) => gates.push(r));
        inFetch--;
        return fetch(ctx);
      };
      const run: Run = { source: s, attempt: 0 };
      h.runs.set(s.id, run);
      runs.push(run);
    }
    const all = Promise.all(runs.map((r) => h.pipeline.refresh(r)));
    for (let released = 0; released < 10; released++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    await all;
    expect(most).toBe(4);
    expect(runs.every((r) => r.source.outputs.every((o) => o.written))).toBe(true);
  });
});
