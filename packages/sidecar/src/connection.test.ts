import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hash } from "./connection.js";

describe("hash", () => {
  it("is the first 16 hex digits of the SHA-256 of the JSON, as ids and config hashes always were", () => {
    for (const v of [{ path: "secret/data/a", vault: "x" }, "text", [1, 2], null, { a: { b: [true] } }]) {
      expect(hash(v)).toBe(createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16));
    }
  });
});
