import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SecretConfig } from "../config/schema.js";
import { RenderError, VaultNotFoundError } from "../errors.js";
import { renderSecret } from "../render/index.js";
import type { Clock } from "../schedule/clock.js";
import type { Expiry, FetchContext, Output, Rendered, RenderedFile, Source } from "./source.js";

/** Share of a certificate's validity left when it is re-issued, unless renewBefore says otherwise. */
export const RENEW_WHEN_LEFT = 1 / 3;
/** Jitter on the default renewal time, as a share of the validity: certificates issued together spread out. */
const JITTER = 0.05;

/** The parts of a pki/issue response a file can hold. */
export type CertPart = "cert" | "key" | "ca" | "chain" | "bundle" | "template";

/** What pki/issue returns (Vault's field names). */
export interface IssuedCert {
  certificate: string;
  private_key: string;
  private_key_type?: string;
  issuing_ca: string;
  ca_chain: string[];
  serial_number: string;
  expiration: number;
}

/** One file of the certificate's unit. */
export interface CertOutput extends Output {
  part: CertPart;
}

/**
 * A PKI certificate: issued with a write to pki/issue/<role>, its files (certificate, key, CA,
 * chain, bundle, a template) rendered as one unit, re-issued at renewBefore (default: when a
 * third of its validity is left, with jitter). At start it resumes from the files on disk when
 * they hold a valid certificate for the configured names that is not due yet, so a restart never
 * re-issues early.
 */
export class PkiSource implements Source {
  kind: string | undefined;
  readonly readyUntilExpiry = true;
  /** Only the first fetch of this source may resume from disk; later ones are renewals. */
  private resumeChecked = false;

  constructor(
    readonly id: string,
    readonly cfg: SecretConfig,
    readonly outputs: CertOutput[],
    readonly refreshMs: number,
    /** output.dir, to read the current certificate back at start. */
    private readonly outputDir: () => string,
    private readonly clock: Pick<Clock, "now" | "random">,
  ) {}

  get label(): string {
    return this.cfg.path;
  }

  /** The write body: Vault's pki/issue parameters. */
  issueBody(): Record<string, unknown> {
    const i = this.cfg.issue!;
    const body: Record<string, unknown> = { common_name: i.commonName, format: i.format };
    if (i.altNames.length) body.alt_names = i.altNames.join(",");
    if (i.ipSans.length) body.ip_sans = i.ipSans.join(",");
    if (i.uriSans.length) body.uri_sans = i.uriSans.join(",");
    if (i.ttl !== undefined) body.ttl = `${Math.max(1, Math.round(i.ttl / 1000))}s`;
    if (i.privateKeyFormat) body.private_key_format = i.privateKeyFormat;
    if (i.excludeCnFromSans !== undefined) body.exclude_cn_from_sans = i.excludeCnFromSans;
    return body;
  }

  async fetch(ctx: FetchContext): Promise<Rendered> {
    if (!this.resumeChecked) {
      this.resumeChecked = true;
      const resumed = await this.resume();
      if (resumed) return resumed;
    }
    let body: { data?: Partial<IssuedCert> } | undefined;
    try {
      body = (await ctx.client.write(this.cfg.path, this.issueBody(), "issue")) as typeof body;
    } catch (err) {
      if (err instanceof VaultNotFoundError) throw new RenderError("MISSING_SECRET", `${this.cfg.path}: no such PKI role or mount (HTTP 404)`);
      throw err;
    }
    const d = body?.data;
    if (!d?.certificate || !d.private_key || typeof d.expiration !== "number") {
      throw new RenderError("RENDER_FAILED", `${this.cfg.path}: the response has no certificate, private_key or expiration`);
    }
    // A private key must never reach an error message.
    ctx.client.addScrub(d.private_key);
    const issued: IssuedCert = {
      certificate: d.certificate,
      private_key: d.private_key,
      private_key_type: d.private_key_type,
      issuing_ca: d.issuing_ca ?? "",
      ca_chain: Array.isArray(d.ca_chain) ? d.ca_chain : [],
      serial_number: d.serial_number ?? "",
      expiration: d.expiration,
    };
    return this.render(issued, this.certOf(issued), "issued");
  }

