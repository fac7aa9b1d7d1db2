import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { pino, type Logger } from "pino";
import { errorFields } from "./errors.js";
import { createLogger, REDACT_KEYS, redactFields } from "./log.js";

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

describe("redactFields", () => {
  // pino's own `redact` option with the paths the logger had before (REDACT_KEYS as `name` and `*.name`).
  const PINO_PATHS = [...REDACT_KEYS].flatMap((k) => [k, `*.${k}`]).concat(['headers["x-vault-token"]', '*.headers["x-vault-token"]']);
  const lineOf = (make: (out: PassThrough) => Logger, fields: Record<string, unknown>) => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (c) => (text += c));
    make(out).info(fields, "m");
    const line = JSON.parse(text);
    delete line.time;
    return line;
  };
  const ours = (out: PassThrough) => createLogger(out, "info");
  const theirs = (out: PassThrough) =>
    pino(
      {
        level: "info",
        base: { name: "stowaway-sidecar" },
        redact: { paths: PINO_PATHS, censor: "[redacted]" },
        formatters: { level: (label) => ({ level: label }) },
        serializers: { err: errorFields },
      },
      out,
    );

  it("censors the same fields as pino's redact option did", () => {
    const name = fc.constantFrom(...REDACT_KEYS, "path", "file", "kind", "x-vault-token", "nested", "err", "msgs");
    const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const inner = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(name, leaf, { maxKeys: 4 }));
    const value = fc.oneof(leaf, fc.array(inner, { maxLength: 3 }), fc.dictionary(name, inner, { maxKeys: 5 }));
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 6 }), (fields) => {
        expect(lineOf(ours, fields)).toEqual(lineOf(theirs, fields));
      }),
      { numRuns: 300 },
    );
  });

  it("copies only what it censors, and keeps an error's prototype", () => {
    const plain = { path: "secret/data/a", file: "a.env", version: 3, nested: { file: "b" } };
    expect(redactFields(plain)).toBe(plain);
    const err = Object.assign(new Error("boom"), { config: { headers: { "X-Vault-Token": "hvs.leak" } }, status: 500 });
    const out = redactFields({ error: err, token: "hvs.leak" });
    expect(out.token).toBe("[redacted]");
    expect(out.error).toBeInstanceOf(Error);
    expect(out.error).toMatchObject({ config: "[redacted]", status: 500 });
    expect(err.config).toEqual({ headers: { "X-Vault-Token": "hvs.leak" } });
  });
});
