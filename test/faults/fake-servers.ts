// Tiny HTTP servers for the redirect, debug-leak and response-size attacks (issue 19): each
// records every request's headers and body, so a test can assert what never arrived.
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  origin: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export type Handler = (req: Recorded, res: http.ServerResponse) => void;

export async function startServer(handler: Handler, tls?: { key: string; cert: string }): Promise<TestServer> {
  const requests: Recorded[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(r);
      handler(r, res);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const rid = () => randomBytes(9).toString("base64url");
export const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/** Answers like Vault: any login gets `token`, lookup-self and KV v2 reads succeed. */
export function vaultLike(token: string, value: string): Handler {
  return (req, res) => {
    const p = new URL(req.url, "http://x").pathname.replace(/^\/v1\//, "");
    if (/^auth\/.+\/login$/.test(p)) return json(res, 200, { auth: { client_token: token, lease_duration: 600, renewable: true } });
    if (p === "auth/token/lookup-self") return json(res, 200, { data: { ttl: 600, renewable: true } });
    if (p.startsWith("sys/internal/ui/mounts/")) return json(res, 200, { data: { path: "secret/", type: "kv", options: { version: "2" } } });
    if (p === "secret/data/app") return json(res, 200, { data: { data: { k: value }, metadata: { version: 1 } } });
    json(res, 404, { errors: [] });
  };
}

/** 307 to `target`, keeping the path, with a query that must never be printed. */
export const redirectTo =
  (target: () => string, marker: string): Handler =>
  (req, res) => {
    res.writeHead(307, { location: `${target()}${req.url.split("?")[0]}?marker=${marker}` });
    res.end();
  };
