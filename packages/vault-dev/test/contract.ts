/**
 * The contract suite: each endpoint's status, envelope and error body as
 * Vault's API documentation gives them. It runs against vault-dev always, and
 * against a real Vault or OpenBao dev server when VAULT_ADDR and VAULT_TOKEN
 * are set. Tests that need vault-dev's /__dev controls, its database engine
 * or the Kubernetes method (which needs a cluster) run on vault-dev only;
 * everything else sets itself up through the public API on either server.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signServiceAccountJwt } from "@stowaway/vault-dev";
import type { VaultDev } from "@stowaway/vault-dev";
import { client, ENVELOPE_KEYS, sleep, type Res, type Target } from "./client.js";

export interface ContractTarget extends Target {
  /** Present only for vault-dev. */
  dev?: VaultDev;
}

function expectEnvelope(r: Res) {
  for (const k of ENVELOPE_KEYS) expect(r.body, `envelope key ${k}`).toHaveProperty(k);
  expect(typeof r.body.request_id).toBe("string");
  expect(r.body).not.toHaveProperty("errors");
}

function expectErrors(r: Res, status: number, message?: string | RegExp) {
  expect(r.status).toBe(status);
  expect(Array.isArray(r.body?.errors), `errors array in ${r.text}`).toBe(true);
  if (message instanceof RegExp) expect(r.body.errors.join("\n")).toMatch(message);
  else if (message !== undefined) expect(r.body.errors.join("\n")).toContain(message);
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/**
 * @param name    suite label
 * @param isDev   true for vault-dev: enables the tests that need its controls
 * @param target  read lazily, after the caller's beforeAll has started the server
 */
export function contractSuite(name: string, isDev: boolean, target: () => ContractTarget) {
  const api = client(target);
  const devIt = isDev ? it : it.skip;
  const run = randomBytes(4).toString("hex");
  const p = (s: string) => `contract-${run}/${s}`;

  /** Enable a mount unless it is there already (vault-dev has them by default). */
  async function ensureMount(kind: "mounts" | "auth", path: string, body: Record<string, unknown>) {
    const r = await api.post(`sys/${kind}/${path}`, body);
    if (r.status !== 204 && !(r.status === 400 && /already in use/.test(r.text))) {
      throw new Error(`cannot enable ${kind}/${path}: ${r.status} ${r.text}`);
    }
  }

  describe(`Vault API contract: ${name}`, () => {
    describe("general", () => {
      it("rejects a missing or unknown token with 403 permission denied", async () => {
        expectErrors(await api.get("secret/data/anything", { token: null }), 403, "permission denied");
        expectErrors(await api.get("secret/data/anything", { token: "hvs.not-a-token" }), 403, "permission denied");
      });

      it("accepts Authorization: Bearer", async () => {
        const r = await api.get("auth/token/lookup-self", { token: null, headers: { Authorization: `Bearer ${target().token}` } });
        expect(r.status).toBe(200);
        expect(r.body.data.policies).toContain("root");
      });

      it("treats PUT as POST and LIST as GET ?list=true", async () => {
        expect((await api.put(`secret/data/${p("verbs/a")}`, { data: { v: 1 } })).status).toBe(200);
        expect((await api.post(`secret/data/${p("verbs/b")}`, { data: { v: 2 } })).status).toBe(200);
        const viaList = await api.list(`secret/metadata/${p("verbs")}`);
        const viaQuery = await api.get(`secret/metadata/${p("verbs")}?list=true`);
        expect(viaList.status).toBe(200);
        expectEnvelope(viaList);
        expect(viaList.body.data.keys).toEqual(["a", "b"]);
        expect(viaQuery.body.data.keys).toEqual(["a", "b"]);
      });

      it("answers an unknown route with 404 and an error", async () => {
        const r = await api.get(`no-such-mount-${run}/x`);
        expectErrors(r, 404);
        expect(r.body.errors.length).toBe(1);
      });

      it("rejects malformed JSON with 400", async () => {
        expectErrors(await api.call("POST", `secret/data/${p("bad-json")}`, { raw: "{not json" }), 400, /parse JSON/i);
      });
    });

    describe("sys/health", () => {
      it("is 200 with the documented fields when active", async () => {
        const r = await api.get("sys/health", { token: null });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ initialized: true, sealed: false, standby: false, performance_standby: false });
        expect(typeof r.body.replication_performance_mode).toBe("string");
        expect(typeof r.body.replication_dr_mode).toBe("string");
        expect(typeof r.body.server_time_utc).toBe("number");
        expect(typeof r.body.version).toBe("string");
        expect(typeof r.body.cluster_name).toBe("string");
        expect(typeof r.body.cluster_id).toBe("string");
        expect(r.body).not.toHaveProperty("errors");
      });

      it("honours the *code overrides and HEAD", async () => {
        expect((await api.get("sys/health?activecode=299&standbycode=200&sealedcode=200&uninitcode=200", { token: null })).status).toBe(299);
        const head = await api.call("HEAD", "sys/health", { token: null });
        expect(head.status).toBe(200);
        expect(head.text).toBe("");
      });

      devIt("is 503 when sealed, every other path says Vault is sealed, and sealedcode overrides", async () => {
        const dev = target().dev!;
        dev.seal();
        try {
          const h = await api.get("sys/health", { token: null });
          expect(h.status).toBe(503);
          expect(h.body).toMatchObject({ initialized: true, sealed: true, standby: true });
          expect(h.body).not.toHaveProperty("cluster_id");
          expect((await api.get("sys/health?sealedcode=200", { token: null })).status).toBe(200);
          expectErrors(await api.get("secret/data/x"), 503, "Vault is sealed");
          expect((await api.get("sys/seal-status", { token: null })).body.sealed).toBe(true);
        } finally {
          dev.unseal();
        }
        expect((await api.get("sys/health", { token: null })).status).toBe(200);
      });
    });

    describe("token auth", () => {
      it("looks up the root token", async () => {
        const r = await api.get("auth/token/lookup-self");
        expect(r.status).toBe(200);
        expectEnvelope(r);
        expect(r.body.data).toMatchObject({ policies: ["root"], ttl: 0, expire_time: null, explicit_max_ttl: 0, type: "service" });
        expect(r.body.data.id).toBe(target().token);
        expect(typeof r.body.data.accessor).toBe("string");
      });

      it("creates a token with ttl and explicit max, caps renewal with a warning", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "2s", explicit_max_ttl: "4s", renewable: true });
        expect(c.status).toBe(200);
        expectEnvelope(c);
        expect(c.body.data).toBeNull();
        expect(c.body.auth).toMatchObject({ lease_duration: 2, renewable: true, token_type: "service", policies: ["default"] });
        expect(typeof c.body.auth.client_token).toBe("string");
        expect(typeof c.body.auth.accessor).toBe("string");
        const tok = c.body.auth.client_token as string;

        const l = await api.get("auth/token/lookup-self", { token: tok });
        expect(l.status).toBe(200);
        expect(l.body.data).toMatchObject({ explicit_max_ttl: 4, renewable: true, creation_ttl: 2, id: tok });
        expect(l.body.data.ttl).toBeGreaterThan(0);
        expect(l.body.data.ttl).toBeLessThanOrEqual(2);
        expect(typeof l.body.data.expire_time).toBe("string");

        const r = await api.post("auth/token/renew-self", { increment: "10s" }, { token: tok });
        expect(r.status).toBe(200);
        expectEnvelope(r);
        expect(r.body.auth.client_token).toBe(tok);
        expect(r.body.auth.lease_duration).toBeGreaterThan(0);
        expect(r.body.auth.lease_duration).toBeLessThanOrEqual(4);
        expect(r.body.warnings.join("\n")).toMatch(/TTL of "10s" exceeded the effective max_ttl of "\d+s"; TTL value is capped accordingly/);

        const within = await api.post("auth/token/renew-self", { increment: 1 }, { token: tok });
        expect(within.status).toBe(200);
        expect(within.body.auth.lease_duration).toBe(1);
        expect(within.body.warnings).toBeNull();
      });

      it("expires tokens by the wall clock", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "1s" });
        const tok = c.body.auth.client_token as string;
        expect((await api.get("auth/token/lookup-self", { token: tok })).status).toBe(200);
        await sleep(1500);
        expectErrors(await api.get("auth/token/lookup-self", { token: tok }), 403, "permission denied");
      });

      it("refuses to renew a non-renewable token", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "1m", renewable: false });
        const r = await api.post("auth/token/renew-self", {}, { token: c.body.auth.client_token });
        expectErrors(r, 400);
      });

      it("revokes itself, then the token is gone", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "1m" });
        const tok = c.body.auth.client_token as string;
        const r = await api.post("auth/token/revoke-self", undefined, { token: tok });
        expect(r.status).toBe(204);
        expect(r.text).toBe("");
        expectErrors(await api.get("auth/token/lookup-self", { token: tok }), 403, "permission denied");
      });

      it("revokes another token with auth/token/revoke", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "1m" });
        const tok = c.body.auth.client_token as string;
        expect((await api.post("auth/token/revoke", { token: tok })).status).toBe(204);
        expectErrors(await api.get("auth/token/lookup-self", { token: tok }), 403);
      });

      it("does not let a default-policy token create tokens", async () => {
        const c = await api.post("auth/token/create", { policies: ["default"], ttl: "1m" });
        expectErrors(await api.post("auth/token/create", { ttl: "1m" }, { token: c.body.auth.client_token }), 403, "permission denied");
      });

      it("lets a token read what its policy allows, but not write it or manage roles", async () => {
        await api.post(`secret/data/${p("nonroot")}`, { data: { k: "v" } });
        const pol = `reader-${run}`;
        expect((await api.put(`sys/policies/acl/${pol}`, { policy: `path "secret/data/${p("*")}" {\n  capabilities = ["read"]\n}\n` })).status).toBe(204);
        const c = await api.post("auth/token/create", { policies: [pol], ttl: "1m" });
        const tok = c.body.auth.client_token as string;
        const r = await api.get(`secret/data/${p("nonroot")}`, { token: tok });
        expect(r.status).toBe(200);
        expect(r.body.data.data).toEqual({ k: "v" });
        expectErrors(await api.post(`secret/data/${p("nonroot")}`, { data: { k: "w" } }, { token: tok }), 403, "permission denied");
        expectErrors(await api.post("auth/approle/role/x", { token_ttl: "1m" }, { token: tok }), 403, "permission denied");
      });
    });

    describe("KV v2 (secret/)", () => {
      const path = p("app/db");

      it("writes a version and reads it back with metadata", async () => {
        const w = await api.post(`secret/data/${path}`, { data: { username: "app", password: "one" } });
        expect(w.status).toBe(200);
        expectEnvelope(w);
        expect(w.body.data).toMatchObject({ version: 1, deletion_time: "", destroyed: false, custom_metadata: null });
        expect(Date.parse(w.body.data.created_time)).not.toBeNaN();

        const r = await api.get(`secret/data/${path}`);
        expect(r.status).toBe(200);
        expectEnvelope(r);
        expect(r.body).toMatchObject({ lease_id: "", renewable: false, lease_duration: 0, wrap_info: null, auth: null });
        expect(r.body.data.data).toEqual({ username: "app", password: "one" });
        expect(r.body.data.metadata).toMatchObject({ version: 1, deletion_time: "", destroyed: false });
        if ("mount_type" in r.body) expect(r.body.mount_type).toBe("kv");
      });

      it("enforces check-and-set with Vault's message", async () => {
        const bad = await api.post(`secret/data/${path}`, { options: { cas: 0 }, data: { password: "x" } });
        expectErrors(bad, 400);
        expect(bad.body.errors).toEqual(["check-and-set parameter did not match the current version"]);
        const stale = await api.post(`secret/data/${path}`, { options: { cas: 5 }, data: { password: "x" } });
        expect(stale.body.errors).toEqual(["check-and-set parameter did not match the current version"]);
        const good = await api.post(`secret/data/${path}`, { options: { cas: 1 }, data: { username: "app", password: "two" } });
        expect(good.status).toBe(200);
        expect(good.body.data.version).toBe(2);
        const fresh = await api.post(`secret/data/${p("cas-new")}`, { options: { cas: 0 }, data: { a: 1 } });
        expect(fresh.status).toBe(200);
        expect(fresh.body.data.version).toBe(1);
      });

      it("reads an older version with ?version=", async () => {
        const r = await api.get(`secret/data/${path}?version=1`);
        expect(r.status).toBe(200);
        expect(r.body.data.data.password).toBe("one");
        expect(r.body.data.metadata.version).toBe(1);
        expectErrors(await api.get(`secret/data/${path}?version=99`), 404);
      });

      it("soft-deletes the latest version: 404 with metadata, data null and no errors key", async () => {
        expect((await api.del(`secret/data/${path}`)).status).toBe(204);
        const r = await api.get(`secret/data/${path}`);
        expect(r.status).toBe(404);
        expectEnvelope(r);
        expect(r.body.data.data).toBeNull();
        expect(r.body.data.metadata.version).toBe(2);
        expect(r.body.data.metadata.deletion_time).not.toBe("");
        expect(r.body.data.metadata.destroyed).toBe(false);
      });

      it("undeletes, deletes and destroys versions", async () => {
        expect((await api.post(`secret/undelete/${path}`, { versions: [2] })).status).toBe(204);
        expect((await api.get(`secret/data/${path}`)).body.data.data.password).toBe("two");
        expect((await api.post(`secret/delete/${path}`, { versions: [2] })).status).toBe(204);
        expect((await api.get(`secret/data/${path}`)).status).toBe(404);
        expect((await api.post(`secret/undelete/${path}`, { versions: [2] })).status).toBe(204);
        expect((await api.post(`secret/destroy/${path}`, { versions: [1] })).status).toBe(204);
        const d = await api.get(`secret/data/${path}?version=1`);
        expect(d.status).toBe(404);
        expect(d.body.data.data).toBeNull();
        expect(d.body.data.metadata.destroyed).toBe(true);
        expect(d.body).not.toHaveProperty("errors");
        expectErrors(await api.post(`secret/delete/${path}`, {}), 400, "no version number provided");
      });

      it("reads and lists metadata", async () => {
        const m = await api.get(`secret/metadata/${path}`);
        expect(m.status).toBe(200);
        expectEnvelope(m);
        expect(m.body.data).toMatchObject({ current_version: 2, cas_required: false, max_versions: 0, delete_version_after: "0s" });
        expect(typeof m.body.data.oldest_version).toBe("number");
        expect(Object.keys(m.body.data.versions).sort()).toEqual(["1", "2"]);
        expect(m.body.data.versions["1"].destroyed).toBe(true);
        const l = await api.list(`secret/metadata/${p("app")}`);
        expect(l.body.data.keys).toEqual(["db"]);
        const top = await api.list(`secret/metadata/contract-${run}`);
        expect(top.body.data.keys).toContain("app/");
      });

      it("keeps at most max_versions versions", async () => {
        const mv = p("max-versions");
        expect((await api.post(`secret/metadata/${mv}`, { max_versions: 2 })).status).toBe(204);
        for (const n of [1, 2, 3]) expect((await api.post(`secret/data/${mv}`, { data: { n } })).status).toBe(200);
        const m = await api.get(`secret/metadata/${mv}`);
        expect(m.body.data).toMatchObject({ current_version: 3, oldest_version: 2, max_versions: 2 });
        expect(Object.keys(m.body.data.versions).sort()).toEqual(["2", "3"]);
        expectErrors(await api.get(`secret/data/${mv}?version=1`), 404);
      });

      it("stamps deletion_time from delete_version_after and hides the version once it passes", async () => {
        const dv = p("delete-after");
        expect((await api.post(`secret/metadata/${dv}`, { delete_version_after: "1s" })).status).toBe(204);
        const w = await api.post(`secret/data/${dv}`, { data: { a: 1 } });
        expect(w.body.data.deletion_time).not.toBe("");
        expect((await api.get(`secret/data/${dv}`)).status).toBe(200);
        await sleep(1200);
        const r = await api.get(`secret/data/${dv}`);
        expect(r.status).toBe(404);
        expect(r.body.data.data).toBeNull();
      });

      it("deletes metadata and all versions", async () => {
        expect((await api.del(`secret/metadata/${path}`)).status).toBe(204);
        const r = await api.get(`secret/data/${path}`);
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ errors: [] });
      });

      it("answers a missing secret and an empty list with 404 {errors: []}", async () => {
        const r = await api.get(`secret/data/${p("missing")}`);
        expect(r.status).toBe(404);
        expect(r.body).toEqual({ errors: [] });
        const l = await api.list(`secret/metadata/${p("no-such-dir")}`);
        expect(l.status).toBe(404);
        expect(l.body).toEqual({ errors: [] });
        expectErrors(await api.get(`secret/metadata/${p("missing")}`), 404);
      });

      it("warns about a v2 path without data/", async () => {
        const r = await api.get(`secret/${p("app/db")}`);
        expect(r.status).toBe(404);
        expect(r.body.warnings.join("\n")).toContain("Invalid path for a versioned K/V secrets engine");
        expect(r.body.data).toBeNull();
      });

      it("requires data on write", async () => {
        expectErrors(await api.post(`secret/data/${p("nodata")}`, { options: {} }), 400, "no data provided");
      });
    });

    describe("KV v1 (kv/)", () => {
      beforeAll(async () => {
        await ensureMount("mounts", "kv", { type: "kv", options: { version: "1" } });
      });

      it("writes, reads with the mount's default lease, lists and deletes", async () => {
        const w = await api.post(`kv/${p("legacy/api")}`, { key: "abc" });
        expect(w.status).toBe(204);
        const r = await api.get(`kv/${p("legacy/api")}`);
        expect(r.status).toBe(200);
        expectEnvelope(r);
        expect(r.body.data).toEqual({ key: "abc" });
        expect(r.body.lease_duration).toBe(2764800);
        expect(r.body.renewable).toBe(false);
        expect(r.body.lease_id).toBe("");
        const l = await api.list(`kv/${p("legacy")}`);
        expect(l.body.data.keys).toEqual(["api"]);
        expect((await api.del(`kv/${p("legacy/api")}`)).status).toBe(204);
        const gone = await api.get(`kv/${p("legacy/api")}`);
        expect(gone.status).toBe(404);
        expect(gone.body).toEqual({ errors: [] });
      });

      it("uses a ttl key as the advisory lease_duration", async () => {
        await api.post(`kv/${p("with-ttl")}`, { key: "abc", ttl: "1h" });
        const r = await api.get(`kv/${p("with-ttl")}`);
        expect(r.body.lease_duration).toBe(3600);
      });
    });

    describe("mounts", () => {
      beforeAll(async () => {
        await ensureMount("mounts", "kv", { type: "kv", options: { version: "1" } });
      });

      it("tells KV v2 from v1 through sys/internal/ui/mounts", async () => {
        const v2 = await api.get("sys/internal/ui/mounts/secret");
        expect(v2.status).toBe(200);
        expectEnvelope(v2);
        expect(v2.body.data.type).toBe("kv");
        expect(v2.body.data.options.version).toBe("2");
        expect(v2.body.data.path).toBe("secret/");
        const v1 = await api.get(`sys/internal/ui/mounts/kv/${p("x")}`);
        expect(v1.body.data.type).toBe("kv");
        expect(v1.body.data.options?.version ?? "1").toBe("1");
        expectErrors(await api.get(`sys/internal/ui/mounts/nope-${run}`), 403);
      });
    });

    describe("AppRole", () => {
      const role = `contract-${run}`;
      let roleId = "";
      let secretId = "";

      beforeAll(async () => {
        await ensureMount("auth", "approle", { type: "approle" });
      });

      it("creates and reads a role, its role-id and a secret-id", async () => {
        expect((await api.post(`auth/approle/role/${role}`, { token_ttl: "2s", token_max_ttl: "4s", token_policies: ["default"] })).status).toBe(204);
        const r = await api.get(`auth/approle/role/${role}`);
        expect(r.status).toBe(200);
        expect(r.body.data).toMatchObject({ token_ttl: 2, token_max_ttl: 4, bind_secret_id: true });
        const rid = await api.get(`auth/approle/role/${role}/role-id`);
        expect(rid.status).toBe(200);
        roleId = rid.body.data.role_id;
        expect(typeof roleId).toBe("string");
        const sid = await api.post(`auth/approle/role/${role}/secret-id`, {});
        expect(sid.status).toBe(200);
        expect(sid.body.data).toMatchObject({ secret_id_num_uses: 0, secret_id_ttl: 0 });
        secretId = sid.body.data.secret_id;
        expect(typeof sid.body.data.secret_id_accessor).toBe("string");
        expectErrors(await api.get(`auth/approle/role/nope-${run}`), 404);
      });

      it("logs in, and the token is capped at token_max_ttl on renewal", async () => {
        const l = await api.post("auth/approle/login", { role_id: roleId, secret_id: secretId }, { token: null });
        expect(l.status).toBe(200);
        expectEnvelope(l);
        expect(l.body.auth).toMatchObject({ lease_duration: 2, renewable: true, metadata: { role_name: role }, token_type: "service" });
        expect(l.body.auth.policies).toContain("default");
        const tok = l.body.auth.client_token as string;
        const r = await api.post("auth/token/renew-self", { increment: "1h" }, { token: tok });
        expect(r.status).toBe(200);
        expect(r.body.auth.lease_duration).toBeLessThanOrEqual(4);
        expect(r.body.warnings.join("\n")).toContain("TTL value is capped accordingly");
      });

      it("rejects a wrong secret-id or role-id with 400 invalid role or secret ID", async () => {
        const bad = await api.post("auth/approle/login", { role_id: roleId, secret_id: "00000000-0000-0000-0000-000000000000" }, { token: null });
        expectErrors(bad, 400, "invalid role or secret ID");
        const badRole = await api.post("auth/approle/login", { role_id: `nope-${run}`, secret_id: secretId }, { token: null });
        expectErrors(badRole, 400, "invalid role or secret ID");
        expectErrors(await api.post("auth/approle/login", {}, { token: null }), 400, "missing role_id");
      });

      it("does not let a login token manage roles", async () => {
        const l = await api.post("auth/approle/login", { role_id: roleId, secret_id: secretId }, { token: null });
        expectErrors(await api.post(`auth/approle/role/${role}`, { token_ttl: "1h" }, { token: l.body.auth.client_token }), 403, "permission denied");
      });
    });

    describe("JWT auth (RS256 with jwt_validation_pubkeys)", () => {
      const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
      const mount = `jwt-contract-${run}`;
      const signRs = (claims: Record<string, unknown>) => {
        const head = b64url({ alg: "RS256", typ: "JWT" });
        const body = b64url({ iat: Math.floor(Date.now() / 1000), ...claims });
        const sig = sign("sha256", Buffer.from(`${head}.${body}`), privateKey).toString("base64url");
        return `${head}.${body}.${sig}`;
      };

      beforeAll(async () => {
        await ensureMount("auth", mount, { type: "jwt" });
        const c = await api.post(`auth/${mount}/config`, { jwt_validation_pubkeys: [pem], bound_issuer: "https://issuer.example" });
        if (c.status !== 204 && c.status !== 200) throw new Error(`jwt config: ${c.status} ${c.text}`);
        const r = await api.post(`auth/${mount}/role/app`, {
          role_type: "jwt",
          user_claim: "sub",
          bound_audiences: ["stowaway"],
          token_ttl: "1m",
          token_policies: ["default"],
        });
        if (r.status !== 204 && r.status !== 200) throw new Error(`jwt role: ${r.status} ${r.text}`);
      });

      it("logs in with a valid token", async () => {
        const jwt = signRs({ iss: "https://issuer.example", sub: "svc", aud: "stowaway", exp: Math.floor(Date.now() / 1000) + 60 });
        const l = await api.post(`auth/${mount}/login`, { role: "app", jwt }, { token: null });
        expect(l.status).toBe(200);
        expect(l.body.auth).toMatchObject({ lease_duration: 60, renewable: true });
        expect(l.body.auth.metadata.role).toBe("app");
      });

      it("rejects an unknown role, a wrong audience and a bad signature", async () => {
        const jwt = signRs({ iss: "https://issuer.example", sub: "svc", aud: "stowaway", exp: Math.floor(Date.now() / 1000) + 60 });
        expectErrors(await api.post(`auth/${mount}/login`, { role: "nope", jwt }, { token: null }), 400, /role "nope" could not be found/);
        const wrongAud = signRs({ iss: "https://issuer.example", sub: "svc", aud: "other", exp: Math.floor(Date.now() / 1000) + 60 });
        expectErrors(await api.post(`auth/${mount}/login`, { role: "app", jwt: wrongAud }, { token: null }), 400);
        const tampered = jwt.slice(0, -4) + (jwt.endsWith("AAAA") ? "BBBB" : "AAAA");
        expectErrors(await api.post(`auth/${mount}/login`, { role: "app", jwt: tampered }, { token: null }), 400);
      });
    });

    describe("Kubernetes auth (vault-dev: ES256 service-account tokens)", () => {
      devIt("logs in a bound service account and refuses the rest", async () => {
        expect(
          (
            await api.post("auth/kubernetes/role/app", {
              bound_service_account_names: ["app"],
              bound_service_account_namespaces: ["default"],
              token_ttl: "2s",
              token_max_ttl: "5s",
            })
          ).status,
        ).toBe(204);
        const ok = await api.post("auth/kubernetes/login", { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app" }) }, { token: null });
        expect(ok.status).toBe(200);
        expect(ok.body.auth).toMatchObject({
          lease_duration: 2,
          renewable: true,
          metadata: { role: "app", service_account_name: "app", service_account_namespace: "default" },
        });
        const projected = await api.post(
          "auth/kubernetes/login",
          {
            role: "app",
            jwt: signServiceAccountJwt({ serviceAccount: "app", projected: true, expiresIn: 60 }),
          },
          { token: null },
        );
        expect(projected.status).toBe(200);
        const wrongSa = await api.post("auth/kubernetes/login", { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "other" }) }, { token: null });
        expectErrors(wrongSa, 403, "service account name not authorized");
        const wrongNs = await api.post(
          "auth/kubernetes/login",
          { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app", namespace: "kube-system" }) },
          { token: null },
        );
        expectErrors(wrongNs, 403, "namespace not authorized");
        const badKey = await api.post(
          "auth/kubernetes/login",
          { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app", key: "wrong" }) },
          { token: null },
        );
        expectErrors(badKey, 403, "permission denied");
        const expired = await api.post(
          "auth/kubernetes/login",
          { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app", expiresIn: -10 }) },
          { token: null },
        );
        expectErrors(expired, 403, "permission denied");
        await api.post("auth/kubernetes/role/aud", { bound_service_account_names: "*", bound_service_account_namespaces: "*", audience: "vault" });
        const wrongAud = await api.post(
          "auth/kubernetes/login",
          { role: "aud", jwt: signServiceAccountJwt({ serviceAccount: "x", audience: "other" }) },
          { token: null },
        );
        expectErrors(wrongAud, 403);
        const rightAud = await api.post(
          "auth/kubernetes/login",
          { role: "aud", jwt: signServiceAccountJwt({ serviceAccount: "x", audience: ["vault"] }) },
          { token: null },
        );
        expect(rightAud.status).toBe(200);
        expectErrors(await api.post("auth/kubernetes/login", { role: "app" }, { token: null }), 400, "missing jwt");
        const badRole = await api.post("auth/kubernetes/login", { role: "nope", jwt: signServiceAccountJwt({ serviceAccount: "app" }) }, { token: null });
        expectErrors(badRole, 400, 'invalid role name "nope"');
      });
    });

    describe("ACL policies", () => {
      const pol = `app-reader-${run}`;
      let tok = "";

      beforeAll(async () => {
        await api.post(`secret/data/${p("app/db")}-acl`, { data: { password: "x" } });
        await api.post(`secret/data/${p("other")}`, { data: { password: "y" } });
        const w = await api.put(`sys/policies/acl/${pol}`, { policy: `path "secret/data/${p("app")}/*" {\n  capabilities = ["read"]\n}\n` });
        if (w.status !== 204) throw new Error(`policy write: ${w.status} ${w.text}`);
        const c = await api.post("auth/token/create", { policies: [pol], no_default_policy: true, ttl: "10m" });
        tok = c.body.auth.client_token;
        expect(c.body.auth.policies).toEqual([pol]);
      });

      it("a token whose only policy reads secret/data/app/* gets 403 elsewhere, on lookup-self and on sys/leases/lookup", async () => {
        expect((await api.get(`secret/data/${p("app/db")}-acl`, { token: tok })).status).toBe(200);
        expectErrors(await api.get(`secret/data/${p("other")}`, { token: tok }), 403, "permission denied");
        expectErrors(await api.get("auth/token/lookup-self", { token: tok }), 403, "permission denied");
        expectErrors(await api.post("auth/token/renew-self", {}, { token: tok }), 403, "permission denied");
        expectErrors(await api.put("sys/leases/lookup", { lease_id: "database/creds/x/y" }, { token: tok }), 403, "permission denied");
        expectErrors(await api.post(`secret/data/${p("app/db")}-acl`, { data: { a: "b" } }, { token: tok }), 403, "permission denied");
      });

      it("the default policy grants lookup-self, renew-self and sys/leases/lookup, but not sys/leases/revoke", async () => {
        const d = await api.get("sys/policies/acl/default");
        expect(d.status).toBe(200);
        for (const path of ["auth/token/lookup-self", "auth/token/renew-self", "sys/leases/renew", "sys/leases/lookup", "sys/wrapping/unwrap"]) {
          expect(d.body.data.policy).toContain(`path "${path}"`);
        }
        expect(d.body.data.policy).not.toContain(`path "sys/leases/revoke"`);
        const c = await api.post("auth/token/create", { policies: [pol], ttl: "10m" });
        const withDefault = c.body.auth.client_token;
        expect((await api.get("auth/token/lookup-self", { token: withDefault })).status).toBe(200);
        expectErrors(await api.get(`secret/data/${p("other")}`, { token: withDefault }), 403, "permission denied");
      });

      it("matches + segments and * suffixes, the most specific rule winning, deny over all", async () => {
        const name = `globs-${run}`;
        const policy = [
          `path "secret/data/${p("g")}/+/cfg" { capabilities = ["read"] }`,
          `path "secret/data/${p("g")}/team*" { capabilities = ["read", "list"] }`,
          `path "secret/data/${p("g")}/team-x/cfg" { capabilities = ["deny"] }`,
        ].join("\n");
        expect((await api.put(`sys/policies/acl/${name}`, { policy })).status).toBe(204);
        for (const s of ["a/cfg", "team-1/cfg", "team-x/cfg", "a/other"]) await api.post(`secret/data/${p("g")}/${s}`, { data: { v: s } });
        const t = (await api.post("auth/token/create", { policies: [name], ttl: "1m" })).body.auth.client_token;
        expect((await api.get(`secret/data/${p("g")}/a/cfg`, { token: t })).status).toBe(200);
        expect((await api.get(`secret/data/${p("g")}/team-1/cfg`, { token: t })).status).toBe(200);
        expectErrors(await api.get(`secret/data/${p("g")}/team-x/cfg`, { token: t }), 403);
        expectErrors(await api.get(`secret/data/${p("g")}/a/other`, { token: t }), 403);
      });

      it("reads and writes policies as JSON and through sys/policy, and refuses bad ones", async () => {
        const name = `json-${run}`;
        const json = JSON.stringify({ path: { [`secret/data/${p("j")}`]: { capabilities: ["read"] } } });
        expect((await api.put(`sys/policies/acl/${name}`, { policy: json })).status).toBe(204);
        expect((await api.get(`sys/policy/${name}`)).body.data.rules).toBe(json);
        expect((await api.list("sys/policies/acl")).body.data.keys).toEqual(expect.arrayContaining(["default", name]));
        expectErrors(await api.put(`sys/policies/acl/bad-${run}`, { policy: `path "x" { capabilities = ["fly"] }` }), 400);
        expectErrors(await api.del("sys/policies/acl/default"), 400, "cannot delete default policy");
        expect((await api.del(`sys/policies/acl/${name}`)).status).toBe(204);
        expectErrors(await api.get(`sys/policies/acl/${name}`), 404);
      });

      it("AppRole tokens follow token_policies and token_no_default_policy", async () => {
        await ensureMount("auth", "approle", { type: "approle" });
        const role = `acl-${run}`;
        await api.post(`auth/approle/role/${role}`, { token_policies: [pol], token_no_default_policy: true, token_ttl: "1m" });
        expect((await api.get(`auth/approle/role/${role}`)).body.data.token_no_default_policy).toBe(true);
        const roleId = (await api.get(`auth/approle/role/${role}/role-id`)).body.data.role_id;
        const secretId = (await api.post(`auth/approle/role/${role}/secret-id`, {})).body.data.secret_id;
        const l = await api.post("auth/approle/login", { role_id: roleId, secret_id: secretId }, { token: null });
        expect(l.body.auth.policies).toEqual([pol]);
        expectErrors(await api.get("auth/token/lookup-self", { token: l.body.auth.client_token }), 403);
        expect((await api.get(`secret/data/${p("app/db")}-acl`, { token: l.body.auth.client_token })).status).toBe(200);
      });

      it("renew-self after the AppRole role is deleted is a 500", async () => {
        const role = `gone-${run}`;
        await api.post(`auth/approle/role/${role}`, { token_ttl: "1m", token_policies: ["default"] });
        const roleId = (await api.get(`auth/approle/role/${role}/role-id`)).body.data.role_id;
        const secretId = (await api.post(`auth/approle/role/${role}/secret-id`, {})).body.data.secret_id;
        const tok = (await api.post("auth/approle/login", { role_id: roleId, secret_id: secretId }, { token: null })).body.auth.client_token;
        expect((await api.del(`auth/approle/role/${role}`)).status).toBe(204);
        const r = await api.post("auth/token/renew-self", {}, { token: tok });
        expectErrors(r, 500, "does not exist during renewal");
      });
    });

    describe("response wrapping", () => {
      it("wraps an AppRole secret-id; unwrap gives it once, then 400", async () => {
        await ensureMount("auth", "approle", { type: "approle" });
        const role = `wrap-${run}`;
        await api.post(`auth/approle/role/${role}`, { token_ttl: "1m", token_policies: ["default"] });
        const w = await api.post(`auth/approle/role/${role}/secret-id`, {}, { headers: { "X-Vault-Wrap-TTL": "60s" } });
        expect(w.status).toBe(200);
        expect(w.body.data).toBeNull();
        expect(w.body.wrap_info).toMatchObject({ ttl: 60, creation_path: `auth/approle/role/${role}/secret-id` });
        expect(typeof w.body.wrap_info.wrapped_accessor).toBe("string");
        const wrapToken = w.body.wrap_info.token as string;
        const look = await api.post("sys/wrapping/lookup", { token: wrapToken }, { token: null });
        expect(look.status).toBe(200);
        expect(look.body.data.creation_ttl).toBe(60);
        const u = await api.post("sys/wrapping/unwrap", {}, { token: wrapToken });
        expect(u.status).toBe(200);
        expect(typeof u.body.data.secret_id).toBe("string");
        const roleId = (await api.get(`auth/approle/role/${role}/role-id`)).body.data.role_id;
        expect((await api.post("auth/approle/login", { role_id: roleId, secret_id: u.body.data.secret_id }, { token: null })).status).toBe(200);
        const again = await api.post("sys/wrapping/unwrap", {}, { token: wrapToken });
        expect([400, 403]).toContain(again.status);
        expectErrors(await api.post("sys/wrapping/unwrap", { token: wrapToken }), 400, "wrapping token is not valid or does not exist");
      });
    });

    describe("vault-dev modes", () => {
      devIt("answers 404 namespace not found for an unknown X-Vault-Namespace (as OpenBao)", async () => {
        const r = await api.get("secret/data/x", { headers: { "X-Vault-Namespace": `nope-${run}` } });
        expectErrors(r, 404, "namespace not found");
        expect((await api.post(`sys/namespaces/ns-${run}`, {})).status).toBe(200);
        expect((await api.get("sys/health", { headers: { "X-Vault-Namespace": `ns-${run}` } })).status).toBe(200);
      });

      devIt("a standby answers 307 to the active address, sys/health 429", async () => {
        const dev = target().dev!;
        const ctl = (method: string, body?: unknown) =>
          fetch(`${dev.url}/__dev/standby`, {
            method,
            headers: { "X-Vault-Token": dev.rootToken },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        expect((await ctl("POST", { redirect: "http://127.0.0.1:1" })).status).toBe(200);
        try {
          const r = await fetch(`${dev.url}/v1/secret/data/app?version=1`, { headers: { "X-Vault-Token": dev.rootToken }, redirect: "manual" });
          expect(r.status).toBe(307);
          expect(r.headers.get("location")).toBe("http://127.0.0.1:1/v1/secret/data/app?version=1");
          const h = await api.get("sys/health");
          expect(h.status).toBe(429);
          expect(h.body.standby).toBe(true);
        } finally {
          await ctl("DELETE");
        }
        expect((await api.get("sys/health")).status).toBe(200);
      });

      devIt("makes Kubernetes logins fail with 403 and JWT logins with 400 for N seconds", async () => {
        const dev = target().dev!;
        await api.post("auth/kubernetes/role/outage", {
          bound_service_account_names: ["app"],
          bound_service_account_namespaces: ["default"],
          token_policies: ["default"],
        });
        const login = () => api.post("auth/kubernetes/login", { role: "outage", jwt: signServiceAccountJwt({ serviceAccount: "app" }) }, { token: null });
        expect((await login()).status).toBe(200);
        const ctl = (body: unknown) =>
          fetch(`${dev.url}/__dev/auth-outage`, { method: "POST", headers: { "X-Vault-Token": dev.rootToken }, body: JSON.stringify(body) });
        expect((await ctl({ mount: "kubernetes", seconds: 1 })).status).toBe(200);
        expectErrors(await login(), 403, "permission denied");
        expect((await ctl({ mount: "jwt", seconds: 1 })).status).toBe(200);
        expectErrors(await api.post("auth/jwt/login", { role: "x", jwt: "a.b.c" }, { token: null }), 400, "error validating token");
        await sleep(1100);
        expect((await login()).status).toBe(200);
      });

      it("reports options: null for a bare kv mount", async () => {
        const path = `bare-${run}`;
        expect((await api.post(`sys/mounts/${path}`, { type: "kv" })).status).toBe(204);
        try {
          const m = await api.get(`sys/internal/ui/mounts/${path}`);
          expect(m.body.data.type).toBe("kv");
          expect(m.body.data.options).toBeNull();
        } finally {
          await api.del(`sys/mounts/${path}`);
        }
      });
    });

    describe("leases (sys/leases)", () => {
      it("answers an unknown lease the way Vault does", async () => {
        expectErrors(await api.put("sys/leases/renew", { lease_id: `database/creds/nope/${run}` }), 400, "lease not found");
        expectErrors(await api.put("sys/leases/lookup", { lease_id: `database/creds/nope/${run}` }), 400, "invalid lease");
        expect((await api.put("sys/leases/revoke", { lease_id: `database/creds/nope/${run}` })).status).toBe(204);
      });

      devIt("issues database credentials with a renewable lease capped at the role's max TTL", async () => {
        expect((await api.post("database/roles/app", { db_name: "pg", default_ttl: "1s", max_ttl: "2s" })).status).toBe(204);
        const c = await api.get("database/creds/app");
        expect(c.status).toBe(200);
        expectEnvelope(c);
        expect(c.body.lease_id).toMatch(/^database\/creds\/app\/\S+$/);
        expect(c.body.renewable).toBe(true);
        expect(c.body.lease_duration).toBe(1);
        expect(Object.keys(c.body.data).sort()).toEqual(["password", "username"]);
        const leaseId = c.body.lease_id as string;

        const look = await api.put("sys/leases/lookup", { lease_id: leaseId });
        expect(look.status).toBe(200);
        expect(look.body.data).toMatchObject({ id: leaseId, renewable: true, last_renewal: null });
        expect(look.body.data.ttl).toBeLessThanOrEqual(1);

        const r = await api.put("sys/leases/renew", { lease_id: leaseId, increment: 10 });
        expect(r.status).toBe(200);
        expectEnvelope(r);
        expect(r.body.lease_id).toBe(leaseId);
        expect(r.body.renewable).toBe(true);
        expect(r.body.lease_duration).toBeLessThanOrEqual(2);
        expect(r.body.warnings.join("\n")).toMatch(/TTL of "10s" exceeded the effective max_ttl of "\d+s"; TTL value is capped accordingly/);

        await sleep(2200);
        expectErrors(await api.put("sys/leases/renew", { lease_id: leaseId }), 400, "lease not found");
        expectErrors(await api.get("database/creds/nope"), 400, "unknown role: nope");
      });

      devIt("lists live lease ids under a prefix (sudo), so operators and tests can count leases", async () => {
        await api.post("database/roles/count", { default_ttl: "1h", max_ttl: "2h" });
        const a = await api.get("database/creds/count");
        const b = await api.get("database/creds/count");
        const l = await api.list("sys/leases/lookup/database/creds/count/");
        expect(l.status).toBe(200);
        expect(l.body.data.keys.sort()).toEqual([a.body.lease_id, b.body.lease_id].map((id: string) => id.split("/").pop()).sort());
        const pol = `lease-reader-${run}`;
        await api.put(`sys/policies/acl/${pol}`, { policy: `path "sys/leases/lookup/*" { capabilities = ["list"] }` });
        const noSudo = (await api.post("auth/token/create", { policies: [pol], ttl: "1m" })).body.auth.client_token;
        expectErrors(await api.list("sys/leases/lookup/database/creds/count/", { token: noSudo }), 403, "permission denied");
        await api.put(`sys/policies/acl/${pol}`, { policy: `path "sys/leases/lookup/*" { capabilities = ["list", "sudo"] }` });
        expect((await api.list("sys/leases/lookup/database/creds/count/", { token: noSudo })).status).toBe(200);
      });

      devIt("revokes a lease with no ownership check: the policy on sys/leases/revoke decides", async () => {
        await api.post("database/roles/own", { default_ttl: "1h", max_ttl: "2h" });
        const c = await api.get("database/creds/own");
        const pol = `revoker-${run}`;
        await api.put(`sys/policies/acl/${pol}`, { policy: `path "sys/leases/revoke" { capabilities = ["update"] }` });
        const plain = (await api.post("auth/token/create", { policies: ["default"], ttl: "1m" })).body.auth.client_token;
        expectErrors(await api.put("sys/leases/revoke", { lease_id: c.body.lease_id }, { token: plain }), 403, "permission denied");
        const other = (await api.post("auth/token/create", { policies: [pol], ttl: "1m" })).body.auth.client_token;
        expect((await api.put("sys/leases/revoke", { lease_id: c.body.lease_id }, { token: other })).status).toBe(204);
      });

      devIt("keeps a lease whose revocation failed: lookup 200 with ttl <= 0 and revoke_error", async () => {
        const dev = target().dev!;
        await api.post("database/roles/stuck", { default_ttl: "1s", max_ttl: "1s" });
        const c = await api.get("database/creds/stuck");
        const ctl = (body: unknown) =>
          fetch(`${dev.url}/__dev/lease-revoke-failures`, { method: "POST", headers: { "X-Vault-Token": dev.rootToken }, body: JSON.stringify(body) });
        expect((await ctl({ prefix: "database/creds/stuck/" })).status).toBe(200);
        try {
          dev.advanceClock(2);
          const look = await api.put("sys/leases/lookup", { lease_id: c.body.lease_id });
          expect(look.status).toBe(200);
          expect(look.body.data.ttl).toBeLessThanOrEqual(0);
          expect(look.body.data.revoke_error).toMatch(/revocation failure/);
          expectErrors(await api.put("sys/leases/renew", { lease_id: c.body.lease_id }), 400, "lease not found");
        } finally {
          await ctl({ prefix: null });
        }
        dev.advanceClock(1);
        expectErrors(await api.put("sys/leases/lookup", { lease_id: c.body.lease_id }), 400, "invalid lease");
      });

      devIt("revokes a lease", async () => {
        await api.post("database/roles/long", { default_ttl: "1h", max_ttl: "2h" });
        const c = await api.get("database/creds/long");
        const id = c.body.lease_id as string;
        expect((await api.put("sys/leases/revoke", { lease_id: id })).status).toBe(204);
        expectErrors(await api.put("sys/leases/renew", { lease_id: id }), 400, "lease not found");
        expect(target().dev!.verifyDatabaseCredential(c.body.data.username, c.body.data.password)).toBe(false);
      });
    });
  });
}
