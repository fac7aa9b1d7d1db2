import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../config/index.js";
import type { SecretConfig } from "../config/schema.js";
import { VaultUnavailableError } from "../errors.js";
import { loadTemplateEngine } from "../render/index.js";
import type { VaultClient } from "../vault/client.js";
import { certOutputs, PkiSource, type CertOutput } from "./pki.js";
import type { FetchContext } from "./source.js";

const base = "vault: { address: http://127.0.0.1:8200, auth: { method: token } }\noutput: { dir: /dev/shm/x }\nsecrets:\n";
function parse(secrets: string) {
  return parseConfigText(base + secrets, { VAULT_TOKEN: "t" });
}
function entry(secrets: string): SecretConfig {
  const r = parse(secrets);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config.secrets[0];
}

describe("config: issue, files and group", () => {
  it("accepts the issue's shape and fills defaults", () => {
    const s = entry(`  - path: pki/issue/web
    issue: { commonName: web.internal, altNames: [localhost], ipSans: [127.0.0.1], ttl: 30s }
    files: { cert: tls.crt, key: tls.key, ca: ca.crt }
    notify: { signal: SIGHUP, pidFile: /run/app.pid }
`);
    expect(s.issue).toEqual({ commonName: "web.internal", altNames: ["localhost"], ipSans: ["127.0.0.1"], uriSans: [], ttl: 30_000, format: "pem" });
    expect(s.files).toEqual({ cert: "tls.crt", key: "tls.key", ca: "ca.crt" });
    expect(s.file).toBe("tls.crt");
  });

  it("names the key of each mistake", () => {
    const cases: [string, string, string][] = [
      ["  - path: pki/issue/web\n    issue: { commonName: a }\n", "secrets[0].files", "issue needs files"],
      ["  - path: pki/issue/web\n    issue: { commonName: a }\n    files: { cert: a/x.crt, key: b/x.key }\n", "secrets[0].files", "must share a directory"],
      ["  - path: secret/data/x\n    issue: { commonName: a }\n    files: { cert: x.crt }\n", "secrets[0].path", "pki/issue/<role>"],
      ["  - path: pki/issue/web\n    issue: { commonName: a }\n    files: { cert: x.crt }\n    file: y\n", "secrets[0].file", "template's output"],
      ["  - path: pki/issue/web\n    issue: { commonName: a, format: p12 }\n    files: { cert: x.crt }\n", "secrets[0].issue.format", ""],
      ["  - path: secret/data/x\n    file: a.env\n    files: { cert: x.crt }\n", "secrets[0].files", "only used with issue"],
      [
        "  - path: pki/issue/a\n    issue: { commonName: a }\n    files: { cert: a.crt }\n  - path: pki/issue/b\n    issue: { commonName: b }\n    files: { cert: b.crt }\n",
        "secrets[1].group",
        "give one of them a group name",
      ],
      [
        "  - path: secret/data/x\n    file: a.env\n    group: db\n  - path: secret/data/y\n    file: b.json\n    group: db\n",
        "secrets[1].group",
        "group db is one secret",
      ],
      [
        "  - path: pki/issue/a\n    issue: { commonName: a }\n    files: { cert: a.crt }\n  - path: secret/data/x\n    file: a.crt\n",
        "secrets[1].file",
        "same file as secrets[0]",
      ],
    ];
    for (const [secrets, key, message] of cases) {
      const r = parse(secrets);
      expect(r.ok, secrets).toBe(false);
      if (r.ok) continue;
      expect(
        r.errors.map((e) => e.key),
        secrets,
      ).toContain(key);
      expect(r.errors.find((e) => e.key === key)?.message, secrets).toContain(message);
    }
  });

  it("a group of the same path in one directory is valid", () => {
    const r = parse(
      "  - path: database/creds/app\n    file: db.env\n    group: db\n  - path: database/creds/app\n    file: db.json\n    format: json\n    group: db\n",
    );
    expect(r.ok).toBe(true);
  });

  it("the key and bundle get keyMode (default mode, then 0400); other files the usual mode", () => {
    const s = entry(
      '  - path: pki/issue/web\n    issue: { commonName: a }\n    files: { cert: t.crt, key: t.key, bundle: t.pem }\n    mode: "0444"\n    keyMode: "0400"\n',
    );
    expect(certOutputs(s, 0o400).map((o) => [o.part, o.cfg.file, o.cfg.mode])).toEqual([
      ["cert", "t.crt", 0o444],
      ["key", "t.key", 0o400],
      ["bundle", "t.pem", 0o400],
    ]);
  });
});

