// The config schema written with zod/mini against the classic-zod schema it replaces: the same
// result for generated configs, valid and invalid (the parsed config, or the issues with their
// paths, codes and messages, byte for byte).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigSchema as Classic } from "./schema-classic.js";
import { ConfigSchema as Mini } from "./schema.js";

const odd = fc.constantFrom<unknown>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1,
  8,
  300,
  257,
  1023,
  2048,
  2 ** 31,
  400,
  999,
  644,
  "",
  " ",
  "x",
  "5s",
  "200ms",
  "1m30s",
  "1h",
  "5",
  "-1s",
  "0400",
  "0644",
  "0999",
  "400",
  "/abs",
  "/run/secrets",
  "rel/file.env",
  "db.env",
  "../up",
  "a/../b",
  "./",
  ".",
  "sub/./x",
  "y/",
  "a\\b",
  "a\0b",
  "secret/data/app",
  "/secret/data/x",
  "v1/secret",
  "a b",
  "p?q",
  "pki/issue/web",
  "pki/issue/",
  "http://h:8200",
  "https://vault.example",
  "https://u:p@h",
  "ftp://x",
  "http://h/path",
  "http://h:80/",
  "not a url",
  "SIGHUP",
  "SIGTERM",
  "SIGFOO",
  "HUP",
  "restart",
  "signal",
  "none",
  "raw",
  "dotenv",
  "json",
  "template",
  "pem",
  "der",
  "pkcs8",
  "pem_bundle",
  "approle",
  "token",
  "kubernetes",
  "jwt",
  "127.0.0.1:8099",
  "0.0.0.0:9",
  "never",
  "always",
  "on-failure",
  "GET",
  "POST",
  "DELETE",
  "k8s/cluster-a",
  "bad mount",
  "g1",
  "bad group!",
  "{{ .password }}",
  {},
  [],
  ["a"],
  [""],
  ["a", "b"],
  ["https://standby:8200"],
  { a: 1 },
  { address: "127.0.0.1:1", quit: true },
  { method: "token" },
  { path: "secret/data/a" },
  { path: "secret/data/a", key: "k" },
  { cert: "tls/c.pem", key: "tls/k.pem" },
  { commonName: "web" },
);
const value = fc.oneof({ weight: 5, arbitrary: odd }, { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) });

