import { describe, expect, it } from "vitest";
import { findCommandLineSecrets, findConnectionStringPasswords, findKnownTokens, findUrlCredentials } from "./index.js";

// Inputs that made earlier versions quadratic (unbalanced `$(`, repeated PEM headers, SQL without
// a password). Bounds are loose on purpose: a shared CI machine is noisy; quadratic is not subtle.
const N = 50_000;
const INPUTS: Record<string, string> = {
  "identifier then colon": `echo '${"a".repeat(N)}: b'`,
  "CREATE USER without password": `mysql -e "${"CREATE USER x PASSWORD ".repeat(N / 25)}"`,
  "unbalanced ${": `echo ${"${".repeat(N / 2)}`,
  "unbalanced $(": `echo ${"$(".repeat(N / 2)}`,
  "scheme separators": "a://".repeat(N / 4),
  "user:pass prefixes": `http://${"a:".repeat(N / 2)}`,
  "long base64 run": `aws ${"A".repeat(N)}`,
  "JWT-looking prefix": `eyJ${"a".repeat(N)}.`,
  "repeated assignments": ";password=x".repeat(N / 11),
  "PEM headers without END": "-----BEGIN RSA PRIVATE KEY-----".repeat(N / 31),
};
const DETECTORS = { findCommandLineSecrets, findKnownTokens, findUrlCredentials, findConnectionStringPasswords };

describe("detectors on adversarial input", () => {
  for (const [name, text] of Object.entries(INPUTS)) {
    it(`stay fast: ${name}`, () => {
      for (const [detector, run] of Object.entries(DETECTORS)) {
        const t0 = performance.now();
        run(text);
        expect(performance.now() - t0, detector).toBeLessThan(1000);
      }
    });
  }
});
