/**
 * PKI secrets engine: one root CA per mount, roles, issuing real X.509
 * certificates, revocation and a CRL. Paths, parameters, response shapes
 * and role-violation messages follow Vault's builtin/logical/pki.
 * Reference: https://developer.hashicorp.com/vault/api-docs/secret/pki
 *
 * The X.509 work lives in pki-x509.ts and is loaded on first use, so a
 * vault-dev without a PKI mount never loads the certificate library.
 */
import { X509Certificate as NodeX509Certificate } from "node:crypto";
import { goDuration } from "../duration.js";
import { bool, dur, int, listKeys, str, strList } from "../params.js";
import { badRequest, errorReply, fail, noContent, notFound, ok, ReplyError, unsupportedOperation, unsupportedPath, type Reply } from "../reply.js";
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL, type Engine, type EngineRequest, type Op } from "../state.js";
import { firstBadName, glob, HOSTNAME, type NamePolicy } from "./pki-names.js";
import type * as X from "./pki-x509.js";

type Body = Record<string, unknown>;
type KeyType = "rsa" | "ec";

export interface PkiRole extends NamePolicy {
  ttl: number;
  maxTtl: number;
  allowIpSans: boolean;
  allowedUriSans: string[];
  serverFlag: boolean;
  clientFlag: boolean;
  keyType: KeyType | "any";
  keyBits: number;
  requireCn: boolean;
  generateLease: boolean;
  noStore: boolean;
  notBeforeDuration: number;
}

interface Ca {
  cert: X.X509Certificate;
  pem: string;
  key: X.KeyPair;
  serial: string;
  issuerId: string;
  keyId: string;
}

interface StoredCert {
  pem: string;
  notAfter: number;
}

/** Vault's CRL expiry default (config/crl `expiry`). */
const CRL_EXPIRY = 72 * 3600;
const FORMAT_ERROR = `the "format" path parameter must be "pem", "der", or "pem_bundle"`;

let lib: Promise<typeof X> | undefined;
const x509 = () => (lib ??= import("./pki-x509.js"));

/** Go's RFC3339Nano in UTC: fractional seconds without trailing zeros. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}

function keyBitsError(type: KeyType, bits: number): string | undefined {
  if (type === "rsa") {
    if (bits < 2048) return `RSA keys < 2048 bits are unsafe and not supported: got ${bits}`;
    if (![2048, 3072, 4096, 8192].includes(bits)) return `unsupported bit length for RSA key: ${bits}`;
    return undefined;
  }
  // Vault also takes 224; WebCrypto has no P-224.
  return [256, 384, 521].includes(bits) ? undefined : `unsupported bit length for EC key: ${bits}`;
}

function keyTypeAndBits(body: Body, defaultType: string): { type: KeyType | "any"; bits: number } {
  const type = str(body, "key_type") ?? defaultType;
  if (type !== "rsa" && type !== "ec" && type !== "any") {
    if (type === "ed25519") fail(badRequest("vault-dev: ed25519 keys are not supported"));
    fail(badRequest(`unknown key type ${type}`));
  }
  let bits = int(body, "key_bits") ?? 0;
  if (type === "any") return { type, bits };
  if (bits === 0) bits = type === "rsa" ? 2048 : 256;
  const err = keyBitsError(type as KeyType, bits);
  if (err) fail(badRequest(err));
  return { type: type as KeyType, bits };
}

/** Vault reads alt_names as one comma-separated string; lists are accepted too. */
const commaList = (body: Body, key: string): string[] => strList(body, key) ?? [];

export class PkiEngine implements Engine {
  readonly roles = new Map<string, PkiRole>();
  /** Issued certificates by colon serial (unless the role says no_store). */
  readonly certs = new Map<string, StoredCert>();
  /** Revocation time (ms) by colon serial. */
  readonly revoked = new Map<string, number>();
  private ca: Ca | undefined;
  private crl: Buffer | undefined;
  /** A root being generated from a seed; requests wait for it. */
  private pending: Promise<void> = Promise.resolve();
  private pendingError: string | undefined;