describe("PkiSource", () => {
  let vault: VaultDev;
  let dir: string;
  let issued = 0;
  let vaultDown = false;
  beforeAll(async () => {
    await loadTemplateEngine();
    vault = await startVaultDev({
      seed: {
        pki: {
          root: { common_name: "unit root", ttl: "2h", key_type: "ec" },
          roles: { web: { allow_any_name: true, key_type: "ec", max_ttl: "1h", not_before_duration: "10s" } },
        },
      },
    });
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-pkisrc-"));
  });
  afterAll(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scrubbed: string[] = [];
  const client = {
    async write(p: string, body: Record<string, unknown>) {
      if (vaultDown) throw new VaultUnavailableError("down", { path: p });
      issued++;
      const r = await fetch(`${vault.url}/v1/${p}`, { method: "POST", headers: { "X-Vault-Token": vault.rootToken }, body: JSON.stringify(body) });
      return r.json();
    },
    addScrub: (v: string) => scrubbed.push(v),
  } as unknown as VaultClient;
  const ctx: FetchContext = { client, revokeUnused: () => {} };

  let n = 0;
  function source(yaml: string, now = Date.now()) {
    const cfg = entry(yaml);
    const out = path.join(dir, `o${++n}`);
    mkdirSync(out);
    const outputs: CertOutput[] = certOutputs(cfg, 0o400).map(({ part, cfg: c }) => ({ part, cfg: c, id: part, label: c.file, written: false, unit: {} }));
    const clock = { now: () => now, random: () => 0.5 };
    return { cfg, out, make: (at = now) => new PkiSource("id", cfg, outputs, 60_000, () => out, { ...clock, now: () => at }) };
  }
  const store = (out: string, r: { files: { output: { cfg: { file: string } }; bytes: Buffer }[] }) => {
    for (const f of r.files) writeFileSync(path.join(out, f.output.cfg.file), f.bytes);
  };

  it("issues with Vault's parameters and renders every part from one response", async () => {
    const { make } = source(`  - path: pki/issue/web
    issue: { commonName: web.internal, altNames: [localhost, api.internal], ipSans: [127.0.0.1], ttl: 10m, privateKeyFormat: pkcs8 }
    files: { cert: t.crt, key: t.key, ca: ca.crt, chain: full.pem, bundle: all.pem }
    template: "{{serial_number}} {{expiration}}"
    file: info.txt
`);
    const s = make();
    expect(s.issueBody()).toEqual({
      common_name: "web.internal",
      format: "pem",
      alt_names: "localhost,api.internal",
      ip_sans: "127.0.0.1",
      ttl: "600s",
      private_key_format: "pkcs8",
    });
    const r = await s.fetch(ctx);
    const by = Object.fromEntries(r.files.map((f) => [(f.output as CertOutput).part, f.bytes.toString()]));
    const cert = new X509Certificate(by.cert);
    expect(cert.subjectAltName).toBe("DNS:web.internal, DNS:localhost, DNS:api.internal, IP Address:127.0.0.1");
    expect(by.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(by.chain).toBe(by.cert + by.ca);
    expect(by.bundle).toBe(by.key + by.cert + by.ca);
    expect(by.template).toBe(`${r.certificate!.serial} ${Math.floor(r.certificate!.notAfter / 1000)}`);
    // The private key is handed to the client's scrub list: it never reaches an error message.
    expect(scrubbed).toContain(by.key.trim());
  });

  it("re-issues when a third of the validity is left (jitter zero at random 0.5), or at renewBefore", async () => {
    const r = await source("  - path: pki/issue/web\n    issue: { commonName: a.internal, ttl: 20m }\n    files: { cert: t.crt, key: t.key }\n")
      .make()
      .fetch(ctx);
    const cert = new X509Certificate(r.files[0].bytes);
    const nb = Date.parse(cert.validFrom);
    const na = Date.parse(cert.validTo);
    expect(r.expiry!.renewAt).toBe(na - (na - nb) / 3);
    expect(r.expiry!.renewable).toBe(false);
    expect(r.expiry!.revoke).toBeUndefined();
    const r2 = await source(
      "  - path: pki/issue/web\n    issue: { commonName: a.internal, ttl: 20m }\n    renewBefore: 5m\n    revokePrevious: 30s\n    files: { cert: t.crt, key: t.key }\n",
    )
      .make()
      .fetch(ctx);
    expect(r2.expiry!.renewAt).toBe(r2.certificate!.notAfter - 300_000);
    expect(r2.expiry!.revoke).toEqual({ path: "pki/revoke", body: { serial_number: r2.certificate!.serial }, afterMs: 30_000, label: r2.certificate!.serial });
  });

  it("after a restart, resumes from the files on disk while they are valid, for the names asked, and not due", async () => {
    const yaml =
      "  - path: pki/issue/web\n    issue: { commonName: r.internal, altNames: [localhost], ttl: 20m }\n    files: { cert: t.crt, key: t.key, ca: ca.crt }\n";
    const { out, make, cfg } = source(yaml);
    const first = await make().fetch(ctx);
    store(out, first);
    const before = issued;
    vaultDown = true;
    try {
      // Mid-validity, Vault down: the restarted source serves the same bytes without asking Vault.
      const resumed = await make().fetch(ctx);
      expect(resumed.kind).toBe("resumed");
      expect(resumed.files.map((f) => f.bytes.toString())).toEqual(first.files.map((f) => f.bytes.toString()));
      expect(resumed.expiry!.renewAt).toBe(first.expiry!.renewAt);
      expect(issued).toBe(before);
      // Past renewBefore: it must issue (and here fails, since Vault is down).
      await expect(make(first.expiry!.renewAt! + 1).fetch(ctx)).rejects.toBeInstanceOf(VaultUnavailableError);
    } finally {
      vaultDown = false;
    }
    // A changed name, a key that does not match, a missing file: issue anew.
    const renamed = new PkiSource(
      "id",
      { ...cfg, issue: { ...cfg.issue!, altNames: ["other.internal"] } },
      make()["outputs"] as CertOutput[],
      60_000,
      () => out,
      { now: Date.now, random: () => 0.5 },
    );
    const other = await renamed.fetch(ctx);
    expect(other.kind).toBe("issued");
    writeFileSync(path.join(out, "t.key"), other.files[1].bytes);
    expect((await make().fetch(ctx)).kind).toBe("issued");
    rmSync(path.join(out, "ca.crt"));
    store(out, first);
    rmSync(path.join(out, "ca.crt"));
    expect((await make().fetch(ctx)).kind).toBe("issued");
    // Only the first fetch of a source may resume: later ones are renewals.
    store(out, first);
    const s = make();
    expect((await s.fetch(ctx)).kind).toBe("resumed");
    expect((await s.fetch(ctx)).kind).toBe("issued");
    expect(readFileSync(path.join(out, "t.crt"), "utf8")).toBe(first.files[0].bytes.toString());
  });
});
