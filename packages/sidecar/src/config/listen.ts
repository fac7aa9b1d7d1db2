import { isIP } from "node:net";

/** Parses `host:port`, `[v6]:port`, `:port` or `port`; a missing host means loopback. */
export function parseListen(listen: string): { host: string; port: number } {
  let host = "127.0.0.1";
  let portText = listen;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]*):(\d+)$/.exec(listen);
  if (m) {
    host = m[1] || "127.0.0.1";
    portText = m[2];
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`expected host:port such as 127.0.0.1:8099, got ${JSON.stringify(listen)}`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
