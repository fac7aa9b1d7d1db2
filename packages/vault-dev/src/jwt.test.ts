import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_JWT_SIGNING_KEY, signJwt, signServiceAccountJwt, verifyJwt } from "./jwt.js";

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
    expect(verifyJwt(signJwt({ a: 1 }), { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now()).a).toBe(1);
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
    const expired = signJwt({ exp: now() - 10 });
    expect(() => verifyJwt(expired, { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now())).toThrow(/expired/);
    expect(verifyJwt(expired, { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now(), 60)).toBeTruthy();
    const future = signJwt({ nbf: now() + 100 });
    expect(() => verifyJwt(future, { hmacKeys: [DEFAULT_JWT_SIGNING_KEY], pemKeys: [] }, now())).toThrow(/not valid yet/);
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
