/** Seed files, namespaces and the programmatic helpers. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { client } from "../test/client.js";
import { signJwt, signServiceAccountJwt } from "./jwt.js";
import { SeedError } from "./seed.js";
import { startVaultDev, type VaultDev } from "./server.js";

const SEED = `
policies:
  reader: |
    path "secret/data/app/*" { capabilities = ["read"] }
  lister: { path: { "secret/metadata/*": { capabilities: [list] } } }
kv2:
  app/db: { username: app, password: s3cr3t }
  app/api: { key: abc }
kv1:
  legacy/api: { key: abc, ttl: 1h }
approle:
  app: { role_id: app-role, secret_id: [app-secret, other-secret], token_ttl: 3s, token_max_ttl: 10s, token_policies: [reader] }
kubernetes:
  signing_key: k8s-key
  app:
    bound_service_account_names: [app]
    bound_service_account_namespaces: [default]
    token_ttl: 3s
jwt:
  signing_key: jwt-key
  roles:
    ci: { bound_audiences: [stowaway], user_claim: sub, token_ttl: 30s }
database:
  roles:
    app: { default_ttl: 3s, max_ttl: 9s }
tokens:
  - { id: fixed-token, policies: [reader], ttl: 1h, explicit_max_ttl: 2h }
  - { id: periodic-token, period: 30s }
mounts:
  team/: { type: kv, version: 2, secrets: { "shared/cfg": { a: "1" } } }
auth:
  k8s-prod/: { type: kubernetes, signing_key: prod-key, roles: { web: { bound_service_account_names: [web], bound_service_account_namespaces: ["prod-*"] } } }
namespaces:
  team-a:
    kv2: { "only/here": { in: team-a } }
`;

let dev: VaultDev | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

function seedFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "vault-dev-seed-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, "seed.yaml");
  writeFileSync(f, text);
  return f;
}

describe("seed file", () => {
  it("loads every section from YAML", async () => {
    dev = await startVaultDev({ seed: seedFile(SEED), rootToken: "root" });
    const api = client(() => ({ url: dev!.url, token: "root" }));

    expect((await api.get("secret/data/app/db")).body.data.data).toEqual({ username: "app", password: "s3cr3t" });
    expect((await api.list("secret/metadata/app")).body.data.keys).toEqual(["api", "db"]);
    const v1 = await api.get("kv/legacy/api");
    expect(v1.body.lease_duration).toBe(3600);

    for (const secret of ["app-secret", "other-secret"]) {
      const l = await api.post("auth/approle/login", { role_id: "app-role", secret_id: secret }, { token: null });
      expect(l.status).toBe(200);
      expect(l.body.auth.lease_duration).toBe(3);
      expect(l.body.auth.policies).toEqual(["default", "reader"]);
    }

    const k = await api.post("auth/kubernetes/login", { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app", key: "k8s-key" }) }, { token: null });
    expect(k.status).toBe(200);
    const kDefaultKey = await api.post("auth/kubernetes/login", { role: "app", jwt: signServiceAccountJwt({ serviceAccount: "app" }) }, { token: null });
    expect(kDefaultKey.status).toBe(403);

    const prod = await api.post(
      "auth/k8s-prod/login",
      {
        role: "web",
        jwt: signServiceAccountJwt({ serviceAccount: "web", namespace: "prod-eu", key: "prod-key" }),
      },
      { token: null },
    );
    expect(prod.status).toBe(200);

    const j = await api.post("auth/jwt/login", { role: "ci", jwt: signJwt({ sub: "pipeline", aud: "stowaway" }, "jwt-key") }, { token: null });
    expect(j.status).toBe(200);
    expect(j.body.auth.lease_duration).toBe(30);

    const c = await api.get("database/creds/app");
    expect(c.body.lease_duration).toBe(3);

    const fixed = await api.get("auth/token/lookup-self", { token: "fixed-token" });
    expect(fixed.body.data).toMatchObject({ policies: ["default", "reader"], explicit_max_ttl: 7200 });
    expect(fixed.body.data.ttl).toBeGreaterThan(3500);
    const periodic = await api.get("auth/token/lookup-self", { token: "periodic-token" });
    expect(periodic.body.data.period).toBe(30);
    const renewed = await api.post("auth/token/renew-self", { increment: "1h" }, { token: "periodic-token" });
    expect(renewed.body.auth.lease_duration).toBe(30);

    expect((await api.get("secret/data/app/db", { token: "fixed-token" })).status).toBe(200);
    // The seed's policies are enforced: reader allows secret/data/app/* and nothing else.
    expect((await api.get("kv/legacy/api", { token: "fixed-token" })).status).toBe(403);
    expect((await api.get("sys/policies/acl/lister")).body.data.policy).toContain("secret/metadata/*");
    // A seeded token that names no policies gets vault-dev-seed: read and list everything.
    expect((await api.get("kv/legacy/api", { token: "periodic-token" })).status).toBe(200);
    expect((await api.post("kv/legacy/api", { key: "x" }, { token: "periodic-token" })).status).toBe(403);
    expect((await api.get("team/data/shared/cfg")).body.data.data).toEqual({ a: "1" });
    const m = await api.get("sys/internal/ui/mounts/team");
    expect(m.body.data.options.version).toBe("2");
    expect((await api.get("secret/data/only/here")).status).toBe(404);
    expect((await api.get("team-a/secret/data/only/here")).body.data.data).toEqual({ in: "team-a" });
  });

  it("reports a YAML syntax error with file and line", async () => {
    const f = seedFile("kv2:\n  a: [unclosed\n");
    await expect(startVaultDev({ seed: f })).rejects.toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+`));
  });

  it("names the key path of an invalid value", async () => {
    await expect(startVaultDev({ seed: { database: { roles: { app: { default_ttl: "soon" } } } } })).rejects.toThrow(/database\.roles\.app/);
    await expect(startVaultDev({ seed: { kv2: { x: "not a mapping" } } as never })).rejects.toThrow(SeedError);
    await expect(startVaultDev({ seed: "/no/such/seed.yaml" })).rejects.toThrow(/cannot read seed file/);
  });

  it("accepts an object and JSON", async () => {
    dev = await startVaultDev({ seed: seedFile(JSON.stringify({ kv2: { j: { a: 1 } } })) });
    expect((await client(() => ({ url: dev!.url, token: dev!.rootToken })).get("secret/data/j")).body.data.data).toEqual({ a: 1 });
  });
});

describe("namespaces", () => {
  it("treats X-Vault-Namespace as a path prefix", async () => {
    dev = await startVaultDev();
    const api = client(() => ({ url: dev!.url, token: dev!.rootToken }));
    // As in OpenBao, a namespace must exist before a request names it.
    const unknown = await api.get("secret/data/x", { headers: { "X-Vault-Namespace": "team-a" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual(["namespace not found"]);
    expect((await api.post("sys/namespaces/team-a", {})).status).toBe(200);
    const w = await api.post("secret/data/x", { data: { ns: "a" } }, { headers: { "X-Vault-Namespace": "team-a/" } });
    expect(w.status).toBe(200);
    expect((await api.get("team-a/secret/data/x")).body.data.data).toEqual({ ns: "a" });
    expect((await api.get("secret/data/x", { headers: { "X-Vault-Namespace": "team-a" } })).body.data.data).toEqual({ ns: "a" });
    expect((await api.get("secret/data/x")).status).toBe(404);
    await api.post("sys/namespaces/team-b", {});
    expect((await api.list("sys/namespaces")).body.data.keys).toEqual(["team-a/", "team-b/"]);
    expect((await api.get("secret/data/x", { headers: { "X-Vault-Namespace": "team-b" } })).status).toBe(404);
  });
});

describe("mount management", () => {
  it("enables and disables engines and auth methods", async () => {
    dev = await startVaultDev();
    const api = client(() => ({ url: dev!.url, token: dev!.rootToken }));
    expect((await api.post("sys/mounts/kv2", { type: "kv", options: { version: "2" } })).status).toBe(204);
    expect((await api.post("sys/mounts/kv2", { type: "kv" })).body.errors).toEqual(["path is already in use at kv2/"]);
    expect((await api.post("sys/mounts/x", { type: "aws" })).body.errors[0]).toContain("plugin not found");
    expect((await api.post("kv2/data/a", { data: { b: 1 } })).status).toBe(200);
    const mounts = await api.get("sys/mounts");
    expect(mounts.body.data["kv2/"].options).toEqual({ version: "2" });
    expect(mounts.body["kv2/"].type).toBe("kv");
    expect((await api.post("sys/auth/approle2", { type: "approle" })).status).toBe(204);
    expect(Object.keys((await api.get("sys/auth")).body.data)).toContain("approle2/");
    expect((await api.del("sys/mounts/kv2")).status).toBe(204);
    expect((await api.get("kv2/data/a")).status).toBe(404);
  });
});

describe("programmatic helpers", () => {
  it("creates tokens, seeds later and advances the clock", async () => {
    dev = await startVaultDev();
    const api = client(() => ({ url: dev!.url, token: dev!.rootToken }));
    dev.seed({ kv2: { later: { a: "b" } } });
    dev.seed({ kv2: { nsd: { a: "c" } } }, "team-z");
    expect((await api.get("secret/data/later")).body.data.data).toEqual({ a: "b" });
    expect((await api.get("team-z/secret/data/nsd")).body.data.data).toEqual({ a: "c" });
    dev.seed({ tokens: { "alias-token": { ttl: "10m", max_ttl: "30m" } } });
    expect((await api.get("auth/token/lookup-self", { token: "alias-token" })).body.data).toMatchObject({ explicit_max_ttl: 1800, creation_ttl: 600 });
    const t = dev.createToken({ ttl: "5s" });
    expect((await api.get("auth/token/lookup-self", { token: t })).body.data.policies).toEqual(["default", "vault-dev-seed"]);
    dev.advanceClock(6);
    expect((await api.get("auth/token/lookup-self", { token: t })).status).toBe(403);
    expect(dev.revokeAllTokens({ includeRoot: true })).toBe(2); // root and alias-token
    expect((await api.get("auth/token/lookup-self")).status).toBe(403);
  });
});
