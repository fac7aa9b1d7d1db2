import { describe, expect, it } from "vitest";
import { scrub, toVaultError } from "./errors.js";
import { VaultConnectionError } from "./transport.js";

describe("scrub", () => {
  const token = "hvs.CAESIJ4Zt0kPqM3bXw9sLr2uVa7eYd1nHg5cTf8";
  it("redacts before it truncates: a token straddling the cut leaks no part of itself", () => {
    for (let at = 280; at < 300; at++) {
      const text = `${"x".repeat(at)}${token} and more`;
      const out = scrub(text, [token]);
      expect(out.length).toBeLessThanOrEqual(301);
      // Any 8-character run of the token is a leak.
      for (let i = 0; i + 8 <= token.length; i++) expect(out).not.toContain(token.slice(i, i + 8));
    }
  });
  it("through toVaultError, a server echo of the token at the cut is redacted", () => {
    const err = Object.assign(new Error("x"), { response: { statusCode: 400, body: { errors: [`${"y".repeat(290)}${token}`] } } });
    const msg = toVaultError(err, "login", "auth/approle/login", [token]).message;
    expect(msg).not.toContain(token.slice(0, 8));
  });
});

describe("connection errors", () => {
  it("name the address tried and where it came from", () => {
    const e = toVaultError(new VaultConnectionError("ECONNREFUSED", "ECONNREFUSED 127.0.0.1:8200 (vault.address from VAULT_ADDR)"), "read", "secret/data/a");
    expect(e.code).toBe("VAULT_UNAVAILABLE");
    expect(e.retryable).toBe(true);
    expect(e.message).toBe("read secret/data/a: ECONNREFUSED 127.0.0.1:8200 (vault.address from VAULT_ADDR)");
  });
});