const secretKeys = [
  "path",
  "file",
  "issue",
  "files",
  "renewBefore",
  "revokePrevious",
  "keyMode",
  "group",
  "format",
  "key",
  "template",
  "mode",
  "uid",
  "gid",
  "refreshInterval",
  "notify",
  "onChange",
  "extra",
];
const paths: (string | number)[][] = [
  ["vault"],
  ["vault", "address"],
  ["vault", "namespace"],
  ["vault", "tls"],
  ["vault", "tls", "caCert"],
  ["vault", "tls", "insecureSkipVerify"],
  ["vault", "tls", "serverName"],
  ["vault", "tls", "bogus"],
  ["vault", "timeout"],
  ["vault", "maxConcurrency"],
  ["vault", "followRedirects"],
  ["vault", "followRedirects", 0],
  ["vault", "maxResponseBytes"],
  ["vault", "retry"],
  ["vault", "retry", "initial"],
  ["vault", "retry", "max"],
  ["vault", "auth"],
  ["vault", "auth", "method"],
  ["vault", "auth", "tokenFile"],
  ["vault", "auth", "roleId"],
  ["vault", "auth", "roleIdFile"],
  ["vault", "auth", "secretIdFile"],
  ["vault", "auth", "secretIdWrapped"],
  ["vault", "auth", "mount"],
  ["vault", "auth", "role"],
  ["vault", "auth", "jwtFile"],
  ["vault", "extra"],
  ["output"],
  ["output", "dir"],
  ["output", "allowNonTmpfs"],
  ["output", "mode"],
  ["output", "uid"],
  ["output", "gid"],
  ["output", "removeOnExit"],
  ["listen"],
  ["listen", "address"],
  ["listen", "quit"],
  ["defaults"],
  ["defaults", "refreshInterval"],
  ["defaults", "revokeOld"],
  ["notify"],
  ["notify", "debounce"],
  ["notify", "signal"],
  ["notify", "pidFile"],
  ["notify", "process"],
  ["notify", "command"],
  ["notify", "commandTimeout"],
  ["notify", "http"],
  ["notify", "http", "url"],
  ["notify", "http", "method"],
  ["notify", "http", "timeout"],
  ["notify", "http", "retries"],
  ["reload"],
  ["reload", "watch"],
  ["revokeOnExit"],
  ["env"],
  ["env", "DB_PASS"],
  ["env", "DB_PASS", "path"],
  ["env", "DB_PASS", "key"],
  ["env", "DB_PASS", "onChange"],
  ["env", "DB_PASS", "refreshInterval"],
  ["env", "DB_*"],
  ["env", "DB_*", "key"],
  ["env", "1BAD"],
  ["env", "*"],
  ["exec"],
  ["exec", "onChange"],
  ["exec", "signal"],
  ["exec", "stopSignal"],
  ["exec", "stopTimeout"],
  ["exec", "debounce"],
  ["exec", "restartOnExit"],
  ["exec", "crashLoop"],
  ["exec", "crashLoop", "maxExits"],
  ["exec", "crashLoop", "window"],
  ["secrets"],
  ["extra"],
  ...[0, 1, 2].flatMap((i) => [
    ["secrets", i],
    ...secretKeys.map((k) => ["secrets", i, k]),
    ...["commonName", "altNames", "ipSans", "ttl", "format", "privateKeyFormat", "excludeCnFromSans"].map((k) => ["secrets", i, "issue", k]),
    ...["cert", "key", "ca", "chain", "bundle"].map((k) => ["secrets", i, "files", k]),
    ["secrets", i, "notify", "signal"],
    ["secrets", i, "notify", "process"],
  ]),
];