  adopted(result: Rendered): void {
    this.kind = result.kind;
  }

  /** Renders every file of the unit from an issued (or re-read) certificate. */
  private render(c: IssuedCert, cert: X509Certificate, kind: string): Rendered {
    const der = this.cfg.issue!.format === "der";
    const pem = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
    const bytesOf = (o: CertOutput): Buffer => {
      if (der && (o.part === "cert" || o.part === "key" || o.part === "ca")) {
        return Buffer.from(o.part === "cert" ? c.certificate : o.part === "key" ? c.private_key : c.issuing_ca, "base64");
      }
      switch (o.part) {
        case "cert":
          return Buffer.from(pem(c.certificate));
        case "key":
          return Buffer.from(pem(c.private_key));
        case "ca":
          return Buffer.from(pem(c.issuing_ca));
        case "chain":
          return Buffer.from([c.certificate, ...c.ca_chain].map(pem).join(""));
        case "bundle":
          return Buffer.from([c.private_key, c.certificate, ...c.ca_chain].map(pem).join(""));
        case "template":
          return renderSecret({ format: "template", template: o.cfg.template, label: o.label }, { ...c, ca_chain: c.ca_chain.join("\n") });
      }
    };
    const files: RenderedFile[] = this.outputs.map((output) => ({ output, bytes: bytesOf(output) }));
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    return { kind, files, expiry: this.expiry(notBefore, notAfter, c.serial_number), certificate: { notAfter, serial: c.serial_number } };
  }

  /** Re-issue at notAfter - renewBefore, or with a third of the validity left (jittered). */
  private expiry(notBefore: number, notAfter: number, serial: string): Expiry {
    const now = this.clock.now();
    const validity = Math.max(0, notAfter - notBefore);
    const renewAt =
      this.cfg.renewBefore !== undefined
        ? notAfter - this.cfg.renewBefore
        : notAfter - validity * RENEW_WHEN_LEFT + (this.clock.random() * 2 - 1) * validity * JITTER;
    const revokeAfter = this.cfg.revokePrevious;
    return {
      durationSec: Math.max(0, (notAfter - now) / 1000),
      renewable: false,
      renewAt,
      revoke:
        revokeAfter === false || revokeAfter === undefined || !serial
          ? undefined
          : { path: `${this.cfg.path.replace(/\/issue\/[^/]+$/, "")}/revoke`, body: { serial_number: serial }, afterMs: revokeAfter, label: serial },
    };
  }

  private certOf(c: IssuedCert): X509Certificate {
    try {
      return new X509Certificate(this.cfg.issue!.format === "der" ? Buffer.from(c.certificate, "base64") : c.certificate);
    } catch {
      throw new RenderError("RENDER_FAILED", `${this.cfg.path}: the issued certificate could not be parsed`);
    }
  }

