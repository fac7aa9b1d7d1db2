import { describe, expect, it } from "vitest";
import { isLoopback, parseListen } from "./listen.js";
import { parseConfigText } from "./load.js";
import { parseDuration } from "./duration.js";

const base = `
vault:
  address: http://127.0.0.1:8200
  auth:
    method: approle
    roleIdFile: /etc/role-id
    secretIdFile: /etc/secret-id
output:
  dir: /run/secrets
secrets:
  - path: secret/data/app/db
    file: db.env
`;

describe("parseDuration", () => {
  it.each([
    ["200ms", 200],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1.5s", 1500],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "5", "5x", "s", "-1s", "1 s"])("rejects %j", (text) => expect(() => parseDuration(text)).toThrow());
});

describe("parseConfigText", () => {
  it("fills defaults", () => {
    const res = parseConfigText(base, {});
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const c = res.config;
    expect(c.vault.timeout).toBe(10_000);
    expect(c.vault.maxConcurrency).toBe(8);
    expect(c.vault.retry).toEqual({ initial: 1000, max: 300_000 });
    expect(c.output.mode).toBe(0o400);
    expect(c.listen).toEqual({ address: "127.0.0.1:8099", quit: false });
    expect(c.defaults).toEqual({ refreshInterval: 300_000, revokeOld: 30_000 });
    expect(c.secrets[0].format).toBe("dotenv");
    expect(c.vault.tls.insecureSkipVerify).toBe(false);
  });

  it("takes VAULT_* env vars as defaults, the file wins", () => {
    const text = base.replace("  address: http://127.0.0.1:8200\n", "");
    const res = parseConfigText(text, {
      VAULT_ADDR: "https://vault:8200",
      VAULT_NAMESPACE: "team-a",
      VAULT_CACERT: "/ca.pem",
      VAULT_CLIENT_CERT: "/c.pem",
      VAULT_CLIENT_KEY: "/k.pem",
    });
    expect(res.ok && res.config.vault).toMatchObject({
      address: "https://vault:8200",
      namespace: "team-a",
      tls: { caCert: "/ca.pem", clientCert: "/c.pem", clientKey: "/k.pem" },
    });
    const res2 = parseConfigText(base, { VAULT_ADDR: "https://other:8200" });
    expect(res2.ok && res2.config.vault.address).toBe("http://127.0.0.1:8200");
  });

  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
    ["yes", false],
  ])("VAULT_SKIP_VERIFY=%s → %s (node-vault treats any value as true)", (value, expected) => {
    const res = parseConfigText(base, { VAULT_SKIP_VERIFY: value });
    expect(res.ok && res.config.vault.tls.insecureSkipVerify).toBe(expected);
    if (expected) expect(res.ok && res.warnings.join("\n")).toMatch(/TLS VERIFICATION IS DISABLED/);
  });

  it("requires an address from the file or VAULT_ADDR", () => {
    const res = parseConfigText(base.replace("  address: http://127.0.0.1:8200\n", ""), {});
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors[0]).toMatchObject({ key: "vault.address", message: expect.stringMatching(/VAULT_ADDR/) });
  });

  it("token method needs tokenFile or VAULT_TOKEN", () => {
    const text = base.replace(/method: approle\n.*\n.*\n/, "method: token\n");
    expect(parseConfigText(text, {}).ok).toBe(false);
    expect(parseConfigText(text, { VAULT_TOKEN: "x" }).ok).toBe(true);
  });

  it("names the key and line of each error", () => {
    const text = `${base}    format: raw\n    mode: "999"\n    bogus: 1\n`;
    const res = parseConfigText(text, {});
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const byKey = Object.fromEntries(res.errors.map((e) => [e.key, e]));
    expect(byKey["secrets[0].mode"]).toMatchObject({ line: 14 });
    expect(byKey["secrets[0]"]?.message).toMatch(/unknown key.*bogus/);
  });

  it("says 'required' only for absent keys", () => {
    const res = parseConfigText(base.replace("  address: http://127.0.0.1:8200\n", "  address: http://127.0.0.1:8200\n  timeout: 10\n"), {});
    expect(!res.ok && res.errors).toEqual([{ key: "vault.timeout", message: "expected a duration such as 200ms, 30s, 5m or 1h", line: 4 }]);
    const res2 = parseConfigText(base.replace("    file: db.env\n", ""), {});
    expect(!res2.ok && res2.errors[0]).toMatchObject({ key: "secrets[0].file", message: "required" });
  });

  it("raw needs a key", () => {
    const res = parseConfigText(`${base}    format: raw\n`, {});
    expect(!res.ok && res.errors).toEqual([{ key: "secrets[0].key", message: "format raw needs key", line: 11 }]);
  });

  it.each([
    ["file: /etc/passwd", "secrets[0].file"],
    ["file: ../x", "secrets[0].file"],
    ["file: a/../../x", "secrets[0].file"],
  ])("refuses %s", (line, key) => {
    const res = parseConfigText(base.replace("file: db.env", line), {});
    expect(!res.ok && res.errors.map((e) => e.key)).toContain(key);
  });

  it("refuses duplicate files, template without template, bad durations", () => {
    const keysOf = (text: string) => {
      const res = parseConfigText(text, {});
      return !res.ok ? res.errors.map((e) => e.key) : [];
    };
    expect(keysOf(`${base}  - path: kv/x\n    file: db.env\n`)).toEqual(["secrets[1].file"]);
    // Issue 19: spellings of one file are one file.
    for (const [a, b] of [
      ["sub/./x", "sub/x"],
      ["y/", "y"],
      ["./z", "z"],
      ["a//b", "a/b"],
      ["c/.", "c"],
      ["d/e/./", "d/e"],
    ]) {
      expect(keysOf(`${base}  - path: kv/x\n    file: ${a}\n  - path: kv/y\n    file: ${b}\n`), `${a} vs ${b}`).toEqual(["secrets[2].file"]);
    }
    expect(keysOf(`${base}  - path: kv/x\n    file: ./\n`)).toEqual(["secrets[1].file"]);
    expect(keysOf(`${base}  - path: kv/y\n    file: t\n    format: template\n`)).toEqual(["secrets[1].template"]);
    expect(keysOf(`${base}  - path: kv/y\n    file: t\n    refreshInterval: 5\n`)).toEqual(["secrets[1].refreshInterval"]);
  });

  it("reads octal modes from strings and YAML numbers", () => {
    const res = parseConfigText(
      base.replace("file: db.env", "file: db.env\n    mode: 440").replace("dir: /run/secrets", 'dir: /run/secrets\n  mode: "0440"'),
      {},
    );
    expect(res.ok && res.config.secrets[0].mode).toBe(0o440);
    expect(res.ok && res.config.output.mode).toBe(0o440);
  });

  it("reports YAML syntax errors with a line", () => {
    const res = parseConfigText("vault:\n  address: [\n", {});
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors[0].line).toBeGreaterThan(0);
  });

  it("warns about non-loopback listen", () => {
    const res = parseConfigText(`${base}listen: 0.0.0.0:9000\n`, {});
    expect(res.ok && res.warnings.join()).toMatch(/not loopback/);
  });
});

