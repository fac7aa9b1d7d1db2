import http from "node:http";
import type https from "node:https";
import { readFileSync } from "node:fs";
// Before node-vault loads (imports run in this order): its `debug` output prints login bodies.
import "./quiet-first.js";
import nodeVault from "node-vault";
import type NodeVault from "node-vault";
import { TlsFileError, VaultNotFoundError, VaultRequestError } from "../errors.js";
import { systemClock, type Clock } from "../schedule/clock.js";
import { Limiter } from "./limiter.js";
import { parseRetryAfter, toVaultError } from "./errors.js";
import { requestCheck } from "./request-check.js";
import { createTransport } from "./transport.js";
import { silenceDebug } from "./quiet.js";

export interface VaultTlsOptions {
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
}

export interface VaultClientOptions {
  address: string;
  namespace?: string;
  /** Per-request timeout in ms. node-vault has none by default. */
  timeoutMs: number;
  tls: VaultTlsOptions;
  /** Most requests in flight at once. */
  maxConcurrency: number;
  /** Origins one redirect may go to; default none (no redirect is followed). */
  followRedirects?: string[];
  /** Largest Vault response read, in bytes. Default 4 MiB. */
  maxResponseBytes?: number;
  /** Where the address came from, named in connection errors ("vault.address from VAULT_ADDR"). */
  addressSource?: string;
  /** Called after every request with a low-cardinality operation name. */
  onRequest?: (op: string, seconds: number, outcome: "ok" | "error") => void;
  /** Time source for the Retry-After pause. Default: the system clock. */
  clock?: Clock;
}

export interface LoginResult {
  token: string;
  /** Seconds; 0 means no expiry. */
  ttl: number;
  renewable: boolean;
}

export interface LeaseInfo {
  leaseId: string;
  ttl: number;
  renewable: boolean;
}

type Body = Record<string, any>;

const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** How long a mount learned from sys/internal/ui/mounts answers for the paths below it. */
export const MOUNT_TTL_MS = 60_000;

export interface MountInfo {
  path: string;
  type: string;
  version?: string;
}
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Calls `fn` with every response that comes through `agent` (http.Agent has no public hook). */
function onResponse(agent: http.Agent, fn: (res: http.IncomingMessage) => void): void {
  const a = agent as unknown as { addRequest(req: http.ClientRequest, options: unknown): void };
  const addRequest = a.addRequest.bind(agent);
  a.addRequest = (req, options) => {
    req.once("response", fn);
    addRequest(req, options);
  };
}

export { TlsFileError };

