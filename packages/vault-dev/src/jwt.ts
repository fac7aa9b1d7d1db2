/**
 * Minimal JWS (compact JWT) signing and verification for the Kubernetes and
 * JWT auth methods. Like a real identity provider, vault-dev signs with
 * ES256 or RS256 and publishes its public keys as a JWKS (`GET /__dev/jwks`);
 * both real plugins accept only asymmetric algorithms. HS256 with a shared
 * `signing_key` remains as a vault-dev extension for old seeds.
 */
import {
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from "node:crypto";

/** The HS256 key of `signJwt(claims, key)` when a seed sets `signing_key` without a value of its own. */
export const DEFAULT_JWT_SIGNING_KEY = "vault-dev-insecure-signing-key";

export type JwtClaims = Record<string, unknown>;
export type JwtAlgorithm = "ES256" | "RS256";

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

interface SigningKey {
  alg: JwtAlgorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * ES256: derived from a fixed label, so every vault-dev process (and a test
 * process signing for a vault-dev in another process) agrees on it, without a
 * private key committed to the repository. It is public knowledge: test use only.
 */
function es256Key(): SigningKey {
  const n = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  let seed = createHash("sha256").update("vault-dev insecure ES256 test key").digest();
  while (BigInt("0x" + seed.toString("hex")) >= n || seed.every((b) => b === 0)) seed = createHash("sha256").update(seed).digest();
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(seed);
  const pub = ecdh.getPublicKey();
  const jwk = { kty: "EC", crv: "P-256", d: b64url(seed), x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) };
  const privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  return { alg: "ES256", kid: "vault-dev-es256", privateKey, publicKey: createPublicKey(privateKey) };
}

/** RS256: a fresh 2048-bit key per process (RSA keys cannot be derived cheaply); see `/__dev/jwks`. */
function rs256Key(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid =
    "vault-dev-rs256-" +
    createHash("sha256")
      .update(publicKey.export({ format: "der", type: "spki" }))
      .digest("hex")
      .slice(0, 12);
  return { alg: "RS256", kid, privateKey, publicKey };
}

const keys: Partial<Record<JwtAlgorithm, SigningKey>> = {};
function keyFor(alg: JwtAlgorithm): SigningKey {
  return (keys[alg] ??= alg === "ES256" ? es256Key() : rs256Key());
}

/** The PEM public keys that vault-dev's Kubernetes and JWT mounts trust by default. */
export function defaultPublicKeyPems(): string[] {
  return (["ES256", "RS256"] as const).map((a) => keyFor(a).publicKey.export({ format: "pem", type: "spki" }).toString());
}

/** The JWKS of the default keys, as an identity provider publishes it. */
export function jwks(): { keys: Record<string, unknown>[] } {
  return {
    keys: (["ES256", "RS256"] as const).map((a) => {
      const k = keyFor(a);
      return { ...k.publicKey.export({ format: "jwk" }), kid: k.kid, alg: a, use: "sig" };
    }),
  };
}

/**
 * Sign claims. With a string `key`, HS256 with that shared key (vault-dev's
 * `signing_key` extension); otherwise ES256 (default) or RS256 with the
 * built-in keys. `iat` is added when missing.
 */
export function signJwt(claims: JwtClaims, key?: string | { alg: JwtAlgorithm }): string {
  const payload = b64url(JSON.stringify({ iat: Math.floor(Date.now() / 1000), ...claims }));
  if (typeof key === "string") {
    const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const sig = createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url");
    return `${header}.${payload}.${sig}`;
  }
  const k = keyFor(key?.alg ?? "ES256");
  const header = b64url(JSON.stringify({ alg: k.alg, typ: "JWT", kid: k.kid }));
  const input = Buffer.from(`${header}.${payload}`);
  const sig = k.alg === "RS256" ? cryptoSign("sha256", input, k.privateKey) : cryptoSign("sha256", input, { key: k.privateKey, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${sig.toString("base64url")}`;
}

export interface ServiceAccountJwtOptions {
  /** Service account name. */
  serviceAccount: string;
  /** Kubernetes namespace. Default `default`. */
  namespace?: string;
  /** An HS256 key (vault-dev's `signing_key` extension). Default: ES256 with the built-in key. */
  key?: string;
  /** The algorithm when no `key` is given. Default ES256. */
  alg?: JwtAlgorithm;
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
  return signJwt(claims, opts.key ?? { alg: opts.alg ?? "ES256" });
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
        const res = header.alg === "RS256" ? cryptoVerify("sha256", signed, key, sig) : cryptoVerify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, sig);
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
