// A finding's fingerprint is hashed in JavaScript (@noble/hashes) so that a one-file run does not
// load node:crypto; baselines written before must still match, so it is node:crypto's SHA-256 of
// the same UTF-8 text, byte for byte, whatever the text (astral characters, lone surrogates, NULs).
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprint } from "./engine.js";

const nodeSha = (text: string) => createHash("sha256").update(text).digest("hex");
const nodeFingerprint = (ruleId: string, file: string, value: string) => nodeSha(`${ruleId}\0${file}\0${nodeSha(value)}`).slice(0, 32);

describe("fingerprint", () => {
  it("is node:crypto's SHA-256 construction for any rule id, file and value", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme", maxLength: 200 }), (ruleId, file, value) => {
        expect(fingerprint(ruleId, file, value)).toBe(nodeFingerprint(ruleId, file, value));
      }),
      { numRuns: 300 },
    );
  });

  it("matches node:crypto on lone surrogates and on values longer than one block", () => {
    for (const value of ["\ud800", "a\udc00b", "x".repeat(55), "x".repeat(56), "y".repeat(64), "é".repeat(1000), ""]) {
      expect(fingerprint("dockerfile/secret-in-env", "Dockerfile", value)).toBe(nodeFingerprint("dockerfile/secret-in-env", "Dockerfile", value));
    }
  });

  it("a fixed vector (the format a baseline stores)", () => {
    expect(fingerprint("env/secret-value", ".env", "hunter2")).toBe("7e687afd92fcd4c6325fdb78bd361612");
  });
});
