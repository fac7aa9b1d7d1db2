import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redact, scrub } from "./redact.js";

describe("redact", () => {
  it("shows at most the first 4 characters, then an ellipsis", () => {
    expect(redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789")).toBe("ghp_…");
    expect(redact("")).toBe("");
  });

  it("shows less of short values", () => {
    expect(redact("hunter2")).toBe("hu…");
    expect(redact("abc")).toBe("a…");
    expect(redact("ab")).toBe("…");
  });

  it("never returns the whole value, for any value", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (s) => {
        const r = redact(s);
        expect(r.endsWith("…")).toBe(true);
        expect(Array.from(r).length - 1).toBeLessThanOrEqual(4);
        expect(Array.from(r).length - 1).toBeLessThan(Array.from(s).length);
      }),
    );
  });

  it("scrubs every occurrence of a secret from a message", () => {
    expect(scrub("a=s3cretvalue and again s3cretvalue", ["s3cretvalue"])).toBe("a=s3c… and again s3c…");
  });
});
