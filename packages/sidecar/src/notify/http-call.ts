import http from "node:http";
import type https from "node:https";

/** What an HTTP notification answered: its status, the body read and dropped. */
export interface NotifyResponse {
  status: number;
}

/**
 * One HTTP notification over node:http (node:https for an https URL, loaded then): not `fetch`,
 * whose undici loads several MB more and needs WebAssembly, which the image's `--jitless`
 * turns off. Redirects are not followed: a 3xx is the answer. Times out after `timeoutMs`.
 */
export function notifyRequest(url: string, method: string, body: string | undefined, timeoutMs: number): Promise<NotifyResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport: typeof http | typeof https = target.protocol === "https:" ? process.getBuiltinModule("node:https") : http;
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
    const req = transport.request(target, { method, headers }, (res) => {
      res.resume();
      res.once("end", () => resolve({ status: res.statusCode ?? 0 }));
      res.once("error", reject);
    });
    // The whole call is bounded, connecting and a slow answer included.
    const timer = setTimeout(() => req.destroy(new NotifyTimeout()), timeoutMs);
    req.once("error", reject);
    req.once("close", () => clearTimeout(timer));
    req.end(body);
  });
}

export class NotifyTimeout extends Error {
  constructor() {
    super("timed out");
    this.name = "TimeoutError";
  }
}
