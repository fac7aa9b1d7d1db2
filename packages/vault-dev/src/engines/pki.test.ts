/**
 * The PKI engine issues real certificates: parsed by Node, verified by
 * openssl, and refused with Vault's 400 messages when a role does not allow
 * a name. Set VAULT_ADDR/VAULT_TOKEN to run the API tests against a real
 * Vault or OpenBao too (each run mounts PKI at a fresh path).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Target } from "../../test/client.js";
import { startVaultDev, type VaultDev } from "../server.js";

let dev: VaultDev;
beforeAll(async () => {
  dev = await startVaultDev({});
});
afterAll(async () => {
  await dev.close();
});

const real =
  process.env.VAULT_ADDR && process.env.VAULT_TOKEN ? { url: process.env.VAULT_ADDR.replace(/\/+$/, ""), token: process.env.VAULT_TOKEN } : undefined;
if (!real) console.log("pki.test: VAULT_ADDR/VAULT_TOKEN not set; the real-Vault run is skipped");

function openssl(args: string[], files: Record<string, string>): { ok: boolean; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "stowaway-pki-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text + "\n");
    const out = execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const targets: [string, () => Target][] = [["vault-dev", () => ({ url: dev.url, token: dev.rootToken })]];
if (real) targets.push(["real Vault", () => real]);

describe.each(targets)("PKI engine against %s", (_name, target) => {
  const api = client(target);
  const mount = `pki-${randomBytes(4).toString("hex")}`;
  let caPem = "";

  beforeAll(async () => {
    expect((await api.post(`sys/mounts/${mount}`, { type: "pki" })).status).toBe(204);
    const root = await api.post(`${mount}/root/generate/internal`, { common_name: "stowaway test root", ttl: "2h", key_type: "ec", key_bits: 256 });
    expect(root.status).toBe(200);
    caPem = root.body.data.certificate;
    expect(root.body.data.issuing_ca).toBe(caPem);
    expect(root.body.data.private_key).toBeUndefined();
    const role = await api.post(`${mount}/roles/web`, {
      allowed_domains: ["internal"],
      allow_subdomains: true,
      ttl: "10m",
      max_ttl: "1h",
      key_type: "ec",
      key_bits: 256,
    });
    expect(role.status === 200 || role.status === 204).toBe(true);
  });
  afterAll(async () => {
    await api.del(`sys/mounts/${mount}`);
  });

  it("issues a certificate for the requested names, signed by the root, with its key", async () => {
    const r = await api.post(`${mount}/issue/web`, { common_name: "web.internal", alt_names: "localhost", ip_sans: ["127.0.0.1"], ttl: "10m" });
    expect(r.status).toBe(200);
    const d = r.body.data;
    expect(Object.keys(d)).toEqual(
      expect.arrayContaining(["certificate", "issuing_ca", "ca_chain", "private_key", "private_key_type", "serial_number", "expiration"]),
    );
    expect(r.body.lease_id).toBe("");
    const cert = new X509Certificate(d.certificate);
    const ca = new X509Certificate(caPem);
    expect(cert.subject).toBe("CN=web.internal");
    expect(cert.subjectAltName).toBe("DNS:web.internal, DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(d.private_key))).toBe(true);
    expect(d.private_key_type).toBe("ec");
    expect(d.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(d.issuing_ca).toBe(caPem);
    expect(d.ca_chain).toEqual([caPem]);
    expect(d.serial_number).toBe(cert.serialNumber.toLowerCase().match(/../g)!.join(":"));
    expect(d.expiration).toBe(Math.floor(Date.parse(cert.validTo) / 1000));
    expect(d.expiration - Date.now() / 1000).toBeGreaterThan(590);
    expect(d.expiration - Date.now() / 1000).toBeLessThan(610);
    expect(cert.ca).toBe(false);
    expect(ca.ca).toBe(true);
  });

  it("openssl verifies the issued chain against the CA file", async () => {
    const d = (await api.post(`${mount}/issue/web`, { common_name: "api.web.internal", ttl: "5m" })).body.data;
    const v = openssl(["verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "cert.pem"], { "ca.pem": d.issuing_ca, "cert.pem": d.certificate });
    expect(v.out).toContain("cert.pem: OK");
    expect(v.ok).toBe(true);
    // And it fails against a different CA, so the check means something.
    const other = await api.post(`sys/mounts/${mount}-other`, { type: "pki" });
    expect(other.status).toBe(204);
    const otherCa = (await api.post(`${mount}-other/root/generate/internal`, { common_name: "other root", ttl: "1h", key_type: "ec" })).body.data.certificate;
    await api.del(`sys/mounts/${mount}-other`);
    expect(openssl(["verify", "-CAfile", "ca.pem", "cert.pem"], { "ca.pem": otherCa, "cert.pem": d.certificate }).ok).toBe(false);
  });

  it("refuses names, IP and URI SANs the role does not allow, with Vault's 400 messages", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ common_name: "web.example.com" }, "common name web.example.com not allowed by this role"],
      [{ common_name: "internal" }, "common name internal not allowed by this role"],
      [{ common_name: "a.internal", alt_names: "evil.example.com" }, "subject alternate name evil.example.com not allowed by this role"],
      [{ common_name: "a.internal", ip_sans: "not-an-ip" }, `the value "not-an-ip" is not a valid IP address`],
      [{ common_name: "a.internal", uri_sans: "spiffe://x/y" }, "URI Subject Alternative Names are not allowed in this role, but were provided via the API"],
      [{}, `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`],
      [{ common_name: "a.internal", format: "p12" }, `the "format" path parameter must be "pem", "der", or "pem_bundle"`],
    ];
    for (const [body, message] of cases) {
      const r = await api.post(`${mount}/issue/web`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors, JSON.stringify(body)).toEqual([message]);
    }
    const unknown = await api.post(`${mount}/issue/nope`, { common_name: "a.internal" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual(["unknown role: nope"]);

    await api.post(`${mount}/roles/noip`, { allowed_domains: "internal", allow_subdomains: true, allow_ip_sans: false, key_type: "ec", ttl: "5m" });
    const ip = await api.post(`${mount}/issue/noip`, { common_name: "a.internal", ip_sans: "10.0.0.1" });
    expect(ip.body.errors).toEqual(["IP Subject Alternative Names are not allowed in this role, but was provided via the API"]);
  });

  it("caps a TTL over the role's max_ttl with Vault's warning", async () => {
    const r = await api.post(`${mount}/issue/web`, { common_name: "a.internal", ttl: "3h" });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toEqual([`TTL "3h0m0s" is longer than permitted maxTTL "1h0m0s", so maxTTL is being used`]);
    expect(r.body.data.expiration - Date.now() / 1000).toBeLessThan(3610);
  });

  it("allow_any_name, bare domains, globs, wildcards and localhost follow the role", async () => {
    // Without a TTL a leaf would outlive this 2h root: Vault refuses that too (see the last test).
    await api.post(`${mount}/roles/any`, { allow_any_name: true, key_type: "ec", ttl: "5m" });
    expect((await api.post(`${mount}/issue/any`, { common_name: "anything.example.org" })).status).toBe(200);
    await api.post(`${mount}/roles/bare`, { allowed_domains: "example.org", allow_bare_domains: true, key_type: "ec", ttl: "5m" });
    expect((await api.post(`${mount}/issue/bare`, { common_name: "example.org" })).status).toBe(200);
    expect((await api.post(`${mount}/issue/bare`, { common_name: "www.example.org" })).status).toBe(400);
    expect((await api.post(`${mount}/issue/bare`, { common_name: "localhost" })).status).toBe(200);
    await api.post(`${mount}/roles/glob`, {
      allowed_domains: "svc-*.example.org",
      allow_glob_domains: true,
      allow_localhost: false,
      key_type: "ec",
      ttl: "5m",
    });
    expect((await api.post(`${mount}/issue/glob`, { common_name: "svc-a.example.org" })).status).toBe(200);
    expect((await api.post(`${mount}/issue/glob`, { common_name: "localhost" })).status).toBe(400);
    expect((await api.post(`${mount}/issue/web`, { common_name: "*.web.internal" })).status).toBe(200);
  });

  it("role writes validate key_type and key_bits, and read back", async () => {
    const bad = await api.post(`${mount}/roles/bad`, { key_type: "rsa", key_bits: 1024 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toContain("RSA keys < 2048 bits are unsafe and not supported");
    const ttl = await api.post(`${mount}/roles/bad`, { ttl: "2h", max_ttl: "1h" });
    expect(ttl.body.errors).toEqual([`"ttl" value must be less than "max_ttl" value`]);
    const r = await api.get(`${mount}/roles/web`);
    expect(r.body.data).toMatchObject({ allowed_domains: ["internal"], allow_subdomains: true, max_ttl: 3600, key_type: "ec", key_bits: 256 });
    expect((await api.list(`${mount}/roles`)).body.data.keys).toContain("web");
  });

  it("formats: RSA keys as PKCS#1, pkcs8 on request, der and pem_bundle", async () => {
    await api.post(`${mount}/roles/rsa`, { allowed_domains: "internal", allow_subdomains: true, key_type: "rsa", key_bits: 2048, ttl: "5m" });
    const rsa = (await api.post(`${mount}/issue/rsa`, { common_name: "r.internal" })).body.data;
    expect(rsa.private_key_type).toBe("rsa");
    expect(rsa.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const p8 = (await api.post(`${mount}/issue/web`, { common_name: "p.internal", private_key_format: "pkcs8" })).body.data;
    expect(p8.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const der = (await api.post(`${mount}/issue/web`, { common_name: "d.internal", format: "der" })).body.data;
    const derCert = new X509Certificate(Buffer.from(der.certificate, "base64"));
    expect(derCert.subject).toBe("CN=d.internal");
    expect(derCert.checkPrivateKey(createPrivateKey({ key: Buffer.from(der.private_key, "base64"), format: "der", type: "sec1" }))).toBe(true);
    const bundle = (await api.post(`${mount}/issue/web`, { common_name: "b.internal", format: "pem_bundle" })).body.data;
    expect(bundle.certificate.startsWith(bundle.private_key)).toBe(true);
    expect(bundle.certificate.endsWith(caPem)).toBe(true);
  });

  it("serves the CA without a token: ca/pem raw, ca as DER, cert/ca as JSON", async () => {
    const pem = await api.get(`${mount}/ca/pem`, { token: null });
    expect(pem.status).toBe(200);
    expect(pem.headers.get("content-type")).toBe("application/pem-certificate-chain");
    expect(pem.text.trim()).toBe(caPem);
    const derRes = await fetch(`${target().url}/v1/${mount}/ca`);
    expect(derRes.headers.get("content-type")).toBe("application/pkix-cert");
    expect(new X509Certificate(Buffer.from(await derRes.arrayBuffer())).fingerprint256).toBe(new X509Certificate(caPem).fingerprint256);
    const json = await api.get(`${mount}/cert/ca`);
    expect(json.body.data.certificate).toBe(caPem);
  });

  it("revokes a serial; the CRL lists it and openssl refuses the certificate with -crl_check", async () => {
    const d = (await api.post(`${mount}/issue/web`, { common_name: "rev.internal", ttl: "10m" })).body.data;
    const r = await api.post(`${mount}/revoke`, { serial_number: d.serial_number });
    expect(r.status).toBe(200);
    expect(r.body.data.state).toBe("revoked");
    expect(typeof r.body.data.revocation_time).toBe("number");
    const again = await api.post(`${mount}/revoke`, { serial_number: d.serial_number });
    expect(again.body.data.revocation_time).toBe(r.body.data.revocation_time);
    const crl = await api.get(`${mount}/crl/pem`, { token: null });
    expect(crl.status).toBe(200);
    const text = openssl(["crl", "-in", "crl.pem", "-noout", "-text"], { "crl.pem": crl.text.trim() });
    expect(text.out.toUpperCase()).toContain(d.serial_number.replace(/:/g, "").toUpperCase());
    const v = openssl(["verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "cert.pem"], {
      "ca.pem": caPem,
      "crl.pem": crl.text.trim(),
      "cert.pem": d.certificate,
    });
    expect(v.ok).toBe(false);
    expect(v.out).toContain("certificate revoked");
    const missing = await api.post(`${mount}/revoke`, { serial_number: "01:02:03" });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(["certificate with serial 01:02:03 not found."]);
  });
});

describe("PKI on vault-dev only", () => {
  const api = client(() => ({ url: dev.url, token: dev.rootToken }));

  it("a seed mounts PKI with a root and roles; a token whose policy allows it may issue", async () => {
    const seeded = await startVaultDev({
      seed: {
        policies: { app: `path "pki/issue/app" { capabilities = ["update"] }` },
        pki: {
          root: { common_name: "seed root", ttl: "1h", key_type: "ec" },
          roles: { app: { allowed_domains: "svc", allow_subdomains: true, key_type: "ec" } },
        },
      },
    });
    try {
      const token = seeded.createToken({ policies: ["app"] });
      const sapi = client(() => ({ url: seeded.url, token }));
      const r = await sapi.post("pki/issue/app", { common_name: "a.svc", ttl: "1m" });
      expect(r.status).toBe(200);
      expect(new X509Certificate(r.body.data.certificate).issuer).toBe("CN=seed root");
      expect((await sapi.post("pki/roles/app", {})).status).toBe(403);
    } finally {
      await seeded.close();
    }
  });

  it("a bad seed names the key", async () => {
    await expect(startVaultDev({ seed: { pki: { roles: { app: { key_type: "dsa" } } } } })).rejects.toThrow("seed pki.roles.app: unknown key type dsa");
  });

  it("issue without a root is Vault's 400", async () => {
    await api.post("sys/mounts/empty-pki", { type: "pki" });
    await api.post("empty-pki/roles/r", { allow_any_name: true });
    const r = await api.post("empty-pki/issue/r", { common_name: "x" });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(["could not fetch the CA certificate (was one set?): no default issuer currently configured"]);
    expect((await api.get("empty-pki/ca/pem", { token: null })).status).toBe(204);
  });

  it("certificates follow the server clock (advanceClock) and the CA's expiry bounds a leaf", async () => {
    await api.post("sys/mounts/short-pki", { type: "pki" });
    await api.post("short-pki/root/generate/internal", { common_name: "short", ttl: "10m", key_type: "ec" });
    await api.post("short-pki/roles/r", { allow_any_name: true, key_type: "ec" });
    const r = await api.post("short-pki/issue/r", { common_name: "x", ttl: "1h" });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatch(
      /^cannot satisfy request, as TTL would result in notAfter of \S+Z that is beyond the expiration of the CA certificate at \S+Z$/,
    );
  });
});
