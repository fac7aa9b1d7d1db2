import http from "node:http";
import type { AddressInfo } from "node:net";
import type { SidecarMetrics } from "./metrics.js";
import { SidecarError } from "../errors.js";

export interface StatusSource {
  /** Null when ready; otherwise why not. */
  notReadyReason(): string | null;
  /** POST /quit. */
  quit(): void;
}

export interface StatusServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** /healthz, /readyz, /metrics and POST /quit. */
export async function startStatusServer(host: string, port: number, metrics: SidecarMetrics, source: StatusSource): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (url === "/healthz" && (req.method === "GET" || req.method === "HEAD")) return send(200, "ok\n");
    if (url === "/readyz" && (req.method === "GET" || req.method === "HEAD")) {
      const reason = source.notReadyReason();
      return reason === null ? send(200, "ready\n") : send(503, `not ready: ${reason}\n`);
    }
    if (url === "/metrics" && req.method === "GET") {
      metrics.registry
        .metrics()
        .then((text) => send(200, text, metrics.registry.contentType))
        .catch(() => send(500, "metrics failed\n"));
      return;
    }
    if (url === "/quit") {
      if (req.method !== "POST") return send(405, "use POST\n");
      send(200, "quitting\n");
      source.quit();
      return;
    }
    send(404, "not found\n");
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new SidecarError("LISTEN_FAILED", `listen ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
