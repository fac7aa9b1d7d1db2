import { describe, expect, it } from "vitest";
import { parseRetryAfter, retryDelayFor, toVaultError } from "./errors.js";
import { VaultRateLimitedError, VaultSealedError } from "../errors.js";

describe("429 backoff", () => {
  const opts = { initialMs: 1000, maxMs: 5000 };
  const limited = (retryAfterMs?: number) => new VaultRateLimitedError("read p: HTTP 429", { status: 429, path: "p", retryAfterMs });
  const sealed = new VaultSealedError("read p: HTTP 503", { status: 503, path: "p" });

  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(["7"], now)).toBe(7000);
    // An HTTP date is measured from the caller's clock, not the system's.
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now + 2000)).toBe(3000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("waits at least Retry-After, even past the configured max", () => {
    for (let a = 0; a < 5; a++) expect(retryDelayFor(limited(4000), a, opts, Math.random)).toBeGreaterThanOrEqual(4000);
  });

  it("backs off harder on 429 than on other failures", () => {
    for (const r of [0, 0.5, 1]) {
      for (let a = 0; a < 6; a++) {
        expect(retryDelayFor(limited(), a, opts, () => r)).toBeGreaterThanOrEqual(retryDelayFor(sealed, a, opts, () => r) * 2);
      }
    }
    expect(retryDelayFor(limited(), 10, opts, () => 1)).toBe(10_000);
  });

  it("toVaultError carries Retry-After into the error and its message", () => {
    const e = toVaultError(
      Object.assign(new Error("x"), { response: { statusCode: 429, body: { errors: ["rate limit quota exceeded"] } } }),
      "read",
      "p",
      [],
      2000,
    );
    expect(e).toBeInstanceOf(VaultRateLimitedError);
    expect((e as VaultRateLimitedError).retryAfterMs).toBe(2000);
    expect(e.message).toMatch(/Retry-After 2s/);
  });

  it("never retries sooner than 1 s, whatever the config says (issue 19)", () => {
    const tiny = { initialMs: 1, maxMs: 2 };
    for (const r of [0, 0.5, 1])
      for (let a = 0; a < 5; a++) {
        expect(retryDelayFor(sealed, a, tiny, () => r)).toBeGreaterThanOrEqual(1000);
        expect(retryDelayFor(limited(), a, tiny, () => r)).toBeGreaterThanOrEqual(1000);
      }
  });
});
