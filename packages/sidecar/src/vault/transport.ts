import http from "node:http";
import type https from "node:https";
import { VaultError } from "../errors.js";

/** A redirect the sidecar did not follow: the location's origin is all it names. */
export class VaultRedirectError extends VaultError {
  constructor(message: string, opts: { status: number; path: string }) {
    // Not retryable: the same request would be redirected again; a daemon retries on its own schedule.
    super("VAULT_REDIRECT_REFUSED", message, { ...opts, retryable: false });
  }
}

/** A response larger than vault.maxResponseBytes; reading stopped at the limit. */
export class VaultResponseTooLargeError extends VaultError {
  constructor(message: string, opts: { path: string }) {
    super("VAULT_RESPONSE_TOO_LARGE", message, { ...opts, retryable: false });
  }
}

/** A network failure, naming the address tried and where that address came from. */
export class VaultConnectionError extends Error {
  readonly code: string;
  constructor(
    code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.code = code;
  }
}

export interface TransportOptions {
  timeoutMs: number;
  httpAgent: http.Agent;
  /** Made on first use: node:https is loaded for an https address or redirect only. */
  httpsAgent: () => https.Agent;
  /** Origins (scheme://host:port) one redirect may go to. Empty: no redirect is followed. */
  followRedirects: string[];
  /** Largest response body read, in bytes. */
  maxResponseBytes: number;
  /** Says where the address came from, e.g. "vault.address from VAULT_ADDR". */
  addressSource?: string;
}

/** What node-vault hands its request function (the request-promise option shape). */
interface NodeVaultRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const HOW_TO_ALLOW = "add its origin to vault.followRedirects to allow one hop there (never from https to http)";

