import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.js";

const head = `
vault:
  address: http://127.0.0.1:8200
  auth: { method: approle, roleIdFile: /etc/role-id, secretIdFile: /etc/secret-id }
output:
  dir: /run/secrets
`;
const parse = (body: string) => parseConfigText(head + body, {});
const errors = (body: string) => {
  const r = parse(body);
  return r.ok ? [] : r.errors.map((e) => `${e.line ?? "?"}: ${e.key}: ${e.message}`);
};

describe("env: and exec: in the config (stowaway exec)", () => {
  it("takes the issue's shape, with secrets: left out, and fills exec defaults", () => {
    const r = parse(
      `env:\n  DB_PASSWORD: { path: secret/data/app/db, key: password }\n  DB_*: { path: secret/data/app/db, onChange: signal }\nexec:\n  onChange: restart\n  signal: SIGHUP\n  stopSignal: SIGTERM\n  stopTimeout: 10s\n`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.secrets).toEqual([]);
    expect(r.config.env.DB_PASSWORD).toEqual({ path: "secret/data/app/db", key: "password" });
    expect(r.config.env["DB_*"].onChange).toBe("signal");
    expect(r.config.exec).toEqual({
      onChange: "restart",
      signal: "SIGHUP",
      stopSignal: "SIGTERM",
      stopTimeout: 10_000,
      debounce: 1000,
      restartOnExit: "never",
      crashLoop: { maxExits: 5, window: 10_000 },
    });
  });

  it("exec defaults apply when exec: is absent; a file secret may set onChange", () => {
    const r = parse(`secrets:\n  - { path: secret/data/app/db, file: db.env, onChange: none }\n`);
    expect(r.ok && r.config.exec.onChange).toBe("restart");
    expect(r.ok && r.config.secrets[0].onChange).toBe("none");
  });

  it("still needs something to fetch", () => {
    expect(errors("secrets: []\n")).toEqual([expect.stringMatching(/secrets: at least one secret is required/)]);
    expect(errors("")).toEqual([expect.stringMatching(/secrets: at least one secret is required/)]);
  });

  it("rejects bad names, a missing key and a key on a prefix, naming line and key", () => {
    expect(
      errors(
        `env:\n  1BAD: { path: secret/data/a, key: k }\n  NOKEY: { path: secret/data/a }\n  P_*: { path: secret/data/a, key: k }\n  9_*: { path: secret/data/a }\n`,
      ),
    ).toEqual([
      expect.stringMatching(/^8: env\.1BAD: not a valid environment variable name/),
      expect.stringMatching(/^9: env\.NOKEY\.key: key is required \(or name it NOKEY_\* to export every key/),
      expect.stringMatching(/^10: env\.P_\*\.key: P_\* exports every key/),
      expect.stringMatching(/^11: env\.9_\*: a prefix must be/),
    ]);
  });

  it("rejects unknown onChange values, signals, durations and restart policies", () => {
    expect(
      errors(`env:\n  X: { path: secret/data/a, key: k, onChange: reload }\nexec:\n  signal: SIGNOPE\n  stopTimeout: soon\n  restartOnExit: sometimes\n`),
    ).toEqual([
      expect.stringMatching(/^8: env\.X\.onChange: expected restart, signal or none/),
      expect.stringMatching(/^10: exec\.signal: expected a signal name/),
      expect.stringMatching(/^11: exec\.stopTimeout: expected a duration/),
      expect.stringMatching(/^12: exec\.restartOnExit: /),
    ]);
  });
});