const auth = fc.constantFrom(
  { method: "token" },
  { method: "token", tokenFile: "/t" },
  { method: "approle", roleIdFile: "/r", secretIdFile: "/s" },
  { method: "approle", roleId: "r", secretIdFile: "/s", secretIdWrapped: true, mount: "approle" },
  { method: "kubernetes", role: "app" },
  { method: "jwt", role: "app", jwtFile: "/jwt", mount: "k8s/cluster-a" },
);
const secret = fc.oneof(
  fc
    .record(
      { path: fc.constantFrom("secret/data/app/db", "kv/app", "/secret/data/x"), file: fc.constantFrom("db.env", "sub/db.env", "a.json", "sub/./x") },
      { requiredKeys: ["path"] },
    )
    .chain((s) =>
      fc
        .record(
          {
            format: fc.constantFrom("raw", "dotenv", "json", "template"),
            key: fc.constantFrom("password", ""),
            template: fc.constant("{{ .x }}"),
            group: fc.constantFrom("g1", "g2"),
            mode: fc.constantFrom("0440", 400),
            refreshInterval: fc.constantFrom("30s", "1m"),
            notify: fc.constantFrom({ signal: "SIGHUP", process: "nginx" }, { http: { url: "http://127.0.0.1:9/reload" } }, { signal: "SIGHUP" }),
          },
          { requiredKeys: [] },
        )
        .map((extra) => ({ ...s, ...extra })),
    ),
  fc
    .record({
      path: fc.constantFrom("secret/data/app/db", "kv/app", "database/creds/app"),
      file: fc.constantFrom("db.env", "sub/db.env", "a.json", "y/"),
      extra: fc.constantFrom(
        {},
        { format: "raw", key: "password" },
        { format: "json", key: "k" },
        { format: "template", template: "{{ .x }}" },
        { group: "g1", mode: 288 },
        { uid: 1000, gid: 0, refreshInterval: "1m30s", onChange: "none" },
        { notify: { signal: "SIGHUP", pidFile: "/p" } },
        { notify: { command: ["kill", "-HUP", "1"], http: { url: "https://h/r", method: "PUT", retries: 0 } } },
      ),
    })
    .map(({ extra, ...s }) => ({ ...s, ...extra })),
  fc.record(
    {
      path: fc.constantFrom("pki/issue/web", "pki/issue/api", "secret/data/x"),
      issue: fc.constantFrom({ commonName: "web.example" }, { commonName: "api", altNames: ["a"], ttl: "24h", format: "pem_bundle" }),
      files: fc.constantFrom({ cert: "tls/c.pem", key: "tls/k.pem" }, { bundle: "b.pem" }, { cert: "a/c.pem", key: "b/k.pem" }, { cert: "c.pem", ca: "c.pem" }),
      file: fc.constant("tls/t.conf"),
      template: fc.constant("{{ .cert }}"),
      renewBefore: fc.constant("1h"),
      revokePrevious: fc.constantFrom(false, "10m"),
      keyMode: fc.constant("0400"),
      group: fc.constantFrom("g1", "pki"),
    },
    { requiredKeys: ["path", "issue"] },
  ),
);
const base = fc.record(
  {
    vault: fc.record(
      {
        address: fc.constantFrom("http://127.0.0.1:8200", "https://Vault.Example:443"),
        auth,
        followRedirects: fc.constantFrom(["https://standby.example:8200"], ["http://a:80"]),
        maxConcurrency: fc.integer({ min: 1, max: 16 }),
      },
      { requiredKeys: ["address", "auth"] },
    ),
    output: fc.record({ dir: fc.constant("/run/secrets"), mode: fc.constantFrom("0400", 440, "0644"), uid: fc.nat(2000) }, { requiredKeys: ["dir"] }),
    listen: fc.constantFrom(false, "127.0.0.1:8099", { quit: true }, { address: "0.0.0.0:8099" }),
    defaults: fc.record({ refreshInterval: fc.constant("1m"), revokeOld: fc.constantFrom(false, "10s") }, { requiredKeys: [] }),
    env: fc.constantFrom({}, { DB_PASS: { path: "secret/data/db", key: "password" } }, { "DB_*": { path: "secret/data/db", onChange: "signal" } }),
    exec: fc.record(
      { onChange: fc.constantFrom("restart", "none"), restartOnExit: fc.constant("on-failure"), crashLoop: fc.constant({ maxExits: 3 }) },
      { requiredKeys: [] },
    ),
    secrets: fc.array(secret, { maxLength: 4 }),
  },
  { requiredKeys: ["vault", "output"] },
);

function setAt(root: Record<string, unknown>, path: (string | number)[], v: unknown, remove: boolean): void {
  let cur: Record<string | number, unknown> = root;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== "object") cur[p] = typeof p === "number" ? {} : {};
    cur = cur[p] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (remove) delete cur[last];
  else cur[last] = v;
}

const mutation = fc.record({ path: fc.constantFrom(...paths), value, remove: fc.integer({ min: 0, max: 9 }).map((n) => n < 3) });
const mutations = fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) });
const config = fc.tuple(base, mutations).map(([b, ms]) => {
  const c = structuredClone(b) as Record<string, unknown>;
  for (const m of ms) setAt(c, m.path, structuredClone(m.value), m.remove);
  return c;
});

describe("the zod/mini config schema", () => {
  it("gives what the classic schema gave, for generated configs valid and invalid", () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 20, arbitrary: config }, { weight: 1, arbitrary: value }), (input) => {
        const want = Classic.safeParse(structuredClone(input));
        const got = Mini.safeParse(structuredClone(input));
        expect(got.success).toBe(want.success);
        if (want.success) {
          valid++;
          expect(got.data).toStrictEqual(want.data);
        } else {
          invalid++;
          expect(JSON.stringify(got.error?.issues)).toBe(JSON.stringify(want.error.issues));
        }
      }),
      { numRuns: 4000 },
    );
    // Both kinds, in numbers: a generator that made only one would prove little.
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(300);
  });
});
