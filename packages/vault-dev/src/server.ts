/**
 * The HTTP front: plain node:http, Vault's verbs (including LIST), the /v1/
 * API and the test-only /__dev/ controls.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { LIST_MARKER, wrapSocket } from "./list-verb.js";
import { parseDuration } from "./duration.js";
import type { DatabaseEngine } from "./engines/database.js";
import { jwks } from "./jwt.js";
import { createNamespace } from "./mounts.js";
import { isPlainObject } from "./params.js";
import { errorReply, multiError, noHandler, permissionDenied, ReplyError, sealed as sealedReply, type Reply } from "./reply.js";
import { SEED_POLICY_NAME } from "./policy/policy.js";
import { applySeed, ensureSeedPolicy, loadSeed, parseSeedText, SeedError, type SeedFile } from "./seed.js";
import { SysEngine, healthReply } from "./sys.js";
import { aclFor, aclPrefix, capabilityFor } from "./authorize.js";
import { wrapReply, wrapTtl } from "./wrapping.js";
import { randomString, VaultState, type Clock, type EngineRequest, type Mount, type Namespace, type Op } from "./state.js";

export interface VaultDevOptions {
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1` (vault-dev is not meant to be reachable from elsewhere). */
  host?: string;
  /** The root token. Default: a random `hvs.` token. */
  rootToken?: string;
  /** Secrets, roles and tokens to load: an object, or a path to a YAML/JSON file. */
  seed?: SeedFile | string;
  /** Request log sink: one line per request with method, path, status and time. Never tokens or values. */
  log?: (line: string) => void;
  /** Clock in ms since the epoch. Default `Date.now`. Tokens and leases expire by this clock. */
  now?: () => number;
  /** Start as a standby node: every /v1/ request but sys/health gets 307 to `redirect` (also `POST /__dev/standby`). */
  standby?: { redirect: string };
}

/** Thrown when vault-dev refuses to start (the default `root` token on a non-loopback address). */
export class VaultDevStartError extends Error {
  readonly code = "ERR_VAULT_DEV_START";
}

/** 127.0.0.0/8, ::1 and localhost: the only addresses vault-dev is meant to listen on. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** A kubernetes login during an outage fails as the plugin does when TokenReview fails; a JWT one as when the JWKS fetch fails. */
function outageReply(mount: Mount): Reply {
  if (mount.type === "kubernetes") return permissionDenied();
  if (mount.type === "jwt") {
    return errorReply(400, "error validating token: error verifying token signature: fetching keys oidc: get keys failed: 503 Service Unavailable");
  }
  return errorReply(500, multiError("vault-dev: injected auth backend outage"));
}

export interface Faults {
  /** Delay every matching /v1/ response by this many ms. */
  delayMs: number;
  /** Fraction (0..1) of matching requests that fail with `failureStatus`. */
  failureRate: number;
  /** Status of injected failures. Default 500. */
  failureStatus: number;
  /** 429 responses: the next `count` requests, and/or a random `rate` fraction. */
  throttle: { count: number; rate: number; retryAfter: number | null };
  /** Only requests whose path (after /v1/) starts with this are affected. Default: all. */
  pathPrefix: string;
}

export interface Stats {
  total: number;
  inFlight: number;
  peakInFlight: number;
  /** Requests per URL path, e.g. `/v1/secret/data/app`. */
  byPath: Record<string, number>;
  /** Requests per `METHOD /path`. */
  byMethodPath: Record<string, number>;
  /** Requests per wall-clock second (unix seconds as keys). */
  perSecond: Record<string, number>;
  maxPerSecond: number;
  /**
   * The last 1,000 requests, oldest first: when each arrived (ms since the epoch), its method
   * and URL path, and the status it got (absent while it is still in flight).
   */
  requests: RequestRecord[];
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  status?: number;
}

/** How many requests `stats().requests` keeps. */
const REQUEST_LOG_SIZE = 1000;

