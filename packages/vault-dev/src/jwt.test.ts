import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_JWT_SIGNING_KEY, defaultPublicKeyPems, jwks, signJwt, signServiceAccountJwt, verifyJwt } from "./jwt.js";

const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

function signWith(alg: "RS256" | "ES256", key: import("node:crypto").KeyObject, claims: object): string {
  const input = `${b64({ alg, typ: "JWT" })}.${b64(claims)}`;
  const sig = alg === "RS256" ? sign("sha256", Buffer.from(input), key) : sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}

describe("jwt", () => {
  it("round-trips HS256 and rejects the wrong key", () => {
    const t = signJwt({ sub: "x" }, "k1");
    expect(verifyJwt(t, { hmacKeys: ["k0", "k1"], pemKeys: [] }, now()).sub).toBe("x");
    expect(() => verifyJwt(t, { hmacKeys: ["k2"], pemKeys: [] }, now())).toThrow(/signature/);
    expect(verifyJwt(signJwt({ a: 1 }, DEFAULT_JWT_SIGNING_KEY), { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now()).a).toBe(1);
  });

  it("signs ES256 by default and RS256 on request, with keys published as a JWKS", () => {
    const pems = defaultPublicKeyPems();
    const es = signJwt({ sub: "e" });
    const rs = signJwt({ sub: "r" }, { alg: "RS256" });
    const header = (t: string) => JSON.parse(Buffer.from(t.split(".")[0], "base64url").toString());
    expect(header(es).alg).toBe("ES256");
    expect(header(rs).alg).toBe("RS256");
    expect(verifyJwt(es, { hmacKeys: [], pemKeys: pems }, now()).sub).toBe("e");
    expect(verifyJwt(rs, { hmacKeys: [], pemKeys: pems }, now()).sub).toBe("r");
    // HS256 is not accepted without a shared key, as in the real plugins.
    expect(() => verifyJwt(es, { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now())).toThrow(/signature/);
    const set = jwks().keys;
    expect(set.map((k) => k.alg).sort()).toEqual(["ES256", "RS256"]);
    expect(set.map((k) => k.kid)).toContain(header(es).kid);
    for (const k of set) expect(k).not.toHaveProperty("d");
  });

  it("verifies RS256 and ES256 against PEM public keys", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pems = [rsa.publicKey, ec.publicKey].map((k) => k.export({ type: "spki", format: "pem" }).toString());
    expect(verifyJwt(signWith("RS256", rsa.privateKey, { sub: "r" }), { hmacKeys: [], pemKeys: pems }, now()).sub).toBe("r");
    expect(verifyJwt(signWith("ES256", ec.privateKey, { sub: "e" }), { hmacKeys: [], pemKeys: pems }, now()).sub).toBe("e");
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(() => verifyJwt(signWith("ES256", other.privateKey, {}), { hmacKeys: [], pemKeys: pems }, now())).toThrow();
  });

  it("checks exp and nbf, with leeway", () => {
    const keys = { hmacKeys: [], pemKeys: defaultPublicKeyPems() };
    const expired = signJwt({ exp: now() - 10 });
    expect(() => verifyJwt(expired, keys, now())).toThrow(/expired/);
    expect(verifyJwt(expired, keys, now(), 60)).toBeTruthy();
    const future = signJwt({ nbf: now() + 100 });
    expect(() => verifyJwt(future, keys, now())).toThrow(/not valid yet/);
  });

  it("refuses garbage and alg none", () => {
    expect(() => verifyJwt("abc", { hmacKeys: ["k"], pemKeys: [] }, now())).toThrow(/malformed/);
    const none = `${b64({ alg: "none" })}.${b64({ sub: "x" })}.`;
    expect(() => verifyJwt(none, { hmacKeys: ["k"], pemKeys: [] }, now())).toThrow(/unsupported/);
  });

  it("signs legacy and projected service-account tokens", () => {
    const dec = (t: string) => JSON.parse(Buffer.from(t.split(".")[1], "base64url").toString());
    const legacy = dec(signServiceAccountJwt({ serviceAccount: "app", namespace: "ns" }));
    expect(legacy["kubernetes.io/serviceaccount/service-account.name"]).toBe("app");
    expect(legacy.sub).toBe("system:serviceaccount:ns:app");
    expect(legacy.exp).toBeUndefined();
    const projected = dec(signServiceAccountJwt({ serviceAccount: "app", projected: true, expiresIn: 60, audience: "vault" }));
    expect(projected["kubernetes.io"]).toMatchObject({ namespace: "default", serviceaccount: { name: "app" } });
    expect(projected.aud).toBe("vault");
    expect(projected.exp).toBeGreaterThan(now());
  });
});
