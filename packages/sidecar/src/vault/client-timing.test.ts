import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import { VaultRateLimitedError } from "../errors.js";
import { FakeClock } from "../../test/fake-clock.js";
import { VaultClient } from "./client.js";

// VaultClient against a real local HTTP server, with the Retry-After pause on a fake clock.

interface Server {
  url: string;
  hits: number;
  inFlight: number;
  peak: number;
  /** Requests being held open, to be answered by the test. */
  held: Array<() => void>;
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

const servers: Server[] = [];
const clients: VaultClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function server(): Promise<Server> {
  const s: Server = {
    url: "",
    hits: 0,
    inFlight: 0,
    peak: 0,
    held: [],
    handler: (_req, res) => json(res, 200, { data: { data: { k: "v" }, metadata: { version: 1 } } }),
    close: async () => {},
  };
  const srv = http.createServer((req, res) => {
    s.hits++;
    s.peak = Math.max(s.peak, ++s.inFlight);
    res.on("close", () => s.inFlight--);
    s.handler(req, res);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  s.close = () => {
    srv.closeAllConnections();
    return new Promise((r) => srv.close(() => r()));
  };
  servers.push(s);
  return s;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function client(url: string, clock: FakeClock, maxConcurrency = 8): VaultClient {
  const c = new VaultClient({ address: url, timeoutMs: 10_000, tls: { insecureSkipVerify: false }, maxConcurrency, clock });
  c.token = "test-token-not-secret";
  clients.push(c);
  return c;
}

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

describe("Retry-After", () => {
  it("a 429 with Retry-After: 7 holds every request for exactly 7 000 ms", async () => {
    const s = await server();
    const clock = new FakeClock();
    const c = client(s.url, clock);
    let first = true;
    s.handler = (_req, res) => {
      if (first) {
        first = false;
        return json(res, 429, { errors: ["rate limited"] }, { "retry-after": "7" });
      }
      json(res, 200, { data: { data: { k: "v" }, metadata: { version: 1 } } });
    };
    const err = await c.read("secret/data/a").catch((e) => e);
    expect(err).toBeInstanceOf(VaultRateLimitedError);
    expect((err as VaultRateLimitedError).retryAfterMs).toBe(7_000);
    const second = c.read("secret/data/a");
    await clock.advance(6_999);
    expect(s.hits).toBe(1);
    expect(clock.pending()).toEqual([{ in: 1, delay: 7_000 }]);
    await clock.advance(1);
    await expect(second).resolves.toMatchObject({ data: { data: { k: "v" } } });
    expect(s.hits).toBe(2);
  });

  it("caps Retry-After at 5 minutes: Retry-After: 3600 pauses exactly 300 000 ms", async () => {
    const s = await server();
    const clock = new FakeClock();
    const c = client(s.url, clock);
    s.handler = (_req, res) => json(res, 429, { errors: ["rate limited"] }, { "retry-after": "3600" });
    const err = await c.read("secret/data/a").catch((e) => e);
    expect((err as VaultRateLimitedError).retryAfterMs).toBe(300_000);
    const second = c.read("secret/data/a").catch((e) => e);
    await clock.advance(0);
    expect(clock.pending()).toEqual([{ in: 300_000, delay: 300_000 }]);
    await clock.advance(300_000);
    await second;
    expect(s.hits).toBe(2);
  });

  it("a 429 without Retry-After does not pause the client (the caller backs off)", async () => {
    const s = await server();
    const clock = new FakeClock();
    const c = client(s.url, clock);
    s.handler = (_req, res) => json(res, 429, { errors: ["rate limited"] });
    const err = await c.read("secret/data/a").catch((e) => e);
    expect((err as VaultRateLimitedError).retryAfterMs).toBeUndefined();
    await c.read("secret/data/a").catch(() => {});
    expect(s.hits).toBe(2);
    expect(clock.delays).toEqual([]);
  });
});

describe("concurrency limiter", () => {
  it("holds requests beyond maxConcurrency in the client: the HTTP agent never has to queue one", async () => {
    const s = await server();
    const clock = new FakeClock();
    const c = client(s.url, clock, 3);
    s.handler = (_req, res) => s.held.push(() => json(res, 200, { data: { data: { k: "v" }, metadata: { version: 1 } } }));
    const agent = (c as unknown as { httpAgent: http.Agent }).httpAgent;
    const agentQueue = () => Object.values(agent.requests).reduce((n, q) => n + (q?.length ?? 0), 0);
    const reads = Array.from({ length: 12 }, (_, i) => c.read(`secret/data/s${i}`));
    let answered = 0;
    let maxQueued = 0;
    let maxInFlight = 0;
    while (answered < 12) {
      await until("a held request", () => s.held.length > 0);
      // Let any request that would go out now reach the agent.
      await new Promise((r) => setTimeout(r, 20));
      maxQueued = Math.max(maxQueued, agentQueue());
      maxInFlight = Math.max(maxInFlight, c.inFlight);
      s.held.shift()!();
      answered++;
    }
    await Promise.all(reads);
    expect(maxQueued, "requests waiting in the HTTP agent: the limiter let them through").toBe(0);
    expect(maxInFlight).toBe(3);
    expect(s.peak).toBe(3);
    expect(c.inFlight).toBe(0);
  });
});