  constructor(private readonly now: () => number) {}

  /** Vault serves the CA and CRL without a token. */
  unauthenticated(op: Op, path: string): boolean {
    return op === "read" && /^(ca(\/pem)?|ca_chain|crl(\/pem)?|cert\/[^/]+(\/raw(\/pem)?)?)$/.test(path.replace(/\/+$/, ""));
  }

  handle(req: EngineRequest): Reply | Promise<Reply> {
    const path = req.path.replace(/\/+$/, "");
    let m: RegExpExecArray | null;
    if (path === "roles" && req.op === "list") {
      const keys = listKeys(this.roles.keys(), "");
      return keys.length ? ok({ data: { keys }, mount_type: "pki" }) : notFound();
    }
    if ((m = /^roles\/([^/]+)$/.exec(path))) return this.role(req, m[1]);
    if (path === "certs" && req.op === "list") {
      const keys = [...this.certs.keys()].sort();
      return keys.length ? ok({ data: { keys }, mount_type: "pki" }) : notFound();
    }
    return this.afterPending(() => this.handleAsync(req, path));
  }

  private async afterPending(fn: () => Promise<Reply>): Promise<Reply> {
    await this.pending;
    if (this.pendingError) return errorReply(500, `vault-dev: the seeded root could not be generated: ${this.pendingError}`);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ReplyError) return e.reply;
      throw e;
    }
  }

  private async handleAsync(req: EngineRequest, path: string): Promise<Reply> {
    let m: RegExpExecArray | null;
    if ((m = /^root\/generate\/([^/]+)$/.exec(path))) {
      if (req.op !== "write") return unsupportedOperation();
      return this.generateRoot(req.body, m[1]);
    }
    if (path === "root") {
      if (req.op !== "delete") return unsupportedOperation();
      this.ca = undefined;
      this.crl = undefined;
      return noContent();
    }
    if ((m = /^issue\/([^/]+)$/.exec(path))) {
      if (req.op !== "write") return unsupportedOperation();
      const role = this.roles.get(m[1]);
      if (!role) return badRequest(`unknown role: ${m[1]}`);
      return this.issue(req.body, role, req.mount.path);
    }
    if (path === "revoke") {
      if (req.op !== "write") return unsupportedOperation();
      return this.revoke(req.body);
    }
    if (req.op !== "read") return unsupportedPath();
    return this.fetch(path);
  }

  // ---- roles ----------------------------------------------------------------

  /** Parse a role body the way `roles/:name` (create) does: unset fields take Vault's defaults. */
  parseRole(body: Body): PkiRole {
    const { type, bits } = keyTypeAndBits(body, "rsa");
    const role: PkiRole = {
      ttl: dur(body, "ttl") ?? 0,
      maxTtl: dur(body, "max_ttl") ?? 0,
      allowLocalhost: bool(body, "allow_localhost") ?? true,
      allowedDomains: strList(body, "allowed_domains") ?? [],
      allowBareDomains: bool(body, "allow_bare_domains") ?? false,
      allowSubdomains: bool(body, "allow_subdomains") ?? false,
      allowGlobDomains: bool(body, "allow_glob_domains") ?? false,
      allowWildcardCertificates: bool(body, "allow_wildcard_certificates") ?? true,
      allowAnyName: bool(body, "allow_any_name") ?? false,
      enforceHostnames: bool(body, "enforce_hostnames") ?? true,
      allowIpSans: bool(body, "allow_ip_sans") ?? true,
      allowedUriSans: strList(body, "allowed_uri_sans") ?? [],
      serverFlag: bool(body, "server_flag") ?? true,
      clientFlag: bool(body, "client_flag") ?? true,
      keyType: type,
      keyBits: bits,
      requireCn: bool(body, "require_cn") ?? true,
      generateLease: bool(body, "generate_lease") ?? false,
      noStore: bool(body, "no_store") ?? false,
      notBeforeDuration: dur(body, "not_before_duration") ?? 30,
    };
    if (role.maxTtl > 0 && role.ttl > role.maxTtl) fail(badRequest(`"ttl" value must be less than "max_ttl" value`));
    return role;
  }

  setRole(name: string, body: Body): void {
    this.roles.set(name, this.parseRole(body));
  }

  private role(req: EngineRequest, name: string): Reply {
    if (req.op === "write") {
      this.setRole(name, req.body);
      return ok({ data: roleData(this.roles.get(name)!), mount_type: "pki" });
    }
    if (req.op === "read") {
      const r = this.roles.get(name);
      return r ? ok({ data: roleData(r), mount_type: "pki" }) : notFound();
    }
    if (req.op === "delete") {
      this.roles.delete(name);
      return noContent();
    }
    return unsupportedOperation();
  }

  // ---- root -------------------------------------------------------------------

  /** Seed hook: generate a root in the background; requests to this mount wait for it. */
  seedRoot(body: Body): void {
    keyTypeAndBits(body, "rsa"); // throw field errors now, so the seed names the key
    this.pending = this.generateRoot(body, "internal").then(
      (r) => {
        if (r.status >= 400) this.pendingError = JSON.stringify(r.body);
      },
      (e: Error) => void (this.pendingError = e.message),
    );
  }

  /** Resolves once any seeded root exists (or failed to). */
  async ready(): Promise<void> {
    await this.pending;
    if (this.pendingError) throw new Error(`pki seed root: ${this.pendingError}`);
  }

  private async generateRoot(body: Body, type: string): Promise<Reply> {
    if (type !== "internal" && type !== "exported") {
      return badRequest(`vault-dev: root/generate/${type} is not supported; use "internal" or "exported"`);
    }
    const format = str(body, "format") ?? "pem";
    if (!["pem", "der", "pem_bundle"].includes(format)) return badRequest(FORMAT_ERROR);
    const kt = keyTypeAndBits(body, "rsa");
    if (kt.type === "any") return badRequest(`unknown key type any`);
    const cn = str(body, "common_name") ?? "";
    const sans = this.rootSans(body, cn);
    const warnings: string[] = [];
    let ttl = dur(body, "ttl") ?? SYSTEM_DEFAULT_TTL;
    if (ttl > SYSTEM_MAX_TTL) {
      warnings.push(
        `TTL ${JSON.stringify(goDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(goDuration(SYSTEM_MAX_TTL))}, so maxTTL is being used`,
      );
      ttl = SYSTEM_MAX_TTL;
    }
    const X = await x509();
    const now = this.now();
    const key = await X.generateKeyPair(kt.type, kt.bits);
    const cert = await X.createRoot({ commonName: cn, sans, notBefore: new Date(now - 30_000), notAfter: new Date(now + ttl * 1000), key });
    const pem = X.toPem(cert.rawData, "CERTIFICATE");
    const serial = X.colonSerial(cert.serialNumber);
    this.ca = { cert, pem, key, serial, issuerId: crypto.randomUUID(), keyId: crypto.randomUUID() };
    this.crl = undefined;
    this.certs.set(serial, { pem, notAfter: cert.notAfter.getTime() });
    if (!cn)
      warnings.push(
        "This issuer certificate was generated without a Subject; this makes it likely that issuing leaf certs with this certificate will cause TLS validation libraries to reject this certificate.",
      );
    const der = format === "der";
    const data: Body = {
      expiration: Math.floor(cert.notAfter.getTime() / 1000),
      serial_number: serial,
      certificate: der ? Buffer.from(cert.rawData).toString("base64") : pem,
      issuing_ca: der ? Buffer.from(cert.rawData).toString("base64") : pem,
      issuer_id: this.ca.issuerId,
      issuer_name: "",
      key_id: this.ca.keyId,
      key_name: "",
    };
    if (type === "exported") {
      const pk = await X.exportPrivateKey(key, str(body, "private_key_format") === "pkcs8", der);
      data.private_key = pk;
      data.private_key_type = key.type;
      if (format === "pem_bundle") data.certificate = `${pk}\n${pem}`;
    }
    return ok({ data, warnings, mount_type: "pki" });
  }

  private rootSans(body: Body, cn: string): X.Sans {
    const dns: string[] = [];
    const emails: string[] = [];
    const names = [...(cn && !bool(body, "exclude_cn_from_sans") ? [cn] : []), ...commaList(body, "alt_names")];
    for (const n of names) {
      if (n.includes("@")) emails.push(n);
      else if (HOSTNAME.test(n)) dns.push(n);
    }
    return { dns: [...new Set(dns)], emails: [...new Set(emails)], ips: commaList(body, "ip_sans"), uris: commaList(body, "uri_sans") };
  }

  // ---- issue --------------------------------------------------------------------

  private async issue(body: Body, roleIn: PkiRole, mountPath: string): Promise<Reply> {
    const role = { ...roleIn };
    const warnings: string[] = [];
    if (role.keyType === "any") {
      if (body.key_type === undefined)
        return badRequest(`role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters`);
      const kt = keyTypeAndBits(body, "rsa");
      role.keyType = kt.type;
      role.keyBits = kt.bits;
    } else if (body.key_type !== undefined || body.key_bits !== undefined) {
      warnings.push("parameters key_type and key_bits ignored as role had specific values");
    }
    const ca = this.ca;
    if (!ca) return badRequest("could not fetch the CA certificate (was one set?): no default issuer currently configured");
    const format = str(body, "format") ?? "pem";
    if (!["pem", "der", "pem_bundle"].includes(format)) return badRequest(FORMAT_ERROR);

    const cn = str(body, "common_name") ?? "";
    if (cn === "" && role.requireCn) {
      return badRequest(
        `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`,
      );
    }
    const dns: string[] = [];
    const emails: string[] = [];
    const addName = (n: string) => {
      if (n.includes("@")) emails.push(n);
      else if (HOSTNAME.test(n)) dns.push(n);
    };
    if (cn !== "" && !bool(body, "exclude_cn_from_sans")) addName(cn);
    for (const n of new Set(commaList(body, "alt_names").map((s) => s.toLowerCase()))) addName(n);
    if (cn !== "") {
      const bad = firstBadName(role, [cn]);
      if (bad) return badRequest(`common name ${bad} not allowed by this role`);
    }
    let bad = firstBadName(role, dns);
    if (bad) return badRequest(`subject alternate name ${bad} not allowed by this role`);
    bad = firstBadName(role, emails);
    if (bad) return badRequest(`email address ${bad} not allowed by this role`);

    const ips = commaList(body, "ip_sans");
    for (const ip of ips) {
      if (!isIp(ip)) return badRequest(`the value ${JSON.stringify(ip)} is not a valid IP address`);
    }
    if (ips.length && !role.allowIpSans) return badRequest("IP Subject Alternative Names are not allowed in this role, but was provided via the API");
    const uris = commaList(body, "uri_sans");
    if (uris.length) {
      if (role.allowedUriSans.length === 0) return badRequest("URI Subject Alternative Names are not allowed in this role, but were provided via the API");
      for (const u of uris) {
        if (!role.allowedUriSans.some((p) => glob(p, u)))
          return badRequest("URI Subject Alternative Names were provided via the API which are not valid for this role");
        if (!URL.canParse(u)) return badRequest(`the provided URI Subject Alternative Name ${JSON.stringify(u)} is not a valid URI`);
      }
    }

    const now = this.now();
    let ttl = dur(body, "ttl") ?? 0;
    if (ttl === 0 && role.ttl > 0) ttl = role.ttl;
    const maxTtl = role.maxTtl > 0 ? role.maxTtl : SYSTEM_MAX_TTL;
    if (ttl === 0) ttl = SYSTEM_DEFAULT_TTL;
    if (ttl > maxTtl) {
      warnings.push(`TTL ${JSON.stringify(goDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(goDuration(maxTtl))}, so maxTTL is being used`);
      ttl = maxTtl;
    }
    const notAfter = now + ttl * 1000;
    const caNotAfter = ca.cert.notAfter.getTime();
    if (notAfter > caNotAfter) {
      return badRequest(
        `cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(caNotAfter)}`,
      );
    }

    const X = await x509();
    const key = await X.generateKeyPair(role.keyType as KeyType, role.keyBits);
    const cert = await X.createLeaf({
      commonName: cn,
      sans: { dns, emails, ips, uris },
      notBefore: new Date(now - role.notBeforeDuration * 1000),
      notAfter: new Date(notAfter),
      key,
      ca,
      serverFlag: role.serverFlag,
      clientFlag: role.clientFlag,
    });
    const serial = X.colonSerial(cert.serialNumber);
    const pem = X.toPem(cert.rawData, "CERTIFICATE");
    if (!role.noStore) this.certs.set(serial, { pem, notAfter: cert.notAfter.getTime() });
    const der = format === "der";
    const privateKey = await X.exportPrivateKey(key, str(body, "private_key_format") === "pkcs8", der);
    const b64 = (d: ArrayBuffer) => Buffer.from(d).toString("base64");
    const data: Body = {
      ca_chain: der ? [b64(ca.cert.rawData)] : [ca.pem],
      certificate: der ? b64(cert.rawData) : format === "pem_bundle" ? [privateKey, pem, ca.pem].join("\n") : pem,
      expiration: Math.floor(cert.notAfter.getTime() / 1000),
      issuing_ca: der ? b64(ca.cert.rawData) : ca.pem,
      not_before: Math.floor(cert.notBefore.getTime() / 1000),
      private_key: privateKey,
      private_key_type: key.type,
      serial_number: serial,
    };
    if (!role.generateLease) return ok({ data, warnings, mount_type: "pki" });
    return ok({ data, warnings, mount_type: "pki", lease_id: `${mountPath}issue/${serial}`, lease_duration: ttl, renewable: false });
  }

  // ---- revoke and fetch -----------------------------------------------------------

  private async revoke(body: Body): Promise<Reply> {
    let serial = str(body, "serial_number");
    const certPem = str(body, "certificate");
    if (!serial && !certPem) return badRequest("The serial number or certificate to revoke must be provided.");
    if (serial && certPem) return badRequest("Must provide either the certificate or the serial to revoke; not both.");
    if (certPem) {
      const X = await x509();
      try {
        serial = X.colonSerial(new NodeX509Certificate(certPem).serialNumber);
      } catch (e) {
        return badRequest(`certificate could not be parsed: ${(e as Error).message}`);
      }
    }
    const colon = serial!.toLowerCase().replace(/-/g, ":");
    const stored = this.certs.get(colon);
    if (!stored) return badRequest(`certificate with serial ${serial} not found.`);
    if (this.ca && colon === this.ca.serial) return badRequest(`adding issuer (id: ${this.ca.issuerId}) to its own CRL is not allowed`);
    const prev = this.revoked.get(colon);
    if (prev !== undefined) {
      return ok({ data: { revocation_time: Math.floor(prev / 1000), revocation_time_rfc3339: rfc3339Nano(prev), state: "revoked" }, mount_type: "pki" });
    }
    const now = this.now();
    if (stored.notAfter < now + 2000) {
      return ok({
        warnings: [
          `certificate with serial ${colon} already expired; refusing to add to CRL. Enable 'AllowExpiredCertRevocation' to allow revoking expired certificates.`,
        ],
        mount_type: "pki",
      });
    }
    this.revoked.set(colon, now);
    this.crl = undefined;
    return ok({ data: { revocation_time: Math.floor(now / 1000), revocation_time_rfc3339: rfc3339Nano(now), state: "revoked" }, mount_type: "pki" });
  }

  private async crlDer(): Promise<Buffer | undefined> {
    if (!this.ca) return undefined;
    if (!this.crl) {
      const X = await x509();
      const entries = [...this.revoked].map(([s, t]) => ({ serialHex: s.replace(/:/g, ""), time: new Date(t) }));
      this.crl = await X.createCrl(this.ca, entries, new Date(this.now()), CRL_EXPIRY);
    }
    return this.crl;
  }

  private async fetch(path: string): Promise<Reply> {
    const X = await x509();
    const ca = this.ca;
    const raw = (contentType: string, body: Buffer | string | undefined): Reply =>
      body === undefined || body.length === 0 ? { status: 204 } : { status: 200, raw: { contentType, body } };
    switch (path) {
      case "ca":
      case "cert/ca/raw":
        return raw("application/pkix-cert", ca && Buffer.from(ca.cert.rawData));
      case "ca/pem":
      case "cert/ca/raw/pem":
        return raw("application/pem-certificate-chain", ca?.pem);
      case "ca_chain":
        return raw("application/pkix-cert", ca?.pem);
      case "cert/ca":
      case "cert/ca_chain":
        if (!ca) return badRequest("no default issuer currently configured");
        return ok({
          data: { certificate: ca.pem, revocation_time: 0, revocation_time_rfc3339: "", ...(path === "cert/ca_chain" ? { ca_chain: ca.pem } : {}) },
          mount_type: "pki",
        });
      case "crl":
      case "cert/crl/raw":
        return raw("application/pkix-crl", await this.crlDer());
      case "crl/pem":
      case "cert/crl/raw/pem": {
        const der = await this.crlDer();
        return raw("application/x-pem-file", der && X.toPem(der, "X509 CRL"));
      }
      case "cert/crl": {
        const der = await this.crlDer();
        return ok({ data: { certificate: der ? X.toPem(der, "X509 CRL") : "", revocation_time: 0, revocation_time_rfc3339: "" }, mount_type: "pki" });
      }
    }
    const m = /^cert\/([0-9A-Fa-f:-]+)(\/raw(\/pem)?)?$/.exec(path);
    if (!m) return unsupportedPath();
    const colon = m[1].toLowerCase().replace(/-/g, ":");
    const c = this.certs.get(colon);
    if (m[2]) {
      if (!c) return { status: 204 };
      return m[3]
        ? raw("application/pem-certificate-chain", c.pem)
        : raw("application/pkix-cert", Buffer.from(c.pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    }
    if (!c) return notFound();
    const rt = this.revoked.get(colon);
    return ok({
      data: {
        certificate: c.pem,
        revocation_time: rt === undefined ? 0 : Math.floor(rt / 1000),
        revocation_time_rfc3339: rt === undefined ? "" : rfc3339Nano(rt),
      },
      mount_type: "pki",
    });
  }
}

function isIp(s: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) ? s.split(".").every((p) => Number(p) <= 255) : s.includes(":") && URL.canParse(`http://[${s}]/`);
}

function roleData(r: PkiRole): Body {
  return {
    allow_any_name: r.allowAnyName,
    allow_bare_domains: r.allowBareDomains,
    allow_glob_domains: r.allowGlobDomains,
    allow_ip_sans: r.allowIpSans,
    allow_localhost: r.allowLocalhost,
    allow_subdomains: r.allowSubdomains,
    allow_wildcard_certificates: r.allowWildcardCertificates,
    allowed_domains: r.allowedDomains,
    allowed_uri_sans: r.allowedUriSans,
    client_flag: r.clientFlag,
    enforce_hostnames: r.enforceHostnames,
    ext_key_usage: [],
    generate_lease: r.generateLease,
    issuer_ref: "default",
    key_bits: r.keyBits,
    key_type: r.keyType,
    key_usage: ["DigitalSignature", "KeyAgreement", "KeyEncipherment"],
    max_ttl: r.maxTtl,
    no_store: r.noStore,
    not_before_duration: r.notBeforeDuration,
    require_cn: r.requireCn,
    server_flag: r.serverFlag,
    signature_bits: 256,
    ttl: r.ttl,
  };
}