function readTlsFile(key: string, file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsFileError(`vault.tls.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/**
 * The one place that talks to Vault, through node-vault. Sets a timeout, sends
 * X-Vault-Request, keeps connections alive, bounds concurrency, and turns every
 * failure into a typed VaultError that carries no token.
 */
export class VaultClient {
  private readonly nv: NodeVault.client;
  /** Login calls go through a token-less instance so a stale token is never sent with them. */
  private readonly loginNv: NodeVault.client;
  private readonly httpAgent: http.Agent;
  /** The https agent's options, read at start; the agent (and node:https) comes with the first https request. */
  private readonly httpsOptions: https.AgentOptions;
  private httpsAgentMade: https.Agent | undefined;
  private readonly limiter: Limiter;
  private currentToken: string | undefined;
  /** Values scrubbed from error messages. */
  private readonly scrubList = new Set<string>();
  /** Set by a 429 with Retry-After: no request goes out before this time (ms since the epoch). */
  private pauseUntil = 0;
  private readonly clock: Clock;
  /** Mounts learned from mountOf answers, with when; see mountOf. */
  private mounts: Array<{ mount: MountInfo; at: number }> = [];

  constructor(private readonly opts: VaultClientOptions) {
    this.clock = opts.clock ?? systemClock;
    // Before node-vault loads: its `debug` output (and follow-redirects') prints login bodies.
    silenceDebug();
    const factory = nodeVault as typeof NodeVault;
    this.limiter = new Limiter(opts.maxConcurrency);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts.maxConcurrency });
    const { tls } = opts;
    // node-vault ignores VAULT_CACERT and builds agents without keepAlive, so we build our own.
    // The files are read now, so that a missing one fails the start whatever the address.
    this.httpsOptions = {
      keepAlive: true,
      maxSockets: opts.maxConcurrency,
      ca: readTlsFile("caCert", tls.caCert),
      cert: readTlsFile("clientCert", tls.clientCert),
      key: readTlsFile("clientKey", tls.clientKey),
      servername: tls.serverName,
      rejectUnauthorized: !tls.insecureSkipVerify,
    };
    // Our own request layer: no redirect followed unless allowed, responses capped in size.
    const transport = createTransport({
      timeoutMs: opts.timeoutMs,
      httpAgent: this.httpAgent,
      httpsAgent: () => this.httpsAgent,
      followRedirects: opts.followRedirects ?? [],
      maxResponseBytes: opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      addressSource: opts.addressSource,
    });
    const base = {
      apiVersion: "v1",
      endpoint: opts.address,
      namespace: opts.namespace,
      noCustomHTTPVerbs: true,
      rpDefaults: { timeout: opts.timeoutMs, strictSSL: true },
      "request-promise": transport,
      debug: () => {},
      // None of node-vault's generated commands (tokenLookupSelf, approleLogin…): read, write and
      // request are all we call. Without its table it builds none of their ~100 functions a client.
      commands: {},
      // Its request check without tv4, which the bundle leaves out (see request-check.ts). Its
      // types say a function; it calls `tv4.validate` and reads `tv4.error`.
      tv4: requestCheck as unknown as NodeVault.VaultOptions["tv4"],
    };
    this.nv = factory(base);
    this.loginNv = factory(base);
    // node-vault falls back to $VAULT_TOKEN on its own; we decide which token is used.
    this.nv.token = undefined as unknown as string;
    this.loginNv.token = undefined as unknown as string;
    // node-vault also prepends $VAULT_PREFIX to every path on its own: paths are ours alone.
    for (const c of [this.nv, this.loginNv]) (c as unknown as { pathPrefix: string }).pathPrefix = "";
    // node-vault drops response headers, so Retry-After is read where the response arrives.
    onResponse(this.httpAgent, (res) => this.noteRetryAfter(res));
  }

  /** node:https costs a plain-http sidecar about 0.3 MB of RSS (its TLS code and modules): loaded on first use. */
  private get httpsAgent(): https.Agent {
    if (!this.httpsAgentMade) {
      this.httpsAgentMade = new (process.getBuiltinModule("node:https").Agent)(this.httpsOptions);
      onResponse(this.httpsAgentMade, (res) => this.noteRetryAfter(res));
    }
    return this.httpsAgentMade;
  }

  private noteRetryAfter(res: http.IncomingMessage): void {
    if (res.statusCode !== 429) return;
    const ms = parseRetryAfter(res.headers["retry-after"], this.clock.now());
    // Capped: a confused server must not park the sidecar for hours.
    if (ms !== undefined) this.pauseUntil = Math.max(this.pauseUntil, this.clock.now() + Math.min(ms, MAX_RETRY_AFTER_MS));
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  set token(value: string | undefined) {
    this.currentToken = value;
    if (value) this.scrubList.add(value);
    // Set client.token rather than a shared headers object: node-vault mutates the latter.
    this.nv.token = value as string;
  }

  /** Adds a value that must never appear in an error message (e.g. a secret id). */
  addScrub(value: string): void {
    if (value) this.scrubList.add(value);
  }

  get inFlight(): number {
    return this.limiter.inFlight;
  }

  /** Fresh per call: node-vault writes X-Vault-Token into the object it is given. (The transport has the agents.) */
  private requestOptions(): Record<string, unknown> {
    return {
      headers: { "X-Vault-Request": "true" },
      timeout: this.opts.timeoutMs,
    };
  }

  private async call<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    // Vault asked us (429 Retry-After) to send nothing until then.
    const pause = this.pauseUntil - this.clock.now();
    if (pause > 0) await new Promise((r) => this.clock.setTimeout(() => r(undefined), pause));
    return this.limiter.run(async () => {
      // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (about 0.3 MB of RSS).
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const res = await fn();
        this.opts.onRequest?.(op, seconds(), "ok");
        return res;
      } catch (err) {
        this.opts.onRequest?.(op, seconds(), "error");
        const retryAfter = this.pauseUntil - this.clock.now();
        const e = toVaultError(err, op, path, [...this.scrubList], retryAfter > 0 ? retryAfter : undefined);
        // OpenBao answers 404 for an unknown namespace: that is a configuration error, not a missing secret.
        if (e instanceof VaultNotFoundError && /namespace not found/.test(e.message)) {
          throw new VaultRequestError(
            `${op} ${path}: Vault namespace ${JSON.stringify(this.opts.namespace ?? "")} not found (HTTP 404); check vault.namespace or VAULT_NAMESPACE`,
            { status: 404, path },
          );
        }
        throw e;
      }
    });
  }

  /** GET /v1/<path>. */
  read(path: string, op = "read"): Promise<Body> {
    return this.call(op, path, () => this.nv.read(path, this.requestOptions()));
  }

  /** POST /v1/<path>. */
  write(path: string, body: Body, op = "write"): Promise<Body> {
    return this.call(op, path, () => this.nv.write(path, body, this.requestOptions()));
  }

  /** POST auth/<mount>/login with the method's payload (approle: role_id, secret_id; kubernetes and jwt: role, jwt). */
  async login(method: "approle" | "kubernetes" | "jwt", mount: string, payload: Record<string, string>): Promise<LoginResult> {
    for (const v of Object.values(payload)) this.addScrub(v);
    // The login client has no token, so none is sent; node-vault's approleLogin & co. did the same
    // write, with the mount passed through mustache first (see `commands: {}` above).
    const path = `auth/${mount}/login`;
    const body = await this.call("login", path, () => this.loginNv.write(path, payload, this.requestOptions()));
    const auth = body?.auth;
    if (!auth || typeof auth.client_token !== "string" || !auth.client_token) {
      throw new VaultRequestError(`${method} login ${path}: response has no auth.client_token`, { path });
    }
    this.token = auth.client_token;
    return { token: auth.client_token, ttl: Number(auth.lease_duration) || 0, renewable: auth.renewable === true };
  }

  /** POST sys/wrapping/unwrap with the (single-use) wrapping token itself as X-Vault-Token: the wrapped data. */
  async unwrap(wrappingToken: string): Promise<Body> {
    this.addScrub(wrappingToken);
    const body = await this.call("unwrap", "sys/wrapping/unwrap", () =>
      this.loginNv.request({
        path: "/sys/wrapping/unwrap",
        method: "POST",
        json: {},
        ...this.requestOptions(),
        headers: { "X-Vault-Request": "true", "X-Vault-Token": wrappingToken },
      }),
    );
    return body?.data ?? {};
  }

  /** GET auth/token/lookup-self: the current token's remaining TTL. */
  async lookupSelf(): Promise<{ ttl: number; renewable: boolean }> {
    const body = await this.read("auth/token/lookup-self", "token_lookup");
    return { ttl: Number(body?.data?.ttl) || 0, renewable: body?.data?.renewable === true };
  }

  /** POST auth/token/renew-self. */
  async renewSelf(incrementSeconds?: number): Promise<{ ttl: number; renewable: boolean }> {
    const body = await this.write("auth/token/renew-self", incrementSeconds ? { increment: `${incrementSeconds}s` } : {}, "token_renew");
    const auth = body?.auth;
    return { ttl: Number(auth?.lease_duration) || 0, renewable: auth?.renewable === true };
  }

  /** PUT sys/leases/renew. */
  async renewLease(leaseId: string, incrementSeconds?: number): Promise<LeaseInfo> {
    const body = await this.call("lease_renew", "sys/leases/renew", () =>
      this.nv.request({
        path: "/sys/leases/renew",
        method: "PUT",
        json: incrementSeconds ? { lease_id: leaseId, increment: incrementSeconds } : { lease_id: leaseId },
        ...this.requestOptions(),
      }),
    );
    return { leaseId: body?.lease_id || leaseId, ttl: Number(body?.lease_duration) || 0, renewable: body?.renewable === true };
  }

  /** PUT sys/leases/lookup (in Vault's default policy): throws HTTP 400 "invalid lease" once it is revoked or expired. */
  async lookupLease(leaseId: string): Promise<{ ttl: number }> {
    const body = await this.call("lease_lookup", "sys/leases/lookup", () =>
      this.nv.request({ path: "/sys/leases/lookup", method: "PUT", json: { lease_id: leaseId }, ...this.requestOptions() }),
    );
    return { ttl: Number(body?.data?.ttl) || 0 };
  }

  /** PUT sys/leases/revoke. */
  async revokeLease(leaseId: string): Promise<void> {
    await this.call("lease_revoke", "sys/leases/revoke", () =>
      this.nv.request({ path: "/sys/leases/revoke", method: "PUT", json: { lease_id: leaseId }, ...this.requestOptions() }),
    );
  }

  /**
   * GET sys/internal/ui/mounts/<path>: which mount serves a path, its type and KV version. An
   * answer is reused for every path below that mount for MOUNT_TTL_MS (Vault refuses a mount
   * inside another, so the mount a path starts with is the one that serves it): a first render of
   * 1,000 secrets under one mount asks a few times, not 1,000.
   */
  async mountOf(path: string): Promise<MountInfo | undefined> {
    const now = this.clock.now();
    this.mounts = this.mounts.filter((m) => now - m.at < MOUNT_TTL_MS);
    const known = this.mounts.find((m) => path.startsWith(m.mount.path));
    if (known) return known.mount;
    try {
      const body = await this.read(`sys/internal/ui/mounts/${path}`, "mounts");
      const d = body?.data;
      if (!d || typeof d.path !== "string") return undefined;
      // A bare `kv` mount reports options: null; it is version 1.
      const mount: MountInfo = { path: d.path, type: String(d.type ?? ""), version: d.options?.version ?? (d.type === "kv" ? "1" : undefined) };
      // Only a mount path that names a directory can be a prefix of the paths below it.
      if (mount.path.endsWith("/") && path.startsWith(mount.path)) {
        this.mounts = this.mounts.filter((m) => m.mount.path !== mount.path);
        this.mounts.push({ mount, at: this.clock.now() });
      }
      return mount;
    } catch {
      // Optional hint only: older servers or tight policies refuse it.
      return undefined;
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgentMade?.destroy();
  }
}
