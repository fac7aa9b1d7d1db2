/**
 * The X.509 half of the PKI engine: key pairs, certificates and CRLs, built
 * with @peculiar/x509 over Node's WebCrypto (see README, "PKI"). Everything
 * here is async because WebCrypto is; the engine awaits it.
 */
import "reflect-metadata"; // @peculiar/x509 2.x needs a Reflect polyfill (tsyringe) loaded before it
import * as x509 from "@peculiar/x509";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

export type KeyType = "rsa" | "ec";

export interface KeyPair {
  type: KeyType;
  bits: number;
  keys: CryptoKeyPair;
}

const EC_CURVES: Record<number, { curve: string; hash: string }> = {
  256: { curve: "P-256", hash: "SHA-256" },
  384: { curve: "P-384", hash: "SHA-384" },
  521: { curve: "P-521", hash: "SHA-512" },
};

export async function generateKeyPair(type: KeyType, bits: number): Promise<KeyPair> {
  const alg =
    type === "rsa"
      ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: bits }
      : { name: "ECDSA", namedCurve: EC_CURVES[bits].curve };
  const keys = (await subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  return { type, bits, keys };
}

/** The signature algorithm a CA key signs with: SHA-256 for RSA, the curve's hash for EC (as Go picks). */
export function signingAlgorithm(ca: KeyPair): Algorithm | EcdsaParams {
  return ca.type === "rsa" ? ({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm) : { name: "ECDSA", hash: EC_CURVES[ca.bits].hash };
}

/**
 * The private key as Vault returns it: PKCS#1 for RSA and SEC1 for EC by default,
 * PKCS#8 when `private_key_format=pkcs8`; PEM, or base64 DER for `format=der`.
 */
export async function exportPrivateKey(kp: KeyPair, pkcs8: boolean, der: boolean): Promise<string> {
  const raw = Buffer.from(await subtle.exportKey("pkcs8", kp.keys.privateKey));
  const key = createPrivateKey({ key: raw, format: "der", type: "pkcs8" });
  const type = pkcs8 ? "pkcs8" : kp.type === "rsa" ? "pkcs1" : "sec1";
  if (der) return (key.export({ format: "der", type }) as Buffer).toString("base64");
  return (key.export({ format: "pem", type }) as string).trim();
}

/** A random positive serial: 20 bytes, top bit clear, first byte non-zero (RFC 5280 §4.1.2.2). */
export function randomSerial(): string {
  const b = randomBytes(20);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString("hex");
}

/** Vault's serial format: lowercase hex pairs joined by colons. */
export const colonSerial = (hex: string): string =>
  hex
    .toLowerCase()
    .replace(/^(00)+(?=..)/, "")
    .match(/../g)!
    .join(":");

export interface Sans {
  dns: string[];
  emails: string[];
  ips: string[];
  uris: string[];
}

function sanExtension(s: Sans): x509.Extension[] {
  const names = [
    ...s.dns.map((value) => ({ type: "dns" as const, value })),
    ...s.emails.map((value) => ({ type: "email" as const, value })),
    ...s.ips.map((value) => ({ type: "ip" as const, value })),
    ...s.uris.map((value) => ({ type: "url" as const, value })),
  ];
  return names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
}

export interface RootParams {
  commonName: string;
  sans: Sans;
  notBefore: Date;
  notAfter: Date;
  key: KeyPair;
}

/** A self-signed CA certificate (basicConstraints CA, keyCertSign + cRLSign), as `root/generate` makes. */
export async function createRoot(p: RootParams): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [p.commonName] }],
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    keys: p.key.keys,
    signingAlgorithm: signingAlgorithm(p.key),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(p.key.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(p.key.keys.publicKey),
      ...sanExtension(p.sans),
    ],
  });
}

export interface LeafParams {
  commonName: string;
  sans: Sans;
  notBefore: Date;
  notAfter: Date;
  key: KeyPair;
  ca: { cert: x509.X509Certificate; key: KeyPair };
  serverFlag: boolean;
  clientFlag: boolean;
}

/** A leaf certificate signed by the CA: serverAuth/clientAuth per the role, CA:false. */
export async function createLeaf(p: LeafParams): Promise<x509.X509Certificate> {
  const eku: string[] = [];
  if (p.serverFlag) eku.push(x509.ExtendedKeyUsage.serverAuth);
  if (p.clientFlag) eku.push(x509.ExtendedKeyUsage.clientAuth);
  // Vault's role default key_usage; KeyEncipherment only means something for RSA keys.
  let usage = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement;
  if (p.key.type === "rsa") usage |= x509.KeyUsageFlags.keyEncipherment;
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.commonName ? [{ CN: [p.commonName] }] : [],
    issuer: p.ca.cert.subjectName,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.key.keys.publicKey,
    signingKey: p.ca.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm(p.ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      ...(eku.length ? [new x509.ExtendedKeyUsageExtension(eku, false)] : []),
      await x509.SubjectKeyIdentifierExtension.create(p.key.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(p.ca.key.keys.publicKey),
      ...sanExtension(p.sans),
    ],
  });
}

/** A CRL over the revoked serials (hex), signed by the CA; next update in `ttlSeconds` (Vault's crl expiry, 72h). */
export async function createCrl(
  ca: { cert: x509.X509Certificate; key: KeyPair },
  revoked: { serialHex: string; time: Date }[],
  now: Date,
  ttlSeconds: number,
): Promise<Buffer> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + ttlSeconds * 1000),
    entries: revoked.map((r) => ({ serialNumber: r.serialHex, revocationDate: r.time })),
    signingKey: ca.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm(ca.key),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.key.keys.publicKey)],
  });
  return Buffer.from(crl.rawData);
}

export const toPem = (der: ArrayBuffer | Buffer, label: string): string =>
  `-----BEGIN ${label}-----\n${(Buffer.isBuffer(der) ? der : Buffer.from(der)).toString("base64").replace(/.{1,64}/g, "$&\n")}-----END ${label}-----`;

export type { X509Certificate } from "@peculiar/x509";