/** "https://host:8200" from anything URL-like; undefined when it is not an http(s) URL. */
export function originOf(url: string, base?: string): string | undefined {
  try {
    const u = new URL(url, base);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** A response as the request layer reads it: status, headers, and the body parsed when it is JSON. */
interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  data: unknown;
}

/**
 * The request layer under node-vault (its `request-promise` option), on node:http directly.
 * node-vault's own call goes through axios, which follows up to 21 redirects through
 * follow-redirects and carries the X-Vault-Token header and login bodies to wherever they point,
 * and keeps a few MB of modules (mime-types, form-data, proxy agents) in every sidecar. Here a
 * redirect is followed only once, only to a listed origin, and never from https to http, as
 * Vault's own client does. Responses are capped at `maxResponseBytes`; no proxy is read from the
 * environment; the timeout covers the whole exchange.
 */
export function createTransport(opts: TransportOptions): { defaults(): (options: NodeVaultRequest) => Promise<unknown> } {
  const allowed = new Set(opts.followRedirects.map((o) => originOf(o)).filter((o): o is string => o !== undefined));

  const send = async (method: string, url: string, headers: Record<string, string>, data: unknown, timeout: number): Promise<RawResponse> => {
    try {
      return await exchange(method, url, headers, data, timeout, opts);
    } catch (err) {
      if (err instanceof VaultError) throw err;
      throw transportError(err, url, opts);
    }
  };

  const request = async (options: NodeVaultRequest): Promise<unknown> => {
    const path = pathOf(options.uri);
    const headers = { ...options.headers };
    let method = options.method;
    let data = options.json && typeof options.json === "object" ? options.json : undefined;
    const timeout = options.timeout ?? opts.timeoutMs;
    let url = options.uri;
    let res = await send(method, url, headers, data, timeout);
    if (REDIRECT.has(res.status)) {
      const target = checkRedirect(url, res, allowed, path);
      // 301/302/303 turn a request into a GET without a body (as browsers and Go do); 307/308 keep both.
      if (res.status !== 307 && res.status !== 308 && method !== "GET") {
        method = "GET";
        data = undefined;
      }
      url = target;
      res = await send(method, url, headers, data, timeout);
      if (REDIRECT.has(res.status)) {
        throw new VaultRedirectError(
          `HTTP ${res.status}: more than one redirect (to ${originOf(String(res.headers.location ?? ""), url) ?? "an invalid location"}); at most one is followed`,
          { status: res.status, path },
        );
      }
    }
    return { statusCode: res.status, body: res.data, request: { path } };
  };
  return { defaults: () => request };
}

/** The URL to follow, or a VaultRedirectError naming the location's origin and how to allow it. */
function checkRedirect(from: string, res: RawResponse, allowed: Set<string>, path: string): string {
  const location = res.headers.location;
  const origin = typeof location === "string" ? originOf(location, from) : undefined;
  const opts = { status: res.status, path };
  if (!origin) throw new VaultRedirectError(`HTTP ${res.status}: redirect without a usable http(s) location; not followed`, opts);
  if (new URL(from).protocol === "https:" && origin.startsWith("http:")) {
    throw new VaultRedirectError(`HTTP ${res.status}: redirect to ${origin} refused: https → http would send the token in clear text`, opts);
  }
  if (!allowed.has(origin)) throw new VaultRedirectError(`HTTP ${res.status}: redirect to ${origin} refused; ${HOW_TO_ALLOW}`, opts);
  return new URL(location as string, from).toString();
}

function pathOf(uri: string): string {
  try {
    return new URL(uri).pathname;
  } catch {
    return uri;
  }
}

/** A fresh error, nothing of the request config (headers, token, body) carried over. */
function transportError(err: unknown, url: string, opts: TransportOptions): Error {
  const e = err as { code?: string; message?: string };
  const code = typeof e?.code === "string" ? e.code : "ERR_NETWORK";
  let where = "";
  try {
    const u = new URL(url);
    // hostname keeps an IPv6 address in brackets.
    where = ` ${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
  } catch {
    /* keep it short */
  }
  // TLS failures (SELF_SIGNED_CERT_IN_CHAIN, ERR_TLS_CERT_ALTNAME_INVALID, …) need their words;
  // the message of a socket error never holds the request's headers or body.
  const words = /^E[A-Z]+$/.test(code)
    ? ""
    : `: ${String(e?.message ?? "")
        .split("\n")[0]
        .slice(0, 160)}`;
  const what = code === "ECONNABORTED" || code === "ETIMEDOUT" ? "timed out" : `${code}${words}`;
  return new VaultConnectionError(code, `${what}${where}${opts.addressSource ? ` (${opts.addressSource})` : ""}`);
}

/** One HTTP exchange: JSON body out, JSON (or text) back, at most maxResponseBytes read. */
function exchange(method: string, url: string, headers: Record<string, string>, data: unknown, timeout: number, opts: TransportOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const payload = data === undefined ? undefined : Buffer.from(JSON.stringify(data));
    const sendHeaders: Record<string, string> = { Accept: "application/json", ...headers };
    if (payload) {
      sendHeaders["Content-Type"] = "application/json";
      sendHeaders["Content-Length"] = String(payload.length);
    }
    const tooLarge = () =>
      new VaultResponseTooLargeError(`response larger than vault.maxResponseBytes (${opts.maxResponseBytes} bytes); reading stopped there`, {
        path: pathOf(url),
      });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const request = secure ? process.getBuiltinModule("node:https").request : http.request;
    const req = request(target, { method, headers: sendHeaders, agent: secure ? opts.httpsAgent() : opts.httpAgent }, (res) => {
      const declared = Number(res.headers["content-length"]);
      if (declared > opts.maxResponseBytes) return fail(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxResponseBytes) fail(tooLarge());
        else chunks.push(chunk);
      });
      res.on("error", fail);
      res.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, data: parseBody(Buffer.concat(chunks, size).toString("utf8")) });
      });
    });
    const timer = setTimeout(() => fail(Object.assign(new Error(`timeout of ${timeout}ms exceeded`), { code: "ECONNABORTED" })), timeout);
    req.on("error", fail);
    req.end(payload);
  });
}

/** JSON when it parses, else the text as it came (an HTML error page from a proxy, an empty 204). */
function parseBody(text: string): unknown {
  if (!text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