  /**
   * The certificate already on disk, when it can serve on: cert and key files readable, the key
   * matching, the configured names covered, and renewBefore not reached. Otherwise undefined
   * (and the caller issues a new one).
   */
  private async resume(): Promise<Rendered | undefined> {
    const dir = this.outputDir();
    const read = async (part: CertPart) => {
      const o = this.outputs.find((x) => x.part === part);
      return o ? readFile(path.join(dir, o.cfg.file)).catch(() => undefined) : undefined;
    };
    const [certBytes, keyBytes, caBytes, bundleBytes] = await Promise.all([read("cert"), read("key"), read("ca"), read("bundle")]);
    const der = this.cfg.issue!.format === "der";
    let certPem: string | undefined;
    let keyPem: string | undefined;
    if (certBytes && keyBytes) {
      certPem = der ? certBytes.toString("base64") : certBytes.toString("utf8");
      keyPem = der ? keyBytes.toString("base64") : keyBytes.toString("utf8");
    } else if (bundleBytes && !der) {
      const blocks = bundleBytes.toString("utf8").match(/-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----/g) ?? [];
      keyPem = blocks.find((b) => /PRIVATE KEY/.test(b));
      certPem = blocks.find((b) => /CERTIFICATE/.test(b));
    }
    // A template or chain alone cannot be rebuilt without the issue response: issue anew.
    if (!certPem || !keyPem || this.outputs.some((o) => o.part === "template")) return undefined;
    let cert: X509Certificate;
    let key: KeyObject;
    try {
      cert = new X509Certificate(der ? Buffer.from(certPem, "base64") : certPem);
      key = der ? derKey(Buffer.from(keyPem, "base64")) : createPrivateKey(keyPem);
      if (!cert.checkPrivateKey(key)) return undefined;
    } catch {
      return undefined;
    }
    if (!this.coversNames(cert)) return undefined;
    const issued: IssuedCert = {
      certificate: der ? certPem : certPem.trim(),
      private_key: der ? keyPem : keyPem.trim(),
      issuing_ca: caBytes ? (der ? caBytes.toString("base64") : caBytes.toString("utf8").trim()) : "",
      ca_chain: [],
      serial_number: cert.serialNumber.toLowerCase().match(/../g)?.join(":") ?? "",
      expiration: Math.floor(Date.parse(cert.validTo) / 1000),
    };
    const rendered = this.render(issued, cert, "resumed");
    if (rendered.expiry!.renewAt! <= this.clock.now()) return undefined;
    // The chain file holds the CA chain, which the cert file alone does not: keep the file as it is.
    const chain = this.outputs.find((o) => o.part === "chain");
    if (chain) {
      const onDisk = await readFile(path.join(dir, chain.cfg.file)).catch(() => undefined);
      if (!onDisk) return undefined;
      rendered.files = rendered.files.map((f) => (f.output === chain ? { output: chain, bytes: onDisk } : f));
    }
    if (caBytes === undefined && this.outputs.some((o) => o.part === "ca")) return undefined;
    const bundle = this.outputs.find((o) => o.part === "bundle");
    if (bundle && bundleBytes) rendered.files = rendered.files.map((f) => (f.output === bundle ? { output: bundle, bytes: bundleBytes } : f));
    return rendered;
  }

  /** The certificate on disk is for what the config asks now (a changed commonName or SAN means a new one). */
  private coversNames(cert: X509Certificate): boolean {
    const i = this.cfg.issue!;
    const subject = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    if (subject !== i.commonName) return false;
    const sans = (cert.subjectAltName ?? "").split(", ").filter(Boolean);
    const has = (entry: string) => sans.includes(entry);
    return (
      i.altNames.every((n) => has(`DNS:${n}`) || has(`email:${n}`)) &&
      i.ipSans.every((ip) => has(`IP Address:${ip}`)) &&
      i.uriSans.every((u) => has(`URI:${u}`))
    );
  }
}

function derKey(der: Buffer): KeyObject {
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return createPrivateKey({ key: der, format: "der", type });
    } catch {
      // try the next encoding
    }
  }
  throw new Error("unreadable key");
}

/** The outputs of a certificate entry: one per configured file, all in one unit. */
export function certOutputs(cfg: SecretConfig, outMode: number): { part: CertPart; cfg: SecretConfig }[] {
  const parts: { part: CertPart; cfg: SecretConfig }[] = [];
  const keyMode = cfg.keyMode ?? cfg.mode ?? outMode;
  for (const part of ["cert", "key", "ca", "chain", "bundle"] as const) {
    const file = cfg.files?.[part];
    if (file === undefined) continue;
    const secret = part === "key" || part === "bundle";
    parts.push({ part, cfg: { ...cfg, file, format: "raw", template: undefined, mode: secret ? keyMode : (cfg.mode ?? outMode) } });
  }
  if (cfg.template !== undefined) parts.push({ part: "template", cfg: { ...cfg, format: "template", mode: keyMode } });
  return parts;
}
