import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, type YAMLMap, type YAMLSeq } from "yaml";
import { injectCommand, type InjectCommandOptions } from "./inject.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const example = (path: string) => join(root, "examples", path);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp directory holding `files`; the command runs with it as cwd. */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-inject-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function inject(opts: Partial<InjectCommandOptions> & { file: string; config: string }, cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await injectCommand(opts, { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

const SIDECAR = `vault:
  address: http://vault:8200
  auth:
    method: approle
    roleIdFile: /run/secrets/role_id
    secretIdFile: /run/secrets/secret_id
output: { dir: /run/secrets/app, mode: "0400", uid: 1000, gid: 1000 }
listen: 127.0.0.1:8099
notify: { debounce: 1s, signal: SIGHUP, process: app }
secrets:
  - { path: secret/data/app/db, file: db.env, format: dotenv }
`;

const K8S_SIDECAR = `vault:
  address: http://vault.vault.svc:8200
  auth: { method: kubernetes, role: app, jwtFile: /var/run/secrets/vault/token }
output: { dir: /run/secrets/app, uid: 1000, gid: 1000 }
notify: { signal: SIGHUP, process: app }
secrets:
  - { path: secret/data/app/db, file: db.env }
`;

describe("inject: compose", () => {
  const COMPOSE = `# My stack. Keep this comment.
services:
  db:
    image: postgres:17   # pinned on purpose
  app:
    image: registry.example.com/app:1.0.0
    # the app waits for the database
    depends_on:
      - db
    volumes:
      - ./data:/data
secrets:
  role_id:
    file: ./role_id
  secret_id:
    file: ./secret_id
`;

  it("adds the sidecar service, the tmpfs volume, the config and the app's wiring", async () => {
    const cwd = workspace({ "compose.yaml": COMPOSE, "sidecar.yaml": SIDECAR });
    const { code, out, err } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(err).toBe("");
    expect(code).toBe(0);
    const c = parse(out);
    expect(c.services["app-sidecar"]).toEqual({
      image: "ghcr.io/stowaway/sidecar:0.1.0",
      command: ["sidecar", "--config", "/etc/stowaway/sidecar.yaml"],
      user: "1000:1000",
      read_only: true,
      cap_drop: ["ALL"],
      security_opt: ["no-new-privileges:true"],
      restart: "unless-stopped",
      configs: [{ source: "app-sidecar-config", target: "/etc/stowaway/sidecar.yaml" }],
      secrets: ["role_id", "secret_id"],
      volumes: ["app-secrets:/run/secrets/app"],
      healthcheck: expect.objectContaining({ test: ["CMD", "node", "-e", expect.stringContaining("http://127.0.0.1:8099/readyz")] }),
    });
    expect(c.services.app.depends_on).toEqual({ db: { condition: "service_started" }, "app-sidecar": { condition: "service_healthy" } });
    expect(c.services.app.volumes).toEqual(["./data:/data", "app-secrets:/run/secrets/app:ro"]);
    expect(c.services.app.pid).toBe("service:app-sidecar");
    expect(c.volumes["app-secrets"]).toEqual({
      driver: "local",
      driver_opts: { type: "tmpfs", device: "tmpfs", o: "size=4m,uid=1000,gid=1000,mode=0750" },
    });
    expect(c.configs["app-sidecar-config"]).toEqual({ file: "./sidecar.yaml" });
    // The rest of the file is as it was.
    expect(c.services.db).toEqual({ image: "postgres:17" });
    expect(out).toContain("# My stack. Keep this comment.\n");
    expect(out).toContain("image: postgres:17 # pinned on purpose\n");
    expect(out).toContain("    # the app waits for the database\n");
    // The sidecar sits right after the app it serves.
    expect(Object.keys(c.services)).toEqual(["db", "app", "app-sidecar"]);
  });

  it("is idempotent: injecting its own output changes nothing", async () => {
    const cwd = workspace({ "compose.yaml": COMPOSE, "sidecar.yaml": SIDECAR });
    const first = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml", output: "compose.injected.yaml" }, cwd);
    expect(first.code).toBe(0);
    const once = readFileSync(join(cwd, "compose.injected.yaml"), "utf8");
    const second = await inject({ file: "compose.injected.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(second.code).toBe(0);
    expect(second.out).toBe(once);
  });

  it("leaves the example compose file byte-identical (the example is what inject produces)", async () => {
    const { code, out } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, example("compose"));
    expect(code).toBe(0);
    expect(out).toBe(readFileSync(example("compose/compose.yaml"), "utf8"));
  });

  it("produces the example's wiring from the example without it", async () => {
    const full = parse(readFileSync(example("compose/compose.yaml"), "utf8"));
    const base = structuredClone(full);
    delete base.services["app-sidecar"];
    delete base.volumes;
    delete base.configs["app-sidecar-config"];
    delete base.services.app.depends_on;
    delete base.services.app.pid;
    base.services.app.volumes = base.services.app.volumes.filter((v: string) => !v.startsWith("app-secrets:"));
    const cwd = workspace({ "compose.yaml": JSON.stringify(base), "sidecar.yaml": readFileSync(example("compose/sidecar.yaml"), "utf8") });
    const { code, out } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml", image: "stowaway/sidecar:dev" }, cwd);
    expect(code).toBe(0);
    const injected = parse(out);
    // The two things the example adds by hand: the sidecar waits for vault-dev.
    injected.services["app-sidecar"].depends_on = { vault: { condition: "service_healthy" } };
    expect(injected).toEqual(full);
  });

  it("keeps the map form of depends_on and the keys already in it", async () => {
    const cwd = workspace({
      "compose.yaml": `services:
  app:
    image: app:1
    depends_on:
      db: { condition: service_healthy, restart: true }
  db:
    image: postgres:17
`,
      "sidecar.yaml": SIDECAR,
    });
    const { code, out } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    expect(parse(out).services.app.depends_on).toEqual({
      db: { condition: "service_healthy", restart: true },
      "app-sidecar": { condition: "service_healthy" },
    });
    expect(out).toContain("db: { condition: service_healthy, restart: true }");
  });

  it("copies volumes and depends_on that the app inherits through a merge key before adding to them", async () => {
    const cwd = workspace({
      "compose.yaml": `x-base: &base
  volumes: [./shared:/shared]
  depends_on: [db]
services:
  db:
    image: postgres:17
  app:
    <<: *base
    image: app:1
`,
      "sidecar.yaml": SIDECAR,
    });
    const { code, out } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    const app = parse(out, { merge: true }).services.app;
    expect(app.volumes).toEqual(["./shared:/shared", "app-secrets:/run/secrets/app:ro"]);
    expect(app.depends_on).toEqual({ db: { condition: "service_started" }, "app-sidecar": { condition: "service_healthy" } });
    expect(out).toContain("<<: *base");
    const again = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, workspace({ "compose.yaml": out, "sidecar.yaml": SIDECAR }));
    expect(again.out).toBe(out);
  });

  it("makes an existing mount of the secrets volume in the app read-only", async () => {
    const cwd = workspace({
      "compose.yaml":
        "services:\n  app:\n    volumes:\n      - app-secrets:/run/secrets/app\n  web:\n    volumes:\n      - { type: volume, source: web-secrets, target: /run/secrets/app }\n",
      "sidecar.yaml": SIDECAR,
    });
    const app = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(parse(app.out).services.app.volumes).toEqual(["app-secrets:/run/secrets/app:ro"]);
    const web = await inject({ file: "compose.yaml", service: "web", config: "sidecar.yaml" }, cwd);
    expect(parse(web.out).services.web.volumes).toEqual([{ type: "volume", source: "web-secrets", target: "/run/secrets/app", read_only: true }]);
  });

  it("keeps a file's own indentation (four spaces here) for what it adds", async () => {
    const src = 'services:\n    app:\n        image: app:1\n        ports:\n            - "8080:8080"\n';
    const cwd = workspace({ "compose.yaml": src, "sidecar.yaml": SIDECAR });
    const { out } = await inject({ file: "compose.yaml", config: "sidecar.yaml" }, cwd);
    expect(out.startsWith('services:\n    app:\n        image: app:1\n        ports:\n            - "8080:8080"\n')).toBe(true);
    expect(out).toContain("\n    app-sidecar:\n        image: ");
    expect(out).toContain("\nvolumes:\n    app-secrets:\n        driver: local\n");
  });

  it("keeps CRLF line endings", async () => {
    const cwd = workspace({ "compose.yaml": "services:\r\n  app:\r\n    image: x:1\r\n", "sidecar.yaml": SIDECAR });
    const { code, out } = await inject({ file: "compose.yaml", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    expect(out.split("\r\n").length).toBeGreaterThan(20);
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("warns when the app runs as another user than the one the files belong to", async () => {
    const cwd = workspace({ "compose.yaml": 'services:\n  app:\n    user: "2000:2000"\n', "sidecar.yaml": SIDECAR });
    const { code, err } = await inject({ file: "compose.yaml", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    expect(err).toMatch(/service "app" runs as user 2000, but the secret files belong to 1000 \(output\.uid\): set output\.uid to 2000/);
  });

  it("picks the only service without --service, honours --image and resolves the config relative to -o", async () => {
    const cwd = workspace({ "stack/compose.yaml": "services:\n  web:\n    image: web:1\n", "conf/sidecar.yaml": SIDECAR });
    const { code } = await inject(
      { file: "stack/compose.yaml", config: "conf/sidecar.yaml", image: "registry.example.com/sidecar:9", output: "out/compose.yaml" },
      cwd,
    );
    expect(code).toBe(0);
    const c = parse(readFileSync(join(cwd, "out/compose.yaml"), "utf8"));
    expect(c.services["web-sidecar"].image).toBe("registry.example.com/sidecar:9");
    expect(c.configs["web-sidecar-config"].file).toBe("../conf/sidecar.yaml");
  });

  it("keeps an existing sidecar's image unless --image is given", async () => {
    const cwd = workspace({ "compose.yaml": COMPOSE, "sidecar.yaml": SIDECAR });
    await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml", image: "mine:1", output: "compose.yaml" }, cwd);
    const again = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(parse(again.out).services["app-sidecar"].image).toBe("mine:1");
  });

  it("warns when notify.http points at loopback, which in compose is the sidecar itself", async () => {
    const config = SIDECAR.replace("notify: { debounce: 1s, signal: SIGHUP, process: app }", 'notify: { http: { url: "http://127.0.0.1:8080/-/reload" } }');
    const cwd = workspace({ "compose.yaml": COMPOSE, "sidecar.yaml": config });
    const { code, out, err } = await inject({ file: "compose.yaml", service: "app", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    expect(err).toMatch(/notify\.http\.url http:\/\/127\.0\.0\.1:8080\/-\/reload is loopback.*http:\/\/app:PORT/);
    // No signals, so no shared PID namespace.
    expect(parse(out).services.app.pid).toBeUndefined();
  });

  it.each([
    ["an unknown service", { service: "nope" }, COMPOSE, /no service named "nope" in the compose file \(services: db, app\)/],
    ["several services and no --service", {}, COMPOSE, /the compose file has 2 services \(db, app\); name the app with --service/],
    ["--container on a compose file", { service: "app", container: "app" }, COMPOSE, /--container is for Kubernetes files; for compose use --service/],
    ["a file that is neither", { service: "app" }, "just: a mapping\n", /is neither a compose file \(top-level services:\) nor Kubernetes YAML/],
    ["a YAML syntax error", { service: "app" }, "services:\n  app: [\n", /compose\.yaml:\d+:\d+: invalid YAML /],
    [
      "another mount at output.dir",
      { service: "app" },
      "services:\n  app:\n    volumes: [./x:/run/secrets/app]\n",
      /already mounts something else at \/run\/secrets\/app/,
    ],
    [
      "a conflicting pid",
      { service: "app" },
      "services:\n  app:\n    pid: host\n",
      /sets pid: host; the sidecar's notify.signal needs pid: "service:app-sidecar"/,
    ],
  ])("refuses %s with exit 2 and writes nothing", async (_name, extra, compose, message) => {
    const cwd = workspace({ "compose.yaml": compose, "sidecar.yaml": SIDECAR });
    const { code, out, err } = await inject({ file: "compose.yaml", config: "sidecar.yaml", output: "out.yaml", ...extra }, cwd);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(message);
    expect(() => readFileSync(join(cwd, "out.yaml"))).toThrow();
  });

  it("refuses a missing input, a missing config and an invalid config", async () => {
    const cwd = workspace({ "compose.yaml": COMPOSE, "sidecar.yaml": SIDECAR, "bad.yaml": "vault: {}\noutput: {dir: relative}\nsecrets: []\n" });
    expect((await inject({ file: "nope.yaml", config: "sidecar.yaml" }, cwd)).err).toMatch(/cannot read nope\.yaml: ENOENT/);
    expect((await inject({ file: "compose.yaml", service: "app", config: "nope.yaml" }, cwd)).err).toMatch(/cannot read sidecar config nope\.yaml/);
    const bad = await inject({ file: "compose.yaml", service: "app", config: "bad.yaml" }, cwd);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid sidecar config bad\.yaml:\n {2}vault\.auth.*\n/);
    expect(bad.err).toMatch(/output\.dir \(line 2\): must be an absolute path/);
  });
});

describe("inject: Kubernetes", () => {
  const MULTI = `# Several workloads and some bystanders.
apiVersion: v1
kind: Service
metadata: {name: web}     # odd spacing, kept
spec:
  ports: [ {port: 80} ]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web          # flush sequences, as kubectl writes them
        image: nginx:1.27
      - name: metrics
        image: exporter:2
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: jobs
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: report:1
---
apiVersion: v1
kind: Secret
metadata:
  name: unrelated
stringData:
  note: "this document is not ours to touch"
...
`;

  /** The source text of the documents that are not workloads, for byte-for-byte comparison. */
  const bystanders = (text: string) => text.split(/^---\n/m).filter((d) => !/kind: (Deployment|CronJob|ConfigMap)/.test(d));

  it("adds a native sidecar to long-running workloads and a --once init container to CronJobs", async () => {
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": K8S_SIDECAR });
    const { code, out, err } = await inject({ file: "all.yaml", config: "sidecar.yaml" }, cwd);
    expect(err).toBe("");
    expect(code).toBe(0);
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      "Service/web",
      "ConfigMap/web-stowaway",
      "Deployment/web",
      "ConfigMap/report-stowaway",
      "CronJob/report",
      "Secret/unrelated",
    ]);
    expect(docs[1].data["sidecar.yaml"]).toBe(K8S_SIDECAR);
    expect(docs[3].metadata).toEqual({ name: "report-stowaway", namespace: "jobs" });

    const pod = docs[2].spec.template.spec;
    expect(pod.shareProcessNamespace).toBe(true);
    const [sidecar] = pod.initContainers;
    expect(sidecar).toMatchObject({
      name: "stowaway-sidecar",
      image: "ghcr.io/stowaway/sidecar:0.1.0",
      args: ["sidecar", "--config", "/etc/stowaway/sidecar.yaml"],
      restartPolicy: "Always",
      startupProbe: { exec: { command: ["node", "-e", expect.stringContaining("127.0.0.1:8099/readyz")] } },
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true },
    });
    expect(sidecar.volumeMounts).toEqual([
      { name: "stowaway-secrets", mountPath: "/run/secrets/app" },
      { name: "stowaway-config", mountPath: "/etc/stowaway", readOnly: true },
      { name: "stowaway-vault-token", mountPath: "/var/run/secrets/vault", readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: "stowaway-secrets", emptyDir: { medium: "Memory", sizeLimit: "4Mi" } },
      { name: "stowaway-config", configMap: { name: "web-stowaway" } },
      { name: "stowaway-vault-token", projected: { sources: [{ serviceAccountToken: { path: "token", audience: "vault", expirationSeconds: 3600 } }] } },
    ]);
    for (const c of pod.containers) expect(c.volumeMounts).toEqual([{ name: "stowaway-secrets", mountPath: "/run/secrets/app", readOnly: true }]);

    const jobPod = docs[4].spec.jobTemplate.spec.template.spec;
    expect(jobPod.shareProcessNamespace).toBeUndefined();
    expect(jobPod.initContainers[0].args).toEqual(["sidecar", "--config", "/etc/stowaway/sidecar.yaml", "--once"]);
    expect(jobPod.initContainers[0].restartPolicy).toBeUndefined();
    expect(jobPod.initContainers[0].startupProbe).toBeUndefined();

    // Bystanders are byte-identical; edited documents keep comments and flush sequences.
    expect(bystanders(out)).toEqual(bystanders(MULTI));
    expect(out).toContain("      containers:\n      - name: web # flush sequences, as kubectl writes them\n");
  });

  it("is idempotent on multi-document files", async () => {
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": K8S_SIDECAR });
    await inject({ file: "all.yaml", config: "sidecar.yaml", output: "once.yaml" }, cwd);
    const once = readFileSync(join(cwd, "once.yaml"), "utf8");
    const twice = await inject({ file: "once.yaml", config: "sidecar.yaml" }, cwd);
    expect(twice.code).toBe(0);
    expect(twice.out).toBe(once);
  });

  it("updates the ConfigMap in place when the config changes, and nothing else", async () => {
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": K8S_SIDECAR });
    await inject({ file: "all.yaml", config: "sidecar.yaml", output: "all.yaml" }, cwd);
    const before = readFileSync(join(cwd, "all.yaml"), "utf8");
    writeFileSync(join(cwd, "sidecar.yaml"), K8S_SIDECAR.replace("file: db.env", "file: database.env"));
    const { out } = await inject({ file: "all.yaml", config: "sidecar.yaml" }, cwd);
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    expect(docs.filter((d) => d.kind === "ConfigMap")).toHaveLength(2);
    expect(docs[1].data["sidecar.yaml"]).toContain("file: database.env");
    expect(out.split(/^---\n/m).filter((d) => !d.includes("kind: ConfigMap"))).toEqual(before.split(/^---\n/m).filter((d) => !d.includes("kind: ConfigMap")));
  });

  it("keeps what a user added to the injected sidecar (env, an extra mount) on the next injection", async () => {
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": K8S_SIDECAR });
    await inject({ file: "all.yaml", config: "sidecar.yaml", output: "all.yaml" }, cwd);
    // Edit the injected Deployment as a user would: an env var and a mount of their own.
    const docs = parseAllDocuments(readFileSync(join(cwd, "all.yaml"), "utf8"));
    const sidecarNode = docs[2].getIn(["spec", "template", "spec", "initContainers", 0], true) as YAMLMap;
    sidecarNode.set("env", docs[2].createNode([{ name: "VAULT_CACERT", value: "/etc/vault-ca/ca.crt" }]));
    const mount = docs[2].createNode({ name: "vault-ca", mountPath: "/etc/vault-ca" });
    mount.commentBefore = " the cluster's CA";
    (sidecarNode.get("volumeMounts", true) as unknown as YAMLSeq).items.unshift(mount);
    const edited = docs.map(String).join("");
    writeFileSync(join(cwd, "all.yaml"), edited);
    const again = await inject({ file: "all.yaml", config: "sidecar.yaml", image: "registry.example.com/sidecar:2" }, cwd);
    const sidecar = parseAllDocuments(again.out)[2].toJS().spec.template.spec.initContainers[0];
    expect(sidecar.image).toBe("registry.example.com/sidecar:2");
    expect(sidecar.env).toEqual([{ name: "VAULT_CACERT", value: "/etc/vault-ca/ca.crt" }]);
    expect(sidecar.volumeMounts.map((m: { name: string }) => m.name)).toEqual(["vault-ca", "stowaway-secrets", "stowaway-config", "stowaway-vault-token"]);
    expect(again.out).toContain("# the cluster's CA\n");
  });

  it("warns when a container runs as another user than the one the files belong to", async () => {
    const yaml =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 2000}\n  containers:\n    - name: c\n      image: c:1\n";
    const cwd = workspace({ "pod.yaml": yaml, "sidecar.yaml": K8S_SIDECAR });
    const { code, err } = await inject({ file: "pod.yaml", config: "sidecar.yaml" }, cwd);
    expect(code).toBe(0);
    expect(err).toMatch(/Pod p: container c runs as user 2000, but the secret files belong to 1000/);
  });

  it("mounts the secrets only into --container", async () => {
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": K8S_SIDECAR });
    const { code, out } = await inject({ file: "all.yaml", config: "sidecar.yaml", container: "web" }, cwd);
    expect(code).toBe(0);
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    // The CronJob has no container "web": it is left alone.
    expect(docs.map((d) => d.kind)).toEqual(["Service", "ConfigMap", "Deployment", "CronJob", "Secret"]);
    const [web, metrics] = docs[2].spec.template.spec.containers;
    expect(web.volumeMounts).toHaveLength(1);
    expect(metrics.volumeMounts).toBeUndefined();
  });

  it("uses the automounted token as it is when jwtFile is the default", async () => {
    const config = K8S_SIDECAR.replace(", jwtFile: /var/run/secrets/vault/token", "");
    const cwd = workspace({ "all.yaml": MULTI, "sidecar.yaml": config });
    const { out } = await inject({ file: "all.yaml", config: "sidecar.yaml" }, cwd);
    const pod = parseAllDocuments(out)[2].toJS().spec.template.spec;
    expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(["stowaway-secrets", "stowaway-config"]);
  });

  it("keeps the examples in step with the code: app.yaml injects to deployment.yaml, and that is a fixed point", async () => {
    const cwd = example("kubernetes");
    const expected = readFileSync(join(cwd, "deployment.yaml"), "utf8");
    const again = await inject({ file: "deployment.yaml", config: "sidecar.yaml" }, cwd);
    expect(again.out).toBe(expected);
    const fresh = await inject({ file: "app.yaml", config: "sidecar.yaml" }, cwd);
    const body = (s: string) => s.replace(/^(#.*\n)+/, "");
    expect(body(fresh.out)).toBe(body(expected));

    const job = readFileSync(join(cwd, "job.yaml"), "utf8");
    expect((await inject({ file: "job.yaml", config: "sidecar.yaml" }, cwd)).out).toBe(job);
    expect(body((await inject({ file: "migrate.yaml", config: "sidecar.yaml" }, cwd)).out)).toBe(body(job));
  });

  it.each([
    [
      "no workload",
      {},
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
      /no workload to inject into: expected a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob/,
    ],
    ["an unknown --container", { container: "nope" }, null, /no container named "nope" in any workload \(containers: web, metrics, report\)/],
    ["--service on Kubernetes YAML", { service: "web" }, null, /--service is for compose files; for Kubernetes use --container/],
    [
      "an unrendered Helm template",
      {},
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
      /Deployment #1 has no metadata\.name string \(render templates such as Helm's first\)/,
    ],
    [
      "a workload without containers",
      {},
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {}}}\n",
      /Deployment x has no spec\.template\.spec\.containers list/,
    ],
    [
      "another mount at output.dir",
      {},
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      volumeMounts: [{name: other, mountPath: /run/secrets/app}]\n",
      /Pod p: container c already mounts something else at \/run\/secrets\/app/,
    ],
  ])("refuses %s with exit 2", async (_name, extra, yaml, message) => {
    const cwd = workspace({ "k.yaml": yaml ?? MULTI, "sidecar.yaml": K8S_SIDECAR });
    const { code, out, err } = await inject({ file: "k.yaml", config: "sidecar.yaml", ...extra }, cwd);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(message);
  });
});
