import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requestCheck } from "./request-check.js";

// node-vault's own tv4 (no types of its own), as node-vault resolves it.
const fromNodeVault = createRequire(createRequire(import.meta.url).resolve("node-vault"));
const tv4 = fromNodeVault("tv4") as { validate(data: unknown, schema: object): boolean; error: unknown };

// node-vault's request schema (node-vault/src/index.js), checked on every request it sends.
const requestSchema = {
  type: "object",
  properties: { path: { type: "string" }, method: { type: "string" } },
  required: ["path", "method"],
};

describe("requestCheck (node-vault's tv4 check of a request)", () => {
  it("accepts and rejects what tv4 does for node-vault's request schema", () => {
    const field = fc.oneof(fc.string(), fc.constant(undefined), fc.anything());
    const options = fc.oneof(
      { weight: 4, arbitrary: fc.record({ path: field, method: field, json: fc.anything(), headers: fc.object() }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.anything() },
    );
    fc.assert(
      fc.property(options, (o) => {
        // tv4 treats an undefined property as absent, as JSON does.
        expect(requestCheck.validate(o, requestSchema)).toBe(tv4.validate(o, requestSchema));
        expect(requestCheck.error === null).toBe(tv4.error === null);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a schema it does not implement (a generated command's) instead of passing it", () => {
    expect(() => requestCheck.validate({}, { type: "object", properties: { ttl: { type: "integer" } } })).toThrow(/only its request check/);
  });
});
