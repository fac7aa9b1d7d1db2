import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListRewriter } from "./list-verb.js";
import { startVaultDev, type VaultDev } from "./server.js";

const feed = (r: ListRewriter, ...parts: string[]) => Buffer.concat(parts.flatMap((p) => r.push(Buffer.from(p)))).toString();

describe("ListRewriter", () => {
  it("rewrites LIST request lines and marks them", () => {
    const out = feed(new ListRewriter(), "LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(out).toBe("GET /v1/secret/metadata/ HTTP/1.1\r\nx-vault-dev-method: LIST\r\nHost: x\r\n\r\n");
  });

  it("passes bodies through, even when they look like request lines", () => {
    const body = "LIST /v1/evil HTTP/1.1\r\n\r\n";
    const r = new ListRewriter();
    const out = feed(r, `POST /v1/a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`, "LIST /v1/b HTTP/1.1\r\n\r\n");
    expect(out).toContain(body);
    expect(out).toContain("GET /v1/b HTTP/1.1\r\nx-vault-dev-method: LIST");
  });

  it("follows chunked bodies and heads split across packets", () => {
    const r = new ListRewriter();
    const out = feed(r, "POST /v1/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "5\r\nLIST \r\n", "3\r\nabc\r\n0\r\n\r\nLI", "ST /v1/c HTTP/1.1\r\n\r\n");
    expect(out).toContain("5\r\nLIST \r\n3\r\nabc\r\n0\r\n\r\n");
    expect(out.endsWith("GET /v1/c HTTP/1.1\r\nx-vault-dev-method: LIST\r\n\r\n")).toBe(true);
  });
});

describe("LIST over the wire", () => {
  let dev: VaultDev;
  beforeAll(async () => {
    dev = await startVaultDev({ rootToken: "root", seed: { kv2: { "a/b": { x: "1" }, "a/c/d": { x: "2" } } } });
  });
  afterAll(() => dev.close());

  it("serves pipelined requests on one keep-alive connection", async () => {
    const sock = connect(dev.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    sock.on("data", (d) => chunks.push(d));
    const req = (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\n\r\n`;
    sock.write(req("LIST", "/v1/secret/metadata/a") + req("GET", "/v1/secret/data/a/b") + req("LIST", "/v1/secret/metadata/a/c"));
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(chunks).toString().split("HTTP/1.1 200").length - 1 >= 3 ? resolve() : setTimeout(check, 10));
      check();
    });
    sock.destroy();
    const text = Buffer.concat(chunks).toString();
    expect(text).toContain('"keys":["b","c/"]');
    expect(text).toContain('"data":{"x":"1"}');
    expect(text).toContain('"keys":["d"]');
  });

  it("works with node:http's own client sending LIST", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const r = request({ host: "127.0.0.1", port: dev.port, method: "LIST", path: "/v1/secret/metadata/a", headers: { "X-Vault-Token": "root" } }, (res) => {
        let s = "";
        res.on("data", (d) => (s += d));
        res.on("end", () => resolve(`${res.statusCode} ${s}`));
      });
      r.on("error", reject);
      r.end();
    });
    expect(body).toMatch(/^200 /);
  });
});
