import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { createLogger } from "./log.js";

describe("logger", () => {
  it("writes JSON lines, warnings to stderr, and censors secret-looking fields", async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = "";
    let e = "";
    out.on("data", (c) => (o += c));
    err.on("data", (c) => (e += c));
    const log = createLogger(out, "info", err);
    log.info(
      {
        path: "secret/data/a",
        file: "a",
        token: "hvs.leak1",
        value: "leak2",
        secret_id: "leak3",
        nested: { password: "leak4", headers: { "X-Vault-Token": "leak5" } },
      },
      "rendered",
    );
    log.warn({ file: "a" }, "careful");
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(o.trim());
    expect(line).toMatchObject({ level: "info", msg: "rendered", path: "secret/data/a", file: "a" });
    expect(o).not.toMatch(/leak\d/);
    expect(JSON.parse(e.trim())).toMatchObject({ level: "warn", msg: "careful" });
    expect(o).not.toContain("careful");
  });
});
