import { describe, expect, it } from "vitest";
import { VaultUnavailableError } from "../errors.js";
import { harness, ScriptedSource } from "../../test/harness.js";
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
