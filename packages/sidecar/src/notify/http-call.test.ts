import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyRequest } from "./http-call.js";

describe("notifyRequest", () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ method?: string; path?: string; type?: string; body: string }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        seen.push({ method: req.method, path: req.url, type: req.headers["content-type"], body });
        if (req.url === "/moved") res.writeHead(302, { location: "/elsewhere" }).end();
        else if (req.url === "/slow") setTimeout(() => res.end("late"), 1_000);
        else res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("posts JSON and returns the status; GET sends no body", async () => {
    expect(await notifyRequest(`${url}/reload`, "POST", '{"files":["a"]}', 2_000)).toEqual({ status: 200 });
    expect(seen.at(-1)).toEqual({ method: "POST", path: "/reload", type: "application/json", body: '{"files":["a"]}' });
    expect(await notifyRequest(`${url}/reload`, "GET", undefined, 2_000)).toEqual({ status: 200 });
    expect(seen.at(-1)).toMatchObject({ method: "GET", body: "" });
  });

  it("does not follow a redirect: the 3xx is the answer", async () => {
    const before = seen.length;
    expect(await notifyRequest(`${url}/moved`, "POST", "{}", 2_000)).toEqual({ status: 302 });
    expect(seen.slice(before).map((s) => s.path)).toEqual(["/moved"]);
  });

  it("times out as a TimeoutError", async () => {
    await expect(notifyRequest(`${url}/slow`, "POST", "{}", 100)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("a refused connection is an error", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(notifyRequest(`http://127.0.0.1:${port}/`, "POST", "{}", 1_000)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