export interface VaultDev {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  rootToken: string;
  /** Stop listening and drop open connections. Idempotent. */
  close(): Promise<void>;
  seal(): void;
  unseal(): void;
  /** Merge fault settings (see README). */
  setFaults(f: Partial<Omit<Faults, "throttle">> & { throttle?: Partial<Faults["throttle"]> }): void;
  clearFaults(): void;
  faults(): Faults;
  /** Revoke every token (and so their leases) except the root token unless asked. Returns how many. */
  revokeAllTokens(opts?: { includeRoot?: boolean }): number;
  revokeLease(leaseId: string): boolean;
  stats(): Stats;
  resetStats(): void;
  /** Move the server's clock forward: seconds, or a duration like `"10s"`. */
  advanceClock(by: number | string): void;
  /** Apply more seed data, optionally into a namespace. */
  seed(seed: SeedFile | string, namespace?: string): void;
  /**
   * Create a token directly (no HTTP). It gets `default` plus `policies` (unless
   * `noDefaultPolicy`); without `policies`, vault-dev's `vault-dev-seed`
   * convenience policy (read and list everything).
   */
  createToken(opts?: {
    id?: string;
    policies?: string[];
    noDefaultPolicy?: boolean;
    ttl?: number | string;
    explicitMaxTtl?: number | string;
    period?: number | string;
    renewable?: boolean;
  }): string;
  /** Is this a live credential issued by `database/creds/<role>`? */
  verifyDatabaseCredential(username: string, password: string, mount?: string): boolean;
  /** The live state, for tests that need to look deeper. */
  readonly state: VaultState;
}

const NO_FAULTS = (): Faults => ({
  delayMs: 0,
  failureRate: 0,
  failureStatus: 500,
  throttle: { count: 0, rate: 0, retryAfter: null },
  pathPrefix: "",
});

const MAX_BODY = 32 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...reply.headers };
  if (reply.raw) {
    headers["Content-Type"] = reply.raw.contentType;
    headers["Content-Length"] = String(Buffer.byteLength(reply.raw.body));
    res.writeHead(reply.status, headers);
    res.end(reply.raw.body);
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body) + "\n";
  headers["Content-Type"] = "application/json";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

