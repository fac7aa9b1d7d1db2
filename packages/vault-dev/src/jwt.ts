/**
 * Minimal JWS (compact JWT) signing and verification for the Kubernetes and
 * JWT auth methods. HS256 with a shared key is vault-dev's simple default;
 * RS256/ES256 with PEM public keys mirror Vault's `jwt_validation_pubkeys` /
 * `pem_keys`.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify } from "node:crypto";

/** The HS256 key used when the seed/config sets none. Tests can sign with it directly. */
export const DEFAULT_JWT_SIGNING_KEY = "vault-dev-insecure-signing-key";

export type JwtClaims = Record<string, unknown>;

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

/** Sign claims with HS256. `iat` is added when missing. */
export function signJwt(claims: JwtClaims, key: string = DEFAULT_JWT_SIGNING_KEY): string {
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ iat: Math.floor(Date.now() / 1000), ...claims }));
  const sig = createHmac("sha256", key).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${sig}`;
}

export interface ServiceAccountJwtOptions {
  /** Service account name. */
  serviceAccount: string;
  /** Kubernetes namespace. Default `default`. */
  namespace?: string;
  /** HS256 key. Default {@link DEFAULT_JWT_SIGNING_KEY}. */
  key?: string;
  /** Seconds until `exp`. Default: no `exp` (like a legacy secret-based token). */
  expiresIn?: number;
  /** `aud` claim (projected tokens). */
  audience?: string | string[];
  /** Service account UID. Default derived from the name. */
  uid?: string;
  /** Use the projected-token claim layout (`kubernetes.io: {...}`) instead of the legacy one. Default false. */
  projected?: boolean;
}

/** Sign a Kubernetes service-account JWT that vault-dev's `auth/kubernetes/login` accepts. */
export function signServiceAccountJwt(opts: ServiceAccountJwtOptions): string {
  const ns = opts.namespace ?? "default";
  const sa = opts.serviceAccount;
  const uid = opts.uid ?? `00000000-0000-4000-8000-${Buffer.from(sa).toString("hex").padEnd(12, "0").slice(0, 12)}`;
  const now = Math.floor(Date.now() / 1000);
  const claims: JwtClaims = opts.projected
    ? {
        iss: "https://kubernetes.default.svc.cluster.local",
        sub: `system:serviceaccount:${ns}:${sa}`,
        "kubernetes.io": { namespace: ns, serviceaccount: { name: sa, uid } },
      }
    : {
        iss: "kubernetes/serviceaccount",
        sub: `system:serviceaccount:${ns}:${sa}`,
        "kubernetes.io/serviceaccount/namespace": ns,
        "kubernetes.io/serviceaccount/secret.name": `${sa}-token-vaultdev`,
        "kubernetes.io/serviceaccount/service-account.name": sa,
        "kubernetes.io/serviceaccount/service-account.uid": uid,
      };
  if (opts.audience !== undefined) claims.aud = opts.audience;
  if (opts.expiresIn !== undefined) claims.exp = now + opts.expiresIn;
  return signJwt(claims, opts.key);
}

export interface VerifyKeys {
  hmacKeys: string[];
  pemKeys: string[];
}

/** Verify signature and time claims. Returns the claims, or throws with a reason. */
export function verifyJwt(token: string, keys: VerifyKeys, nowSec: number, leewaySec = 0): JwtClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("malformed token");
  const [h, p, s] = parts;
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new Error("malformed token");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new Error("malformed token");
  const signed = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, "base64url");
  let ok = false;
  if (header.alg === "HS256") {
    for (const key of keys.hmacKeys) {
      const want = createHmac("sha256", key).update(signed).digest();
      if (want.length === sig.length && timingSafeEqual(want, sig)) ok = true;
    }
  } else if (header.alg === "RS256" || header.alg === "ES256") {
    for (const pem of keys.pemKeys) {
      try {
        const key = createPublicKey(pem);
        const res = header.alg === "RS256"
          ? cryptoVerify("sha256", signed, key, sig)
          : cryptoVerify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, sig);
        if (res) ok = true;
      } catch {
        // a key of the wrong type simply does not match
      }
    }
  } else {
    throw new Error(`unsupported signing algorithm ${JSON.stringify(header.alg)}`);
  }
  if (!ok) throw new Error("failed to verify id token signature");
  if (typeof claims.exp === "number" && nowSec > claims.exp + leewaySec) throw new Error("token is expired (exp)");
  if (typeof claims.nbf === "number" && nowSec + leewaySec < claims.nbf) throw new Error("token not valid yet (nbf)");
  return claims;
}