describe("listen", () => {
  it("defaults a bare port to loopback", () => {
    expect(parseListen("9000")).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(parseListen(":9000")).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(() => parseListen("host:port")).toThrow();
  });
  it("knows loopback", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
  });
});

describe("relative paths in the config file", () => {
  it("point next to the config file, not to the working directory", () => {
    const text = [
      "vault:",
      "  address: http://127.0.0.1:8200",
      "  tls: { caCert: certs/ca.pem }",
      "  auth: { method: approle, roleIdFile: ./approle/role_id, secretIdFile: /abs/secret_id }",
      "output: { dir: /run/secrets }",
      "notify: { signal: SIGHUP, pidFile: app.pid }",
      "secrets:",
      "  - { path: secret/data/a, file: a.env }",
    ].join("\n");
    const res = parseConfigText(text, {}, "/etc/stowaway");
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    const auth = res.config.vault.auth as { roleIdFile?: string; secretIdFile?: string };
    expect(auth.roleIdFile).toBe("/etc/stowaway/approle/role_id");
    expect(auth.secretIdFile).toBe("/abs/secret_id");
    expect(res.config.vault.tls.caCert).toBe("/etc/stowaway/certs/ca.pem");
    expect(res.config.notify?.pidFile).toBe("/etc/stowaway/app.pid");
  });

  it("from VAULT_CACERT stay relative to the working directory", () => {
    const text =
      "vault:\n  address: http://127.0.0.1:8200\n  auth: { method: approle, roleId: r, secretIdFile: s }\noutput: { dir: /run/secrets }\nsecrets:\n  - { path: secret/data/a, file: a.env }\n";
    const res = parseConfigText(text, { VAULT_CACERT: "ca.pem" }, "/etc/stowaway");
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    expect(res.config.vault.tls.caCert).toBe("ca.pem");
  });

  it("vault.followRedirects takes origins only, normalised; maxResponseBytes has a floor (issue 19)", () => {
    const withVault = (extra: string) => parseConfigText(base.replace("  address: http://127.0.0.1:8200\n", `  address: http://127.0.0.1:8200\n${extra}`), {});
    const ok = withVault('  followRedirects: ["HTTPS://Standby.Example:443", "http://10.0.0.2:8200/"]\n');
    expect(ok.ok && ok.config.vault.followRedirects).toEqual(["https://standby.example", "http://10.0.0.2:8200"]);
    const none = withVault("");
    expect(none.ok && [none.config.vault.followRedirects, none.config.vault.maxResponseBytes]).toEqual([[], 4 * 1024 * 1024]);
    for (const bad of ["https://x:8200/v1", "https://x?a=1", "https://u:p@x", "ftp://x", "x:8200"]) {
      const r = withVault(`  followRedirects: ["${bad}"]\n`);
      expect(!r.ok && r.errors.map((e) => e.key), bad).toEqual(["vault.followRedirects[0]"]);
    }
    expect(withVault("  maxResponseBytes: 10\n").ok).toBe(false);
  });
});

describe("reload", () => {
  it("watches the config file unless reload.watch is false", () => {
    const on = parseConfigText(base, {});
    expect(on.ok && on.config.reload).toEqual({ watch: true });
    const off = parseConfigText(`${base}reload: { watch: false }\n`, {});
    expect(off.ok && off.config.reload).toEqual({ watch: false });
    const bad = parseConfigText(`${base}reload: { watch: "no", every: 5s }\n`, {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.key).sort()).toEqual(["reload", "reload.watch"]);
  });
});
