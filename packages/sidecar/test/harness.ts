import { pino } from "pino";
import { parseConfigText } from "../src/config/load.js";
import type { SidecarConfig } from "../src/config/schema.js";
import type { Connection } from "../src/connection.js";
import { LeaseKeeper } from "../src/leases/keeper.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import type { Run, Runtime } from "../src/pipeline/runtime.js";
import type { Sink } from "../src/pipeline/sink.js";
import { Timers } from "../src/schedule/timers.js";
import { SidecarMetrics } from "../src/server/metrics.js";
import type { FetchContext, Output, Rendered, Source } from "../src/sources/source.js";
import { FakeClock } from "./fake-clock.js";

/** A parsed config with short, round settings: retry 200ms..1s, refresh 1h unless given. */
export function testConfig(extra = "", refresh = "1h"): SidecarConfig {
  const res = parseConfigText(
    `vault:\n  address: http://127.0.0.1:1\n  retry: { initial: 200ms, max: 1s }\n  auth: { method: token, tokenFile: /run/unused-token }\noutput:\n  dir: /run/unused\n` +
      `defaults:\n  refreshInterval: ${refresh}\n${extra}secrets:\n  - path: database/creds/app\n    file: db.env\n`,
    {},
  );
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.config;
}

/** Calls a fake Vault received, with the fake time they arrived at. */
export interface Call {
  op: string;
  at: number;
  arg?: unknown;
}

/** A source that hands out scripted results: a new lease per fetch unless told otherwise. */
export class ScriptedSource implements Source {
  kind: string | undefined;
  readonly outputs: Output[];
  fetches = 0;
  /** Each fetch's result (leased unless set). Thrown when it is an Error. */
  next: () => Partial<Rendered> | Error = () => ({ expiry: { leaseId: `database/creds/app/L${this.fetches}`, durationSec: 30, renewable: true } });

  constructor(
    readonly id: string,
    readonly refreshMs: number,
    private readonly calls: Call[],
    private readonly clock: FakeClock,
  ) {
    this.outputs = [
      { cfg: { path: "database/creds/app", file: "db.env" } as Output["cfg"], id: `${id}-out`, label: "database/creds/app → db.env", written: false },
    ];
  }

  get label(): string {
    return "database/creds/app";
  }

  async fetch(_ctx: FetchContext): Promise<Rendered> {
    this.fetches++;
    this.calls.push({ op: "fetch", at: this.clock.now() });
    const r = this.next();
    if (r instanceof Error) throw r;
    return { kind: r.expiry ? "leased" : "kv2", files: this.outputs.map((output) => ({ output, bytes: Buffer.from(`v${this.fetches}`) })), ...r };
  }

  adopted(r: Rendered): void {
    this.kind = r.kind;
  }
}

export interface FakeVault {
  renew: (leaseId: string, increment?: number) => { ttl: number; renewable: boolean } | Error;
  lookup: (leaseId: string) => Error | undefined;
  revoke: (leaseId: string) => Error | undefined;
}

/** Pipeline + LeaseKeeper on a fake clock, a fake Vault connection and an in-memory sink. */
export function harness(opts: { config?: SidecarConfig; refreshMs?: number } = {}) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  const config = opts.config ?? testConfig();
  const log = pino({ level: "silent" });
  const metrics = new SidecarMetrics();
  const timers = new Timers(clock, () => {});
  const vault: FakeVault = {
    renew: () => ({ ttl: 30, renewable: true }),
    lookup: () => undefined,
    revoke: () => undefined,
  };
  const tokens = {
    generation: 1,
    isLost: false,
    denied: new Set<string>(),
    login: async () => {},
    checkAfterDenied: async () => {},
    deniedByPolicy: async () => true,
  };
  const result = <T>(r: T | Error): T => {
    if (r instanceof Error) throw r;
    return r;
  };
  const client = {
    renewLease: async (id: string, inc?: number) => {
      calls.push({ op: "renew", at: clock.now(), arg: id });
      return { leaseId: id, ...result(vault.renew(id, inc)) };
    },
    lookupLease: async (id: string) => {
      calls.push({ op: "lookup", at: clock.now(), arg: id });
      result(vault.lookup(id) ?? { ttl: 1 });
      return { ttl: 1 };
    },
    revokeLease: async (id: string) => {
      calls.push({ op: "revoke", at: clock.now(), arg: id });
      result(vault.revoke(id) ?? undefined);
    },
  };
  const conn = { client, tokens, key: "k" } as unknown as Connection;
  const source = new ScriptedSource("s1", opts.refreshMs ?? 3_600_000, calls, clock);
  const run: Run = { source, attempt: 0 };
  const runs = new Map([[source.id, run]]);
  const stored: Array<{ file: string; at: number; bytes: string }> = [];
  const sink: Sink = {
    put: async (o, bytes) => {
      const last = [...stored].reverse().find((s) => s.file === o.cfg.file);
      stored.push({ file: o.cfg.file, at: clock.now(), bytes: bytes.toString() });
      return last?.bytes !== bytes.toString();
    },
    present: async () => true,
  };
  const rt: Runtime = {
    clock,
    log,
    metrics,
    timers,
    config: () => config,
    conn: () => conn,
    isCurrent: (r) => runs.get(r.source.id) === r,
  };
  const leases: LeaseKeeper = new LeaseKeeper(rt, (r) => pipeline.refresh(r, { forceFetch: true }));
  const pipeline: Pipeline = new Pipeline(rt, leases, sink);
  return {
    clock,
    calls,
    vault,
    tokens,
    source,
    run,
    runs,
    stored,
    leases,
    pipeline,
    metrics,
    /** Calls of one kind, as [op, ms since start] pairs. */
    ops: (start: number, ...kinds: string[]) => calls.filter((c) => kinds.length === 0 || kinds.includes(c.op)).map((c) => [c.op, c.at - start] as const),
  };
}
