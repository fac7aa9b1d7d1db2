import http from "node:http";
import { isIP, type AddressInfo } from "node:net";
import type { MetricSet } from "./metrics.js";
import { SidecarError } from "../errors.js";

export interface StatusSource {
  /** Null when ready; otherwise why not. */
  notReadyReason(): string | null;
  /** POST /quit; undefined when /quit is not enabled (listen.quit). */
  quit?: () => void;
}

export interface StatusServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export interface StatusServerLimits {
  /** Connections open at once; more are closed as they arrive. Default 32. */
  maxConnections?: number;
  /** A connection idle this long is closed. Default 10 s. */
  idleTimeoutMs?: number;
}

const WILDCARD = new Set(["0.0.0.0", "::", ""]);
const isLoopbackName = (h: string) => h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));

/**
 * Which Host headers name this server. A browser tricked by DNS rebinding sends the attacker's
 * host name, so only the listen address is accepted (plus `localhost` on loopback, and any IP
 * literal when bound to every address, as Kubernetes probes send the pod IP).
 */
export function hostAllowed(header: string | undefined, listenHost: string, port: number): boolean {
  if (header === undefined) return true; // not a browser: HTTP/1.0 tools may omit it
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase());
  if (!m || Number(m[2] ?? 80) !== port) return false;
  const host = m[1].replace(/^\[|\]$/g, "");
  if (host === listenHost.toLowerCase()) return true;
  // Names and addresses of loopback are one thing when bound to loopback.
  if (isLoopbackName(host) && isLoopbackName(listenHost.toLowerCase())) return true;
  return WILDCARD.has(listenHost) && isIP(host) !== 0;
}

/** /healthz, /readyz, /metrics, and POST /quit when enabled. */
export async function startStatusServer(
  host: string,
  port: number,
  metrics: MetricSet,
  source: StatusSource,
  limits: StatusServerLimits = {},
): Promise<StatusServer> {
  let boundPort = port;
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    // A browser page (cross-origin POST, or DNS rebinding) is never a client of this server.
    if (req.headers.origin !== undefined) return send(403, "cross-origin requests are refused\n");
    if (!hostAllowed(req.headers.host, host, boundPort)) return send(403, "unexpected Host header\n");
    if (url === "/healthz" && (req.method === "GET" || req.method === "HEAD")) return send(200, "ok\n");
    if (url === "/readyz" && (req.method === "GET" || req.method === "HEAD")) {
      const reason = source.notReadyReason();
      return reason === null ? send(200, "ready\n") : send(503, `not ready: ${reason}\n`);
    }
    if (url === "/metrics" && req.method === "GET") {
      metrics
        .exposition()
        .then(({ contentType, text }) => send(200, text, contentType))
        .catch(() => send(500, "metrics failed\n"));
      return;
    }
    if (url === "/quit" && source.quit) {
      if (req.method !== "POST") return send(405, "use POST\n");
      const length = req.headers["content-length"];
      if (req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")) return send(400, "POST /quit takes no body\n");
      send(200, "quitting\n");
      source.quit();
      return;
    }
    send(404, "not found\n");
  });
  // Probes and a scraper need a handful of connections; hundreds of idle ones would take the
  // file descriptors that rotation needs (EMFILE).
  server.maxConnections = limits.maxConnections ?? 32;
  const idle = limits.idleTimeoutMs ?? 10_000;
  server.keepAliveTimeout = Math.min(2000, idle);
  server.headersTimeout = Math.min(5000, idle);
  server.requestTimeout = Math.min(10_000, idle * 2);
  // Destroys a socket with no traffic for `idle` ms, including one that never sent a byte.
  server.setTimeout(idle, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new SidecarError("LISTEN_FAILED", `listen ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // After start, an error (EMFILE on accept, say) costs that one connection, not the process.
  server.on("error", () => {});
  const addr = server.address() as AddressInfo;
  boundPort = addr.port;
  return {
    address: { host: addr.address, port: addr.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