/** Start an in-memory Vault API server. */
export async function startVaultDev(opts: VaultDevOptions = {}): Promise<VaultDev> {
  const host0 = opts.host ?? "127.0.0.1";
  if (opts.rootToken === "root" && !isLoopback(host0)) {
    throw new VaultDevStartError(`refusing to listen on ${host0} with the well-known root token "root": choose another --root-token, or listen on 127.0.0.1`);
  }
  const clock: Clock = { now: opts.now ?? Date.now };
  const state = new VaultState(clock);
  const rootToken = opts.rootToken ?? `hvs.${randomString(24)}`;
  const log = opts.log;

  const namespaces = {
    create(name: string): Namespace {
      return state.namespaces.get(name) ?? createNamespace(state, name, sys);
    },
    delete(name: string): boolean {
      if (name === "") return false;
      let found = false;
      for (const n of [...state.namespaces.keys()]) {
        if (n === name || n.startsWith(name + "/")) {
          state.namespaces.delete(n);
          found = true;
        }
      }
      return found;
    },
  };
  const sys: SysEngine = new SysEngine({ createNamespace: namespaces.create, deleteNamespace: namespaces.delete });
  const root = createNamespace(state, "", sys);
  state.createToken({ id: rootToken, policies: ["root"], path: "auth/token/root", displayName: "root", orphan: true });

  const seedCtx = { state, namespace: namespaces.create };
  const applySeedTo = (seed: SeedFile | string, nsName = "") => {
    const ns = nsName ? namespaces.create(nsName.replace(/^\/+|\/+$/g, "")) : root;
    applySeed(seedCtx, ns, loadSeed(seed));
  };
  if (opts.seed !== undefined) applySeedTo(opts.seed);

  let faults = NO_FAULTS();
  /**
   * Auth mounts whose logins fail until a time (ms, server clock), keyed `namespace|auth/mount/`;
   * `until: null` starts the clock at the next login attempt (`fromNextLogin`).
   */
  const authOutages = new Map<string, { until: number | null; ms: number }>();
  /** Standby mode: every /v1/ request is redirected here with 307, as a standby Vault does. */
  let standbyRedirect: string | null = opts.standby?.redirect ?? null;
  const stats = {
    total: 0,
    inFlight: 0,
    peakInFlight: 0,
    byPath: new Map<string, number>(),
    byMethodPath: new Map<string, number>(),
    perSecond: new Map<number, number>(),
    requests: [] as RequestRecord[],
  };
  const resetStats = () => {
    stats.total = 0;
    stats.peakInFlight = stats.inFlight;
    stats.byPath.clear();
    stats.byMethodPath.clear();
    stats.perSecond.clear();
    stats.requests = [];
  };
  const snapshot = (): Stats => ({
    total: stats.total,
    inFlight: stats.inFlight,
    peakInFlight: stats.peakInFlight,
    byPath: Object.fromEntries(stats.byPath),
    byMethodPath: Object.fromEntries(stats.byMethodPath),
    perSecond: Object.fromEntries([...stats.perSecond].map(([k, v]) => [String(k), v])),
    maxPerSecond: Math.max(0, ...stats.perSecond.values()),
    requests: stats.requests.map((r) => ({ ...r })),
  });
  const setFaults: VaultDev["setFaults"] = (f) => {
    const t = { ...faults.throttle, ...(f.throttle ?? {}) };
    faults = { ...faults, ...f, throttle: t };
  };

  /**
   * Split `ns/path` into the namespace and the path inside it. A namespace
   * named in the header must exist (OpenBao answers 404 otherwise); a path
   * prefix that is not a namespace is simply part of the path.
   */
  const resolveNamespace = (path: string, header: string): { ns: Namespace; rel: string } | null => {
    const h = header.replace(/^\/+|\/+$/g, "");
    let full = path;
    if (h) {
      if (!state.namespaces.has(h)) return null;
      full = `${h}/${path}`;
    }
    let best: Namespace = root;
    for (const [name, ns] of state.namespaces) {
      if (name && (full === name || full.startsWith(name + "/")) && name.length > best.name.length) best = ns;
    }
    return { ns: best, rel: best.name ? full.slice(best.name.length + 1) : full };
  };

  const handleV1 = (method: string, rawPath: string, query: URLSearchParams, body: Record<string, unknown>, req: IncomingMessage): Reply | Promise<Reply> => {
    let op: Op;
    switch (method) {
      case "GET":
      case "HEAD":
        op = query.get("list") === "true" || query.get("list") === "1" ? "list" : "read";
        break;
      case "POST":
      case "PUT":
        op = "write";
        break;
      case "DELETE":
        op = "delete";
        break;
      case "LIST":
        op = "list";
        break;
      case "PATCH":
        op = "patch";
        break;
      default:
        return errorReply(405);
    }
    state.sweep();
    const header = req.headers["x-vault-namespace"];
    const resolved = resolveNamespace(rawPath, Array.isArray(header) ? header[0] : (header ?? ""));
    if (!resolved) return errorReply(404, "namespace not found");
    const { ns, rel } = resolved;
    if (rel === "sys/health" && method === "HEAD") return healthReply(state, query, true);
    const isSealExempt = rel === "sys/health" || rel === "sys/seal-status" || rel === "sys/unseal";
    if (state.sealed && !isSealExempt) return sealedReply();

    const mount = ns.resolve(rel);
    const inMount = mount ? rel.slice(mount.path.length) : "";
    const tokenHeader = req.headers["x-vault-token"];
    let tokenId = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
    if (!tokenId) {
      const authz = req.headers.authorization;
      if (authz && /^bearer\s+/i.test(authz)) tokenId = authz.replace(/^bearer\s+/i, "").trim();
    }
    const token = state.lookupToken(tokenId);
    const prefix = token ? aclPrefix(token.namespace, ns) : null;
    const acl = token && prefix !== null ? aclFor(state, token) : undefined;
    const unauth = !!mount && !!mount.engine.unauthenticated?.(op, inMount);
    if (!unauth) {
      if (!token || !acl || prefix === null) return permissionDenied();
      const cap = capabilityFor(op, mount, inMount);
      const needSudo = !!mount?.engine.sudo?.(op, inMount);
      if (!acl.allows(prefix + rel, cap, needSudo)) return permissionDenied();
      if (!mount) return noHandler(rel);
      if (token.numUses > 0) {
        token.numUses--;
        if (token.numUses === 0) setImmediate(() => state.revokeToken(token.id));
      }
    }
    const outage = authOutages.get(`${ns.name}|${mount?.path ?? ""}`);
    if (mount && outage !== undefined && inMount.replace(/\/+$/, "") === "login") {
      outage.until ??= state.now() + outage.ms;
      if (outage.until > state.now()) return outageReply(mount);
      authOutages.delete(`${ns.name}|${mount.path}`);
    }
    let ttl: number | null;
    try {
      ttl = wrapTtl(req.headers["x-vault-wrap-ttl"]);
    } catch (e) {
      return errorReply(400, `error parsing X-Vault-Wrap-TTL: ${(e as Error).message}`);
    }
    if (rel.replace(/\/+$/, "") === "sys/wrapping/wrap" && ttl === null) ttl = 300;
    const ereq: EngineRequest = {
      op,
      path: inMount,
      query,
      body,
      headers: req.headers,
      token,
      isRoot: state.isRoot(token),
      acl,
      aclPrefix: prefix ?? "",
      mount: mount!,
      ns,
      state,
    };
    const wrap = (reply: Reply): Reply => (ttl === null ? reply : wrapReply(state, reply, ttl, rel, ns.name));
    let r: Reply | Promise<Reply>;
    try {
      r = mount!.engine.handle(ereq);
    } catch (e) {
      if (e instanceof ReplyError) return e.reply;
      throw e;
    }
    if (r instanceof Promise) return r.then(wrap, (e) => (e instanceof ReplyError ? e.reply : Promise.reject(e)));
    return wrap(r);
  };

  const handleDev = async (method: string, path: string, body: Record<string, unknown>, rawBody: string, query: URLSearchParams): Promise<Reply> => {
    const okJson = (b: unknown): Reply => ({ status: 200, body: b });
    const num = (v: unknown, name: string): number => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new ReplyError(errorReply(400, `${name} must be a number`));
      return n;
    };
    switch (`${method} ${path}`) {
      case "GET ":
      case "GET /":
        return okJson({
          endpoints: [
            "POST /__dev/seal",
            "POST /__dev/unseal",
            "GET|POST|DELETE /__dev/faults",
            "POST /__dev/delay",
            "POST /__dev/failures",
            "POST /__dev/throttle",
            "POST /__dev/revoke-tokens",
            "POST /__dev/revoke-lease",
            "GET /__dev/leases",
            "GET /__dev/stats",
            "POST /__dev/stats/reset",
            "GET|POST /__dev/clock",
            "POST /__dev/seed",
            "POST /__dev/database/verify",
            "POST|DELETE /__dev/auth-outage",
            "POST|DELETE /__dev/standby",
            "POST /__dev/lease-revoke-failures",
            "GET /__dev/jwks",
          ],
        });
      case "POST /seal":
        state.sealed = true;
        return okJson({ sealed: true });
      case "POST /unseal":
        state.sealed = false;
        return okJson({ sealed: false });
      case "GET /faults":
        return okJson(faults);
      case "DELETE /faults":
        faults = NO_FAULTS();
        return okJson(faults);
      case "POST /faults": {
        const f: Parameters<typeof setFaults>[0] = {};
        if (body.delayMs !== undefined) f.delayMs = num(body.delayMs, "delayMs");
        if (body.failureRate !== undefined) f.failureRate = num(body.failureRate, "failureRate");
        if (body.failureStatus !== undefined) f.failureStatus = num(body.failureStatus, "failureStatus");
        if (body.pathPrefix !== undefined) f.pathPrefix = String(body.pathPrefix ?? "");
        if (isPlainObject(body.throttle)) {
          const t = body.throttle;
          f.throttle = {};
          if (t.count !== undefined) f.throttle.count = num(t.count, "throttle.count");
          if (t.rate !== undefined) f.throttle.rate = num(t.rate, "throttle.rate");
          if (t.retryAfter !== undefined) f.throttle.retryAfter = t.retryAfter === null ? null : num(t.retryAfter, "throttle.retryAfter");
        }
        setFaults(f);
        return okJson(faults);
      }
      case "POST /delay":
        setFaults({ delayMs: num(body.ms ?? body.delayMs ?? 0, "ms") });
        return okJson(faults);
      case "POST /failures":
        setFaults({
          failureRate: num(body.rate ?? body.failureRate ?? 0, "rate"),
          ...(body.status !== undefined ? { failureStatus: num(body.status, "status") } : {}),
        });
        return okJson(faults);
      case "POST /throttle":
        setFaults({
          throttle: {
            count: num(body.count ?? 0, "count"),
            rate: num(body.rate ?? 0, "rate"),
            retryAfter: body.retryAfter === undefined || body.retryAfter === null ? null : num(body.retryAfter, "retryAfter"),
          },
        });
        return okJson(faults);
      case "POST /revoke-tokens":
        return okJson({ revoked: state.revokeAllTokens(body.includeRoot === true || body.include_root === true) });
      case "POST /revoke-lease": {
        const id = String(body.lease_id ?? body.leaseId ?? "");
        if (!id) return errorReply(400, "lease_id must be specified");
        const r = state.revokeLease(id);
        return typeof r === "string" ? errorReply(400, `failed to revoke lease: ${r}`) : okJson({ revoked: r });
      }
      case "GET /leases":
        state.sweep();
        return okJson({
          leases: [...state.leases.values()].map((l) => ({
            lease_id: l.id,
            ttl: Math.max(0, Math.floor((l.expireTime - state.now()) / 1000)),
            renewable: l.renewable,
            namespace: l.namespace,
            ...(l.revokeError ? { revoke_error: l.revokeError } : {}),
          })),
        });
      case "POST /auth-outage": {
        const mountName = String(body.mount ?? "");
        if (!mountName) return errorReply(400, "mount must be specified (kubernetes, jwt, or another auth mount)");
        const nsName = String(body.namespace ?? "").replace(/^\/+|\/+$/g, "");
        const ns = state.namespaces.get(nsName);
        const mountKey = "auth/" + mountName.replace(/^\/+|\/+$/g, "").replace(/^auth\//, "") + "/";
        if (!ns?.mounts.has(mountKey)) return errorReply(400, `no auth mount ${mountKey} in namespace ${JSON.stringify(nsName)}`);
        const seconds = body.seconds === undefined ? 0 : parseDuration(body.seconds);
        const fromNextLogin = body.fromNextLogin === true;
        const until = fromNextLogin ? null : state.now() + seconds * 1000;
        authOutages.set(`${nsName}|${mountKey}`, { until, ms: seconds * 1000 });
        return okJson({ mount: mountKey, namespace: nsName, until: until === null ? null : new Date(until).toISOString(), fromNextLogin });
      }
      case "DELETE /auth-outage":
        authOutages.clear();
        return { status: 204 };
      case "POST /standby": {
        const to = String(body.redirect ?? "");
        if (!/^https?:\/\/[^/]+/.test(to)) return errorReply(400, "redirect must be an http(s) URL such as http://127.0.0.1:8201");
        standbyRedirect = to.replace(/\/+$/, "");
        return okJson({ standby: true, redirect: standbyRedirect });
      }
      case "DELETE /standby":
        standbyRedirect = null;
        return okJson({ standby: false });
      case "POST /lease-revoke-failures":
        state.revokeFailPrefix = body.prefix === null || body.fail === false ? null : String(body.prefix ?? "");
        return okJson({ prefix: state.revokeFailPrefix });
      case "GET /stats":
        return okJson(snapshot());
      case "POST /stats/reset":
      case "DELETE /stats":
      case "POST /reset-stats":
        resetStats();
        return okJson(snapshot());
      case "GET /clock":
        return okJson({ now: new Date(state.now()).toISOString(), offsetMs: state.clockOffsetMs });
      case "POST /clock": {
        try {
          if (body.advance !== undefined) state.clockOffsetMs += parseDuration(body.advance) * 1000;
          if (body.advanceMs !== undefined) state.clockOffsetMs += num(body.advanceMs, "advanceMs");
        } catch (e) {
          if (e instanceof ReplyError) throw e;
          return errorReply(400, (e as Error).message);
        }
        state.sweep();
        return okJson({ now: new Date(state.now()).toISOString(), offsetMs: state.clockOffsetMs });
      }
      case "POST /seed":
        try {
          applySeedTo(parseSeedText(rawBody, "request body"), query.get("namespace") ?? "");
        } catch (e) {
          if (e instanceof SeedError) return errorReply(400, e.message);
          throw e;
        }
        return { status: 204 };
      case "POST /database/verify": {
        const mount = String(body.mount ?? "database");
        return okJson({ valid: verifyDb(String(body.username ?? ""), String(body.password ?? ""), mount) });
      }
      default:
        return errorReply(404, `no vault-dev control at ${method} /__dev${path}`);
    }
  };

  const verifyDb = (username: string, password: string, mount = "database"): boolean => {
    state.sweep();
    const m = root.mounts.get(mount.replace(/^\/+|\/+$/g, "") + "/");
    return m?.type === "database" ? (m.engine as DatabaseEngine).verify(username, password) : false;
  };

  const rootTokenBytes = Buffer.from(rootToken);
  /** The controls take only the server's root token, so a web page cannot drive them. */
  const isRootToken = (req: IncomingMessage): boolean => {
    const h = req.headers["x-vault-token"];
    const given = Buffer.from((Array.isArray(h) ? h[0] : h) ?? "");
    return given.length === rootTokenBytes.length && timingSafeEqual(given, rootTokenBytes);
  };

  /** A standby Vault answers sys/health itself and redirects everything else to the active node. */
  const standbyReply = (pathname: string, search: string, to: string): Reply => {
    if (pathname === "/v1/sys/health") {
      const r = healthReply(state, url0(search), false);
      const code = Number(url0(search).get("standbyok") === "true" ? 200 : (url0(search).get("standbycode") ?? 429));
      return { status: Number.isInteger(code) ? code : 429, body: { ...(r.body as object), standby: true } };
    }
    return { status: 307, headers: { Location: `${to}${pathname}${search}` } };
  };
  const url0 = (search: string) => new URLSearchParams(search);

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const method = req.headers[LIST_MARKER] === "LIST" ? "LIST" : (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://vault-dev");
    const pathname = url.pathname;
    let reply: Reply;
    const isV1 = pathname.startsWith("/v1/");
    let record: RequestRecord | undefined;
    if (isV1) {
      stats.total++;
      stats.inFlight++;
      if (stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
      stats.byPath.set(pathname, (stats.byPath.get(pathname) ?? 0) + 1);
      const mp = `${method} ${pathname}`;
      stats.byMethodPath.set(mp, (stats.byMethodPath.get(mp) ?? 0) + 1);
      const sec = Math.floor(started / 1000);
      stats.perSecond.set(sec, (stats.perSecond.get(sec) ?? 0) + 1);
      if (stats.perSecond.size > 3600) stats.perSecond.delete(stats.perSecond.keys().next().value!);
      record = { at: started, method, path: pathname };
      stats.requests.push(record);
      if (stats.requests.length > REQUEST_LOG_SIZE) stats.requests.shift();
    }
    try {
      let raw = "";
      try {
        raw = await readBody(req);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          if (record) record.status = 413;
          send(res, errorReply(413, "http: request body too large"));
          return;
        }
        throw e;
      }
      let body: Record<string, unknown> = {};
      let parseError: string | null = null;
      const isSeed = pathname === "/__dev/seed";
      if (raw.trim() !== "" && !isSeed) {
        try {
          const parsed = JSON.parse(raw);
          if (isPlainObject(parsed)) body = parsed;
          else parseError = "failed to parse JSON input: input is not a JSON object";
        } catch (e) {
          parseError = `failed to parse JSON input: ${(e as Error).message}`;
        }
      }
      if (isV1 && standbyRedirect !== null) {
        reply = standbyReply(pathname, url.search, standbyRedirect);
      } else if (isV1) {
        let rel: string;
        try {
          rel = decodeURIComponent(pathname.slice(4));
        } catch {
          rel = "";
          parseError = "invalid URL escape in path";
        }
        const f = faults;
        const affected = rel.startsWith(f.pathPrefix);
        if (affected && f.delayMs > 0) await sleep(f.delayMs);
        if (affected && (f.throttle.count > 0 || (f.throttle.rate > 0 && Math.random() < f.throttle.rate))) {
          if (f.throttle.count > 0) f.throttle.count--;
          reply = errorReply(429, `request path ${JSON.stringify(rel)}: rate limit quota exceeded`);
          if (f.throttle.retryAfter !== null) reply.headers = { "Retry-After": String(f.throttle.retryAfter) };
        } else if (affected && f.failureRate > 0 && Math.random() < f.failureRate) {
          reply = errorReply(f.failureStatus, "vault-dev: injected failure");
        } else if (parseError) {
          reply = errorReply(400, parseError);
        } else {
          reply = await handleV1(method, rel, url.searchParams, body, req);
        }
        if (method === "HEAD") reply = { status: reply.status, headers: reply.headers };
      } else if (pathname === "/__dev/jwks" && method === "GET") {
        // Public keys, like an identity provider's JWKS: no token needed.
        reply = { status: 200, body: jwks() };
      } else if (pathname === "/__dev" || pathname.startsWith("/__dev/")) {
        if (!isRootToken(req)) reply = errorReply(403, "vault-dev: /__dev/ controls need the root token in X-Vault-Token");
        else if (parseError) reply = errorReply(400, parseError);
        else {
          try {
            reply = await handleDev(method, pathname.slice("/__dev".length).replace(/\/+$/, ""), body, raw, url.searchParams);
          } catch (e) {
            if (e instanceof ReplyError) reply = e.reply;
            else throw e;
          }
        }
      } else {
        reply = errorReply(404);
      }
    } catch (e) {
      reply = errorReply(500, `vault-dev internal error: ${(e as Error).message}`);
    } finally {
      if (isV1) stats.inFlight--;
    }
    if (record) record.status = reply.status;
    send(res, reply);
    log?.(`${method} ${pathname} ${reply.status} ${Date.now() - started}ms`);
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch((e) => {
      try {
        send(res, errorReply(500, `vault-dev internal error: ${(e as Error).message}`));
      } catch {
        res.destroy();
      }
    });
  });
  // Node answers unknown verbs with 400 before any handler runs, and Vault
  // clients send LIST: every connection goes through the LIST rewriter.
  const host = opts.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  const tcp = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    server.emit("connection", wrapSocket(socket));
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(opts.port ?? 0, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const port = (tcp.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      tcp.close(() => resolve());
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
    });
    return closing;
  };

  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    rootToken,
    close,
    seal: () => void (state.sealed = true),
    unseal: () => void (state.sealed = false),
    setFaults,
    clearFaults: () => void (faults = NO_FAULTS()),
    faults: () => structuredClone(faults),
    revokeAllTokens: (o) => state.revokeAllTokens(o?.includeRoot ?? false),
    revokeLease: (id) => state.revokeLease(id) === true,
    stats: snapshot,
    resetStats,
    advanceClock: (by) => {
      state.clockOffsetMs += (typeof by === "number" ? by : parseDuration(by)) * 1000;
      state.sweep();
    },
    seed: (s, ns) => applySeedTo(s, ns),
    createToken: (o = {}) => {
      if (o.policies === undefined) ensureSeedPolicy(root);
      const policies = o.policies ?? [SEED_POLICY_NAME];
      const withDefault = policies.includes("root") || o.noDefaultPolicy ? policies : ["default", ...policies];
      return state.createToken({
        id: o.id,
        policies: [...new Set(withDefault)],
        ttl: o.ttl === undefined ? 0 : parseDuration(o.ttl),
        explicitMaxTtl: o.explicitMaxTtl === undefined ? 0 : parseDuration(o.explicitMaxTtl),
        period: o.period === undefined ? 0 : parseDuration(o.period),
        renewable: o.renewable ?? true,
        orphan: true,
      }).token.id;
    },
    verifyDatabaseCredential: verifyDb,
    state,
  };
}
