// Fingerprints are hashed in JavaScript (@noble/hashes) for a process's first findings, so that a
// one-file run does not load node:crypto, and with node:crypto after that. Baselines written before
// must still match, so both paths are node:crypto's SHA-256 of the same UTF-8 text, byte for byte,
// whatever the text (astral characters, lone surrogates, NULs).
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprint } from "./engine.js";
import { JS_HASHES, sha256Hex, sha256HexJs } from "./hash.js";

const nodeSha = (text: string) => createHash("sha256").update(text).digest("hex");
const nodeFingerprint = (ruleId: string, file: string, value: string) => nodeSha(`${ruleId}\0${file}\0${nodeSha(value)}`).slice(0, 32);

describe("sha256Hex", () => {
  it("the JavaScript path is node:crypto's SHA-256 for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(sha256HexJs(text)).toBe(nodeSha(text));
      }),
      { numRuns: 100 },
    );
    for (const text of ["", "\ud800", "a\udc00b", "x".repeat(55), "x".repeat(56), "y".repeat(64), "é".repeat(1000)]) {
      expect(sha256HexJs(text)).toBe(nodeSha(text));
    }
  });

  it("gives the same hashes before and after it switches to node:crypto", () => {
    for (let i = 0; i < JS_HASHES * 3; i++) {
      const text = `value ${i} ${"é".repeat(i % 7)}`;
      expect(sha256Hex(text)).toBe(nodeSha(text));
    }
  });
});

describe("fingerprint", () => {
  it("is node:crypto's SHA-256 construction for any rule id, file and value", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme", maxLength: 200 }), (ruleId, file, value) => {
        expect(fingerprint(ruleId, file, value)).toBe(nodeFingerprint(ruleId, file, value));
      }),
      { numRuns: 100 },
    );
  });

  it("a fixed vector (the format a baseline stores)", () => {
    expect(fingerprint("env/secret-value", ".env", "hunter2")).toBe("7e687afd92fcd4c6325fdb78bd361612");
  });
});
