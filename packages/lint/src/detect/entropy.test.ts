import { describe, expect, it } from "vitest";
import { looksLikeDocStub, looksRandom, shannonEntropy } from "./entropy.js";

describe("entropy", () => {
  it("computes bits per character", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });
  it("looksRandom needs length and variety", () => {
    expect(looksRandom("q8Zr2LmX0vTa9WpK3nYb")).toBe(true);
    expect(looksRandom("password-password")).toBe(false);
    expect(looksRandom("short1X")).toBe(false);
    expect(looksRandom("9f86d081884c7d659a2feaa0c55ad015")).toBe(true);
  });
  it("looksLikeDocStub", () => {
    for (const s of ["xxxxxxxxxxxxxxxxxxxx", "IOSFODNN7EXAMPLE", "0000000000000000", "your_token_goes_here", "abababababababababab"]) {
      expect(looksLikeDocStub(s)).toBe(true);
    }
    expect(looksLikeDocStub("q8Zr2LmX0vTa9WpK3nYbE4dH7sJ1")).toBe(false);
  });
});
