import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { posix, join } from "node:path";
import { PassThrough } from "node:stream";
import { Ajv, type ErrorObject } from "ajv";
import { parseConfigText } from "@stowaway/sidecar";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { injectCommand } from "../../packages/cli/src/commands/inject.js";
import { repoRoot, stowaway } from "./helpers.js";

const dir = join(repoRoot, "examples/kubernetes");
const read = (name: string) => readFileSync(join(dir, name), "utf8");
const schema = JSON.parse(read("schema/k8s-subset.schema.json"));
const ajv = new Ajv({ allErrors: true, strictTypes: false });
ajv.addSchema(schema);

type Obj = Record<string, any>;
const docsOf = (name: string): Obj[] =>
  parseAllDocuments(read(name)).map((d) => {
    expect(d.errors, name).toEqual([]);
    return d.toJS() as Obj;
  });
const configText = read("sidecar.yaml");
const parsed = parseConfigText(configText, {});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;

function validate(doc: Obj): string[] {
  const check = ajv.getSchema(`${schema.$id}#/definitions/${doc.kind}`);
  if (!check) return [`kind ${doc.kind} is not in the schema subset`];
  if (check(doc)) return [];
  return (check.errors as ErrorObject[]).map((e) => `${doc.kind}/${doc.metadata?.name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** The pod spec of a workload, and the checks every injected pod must pass. */
function checkPod(file: Obj[], workload: Obj, pod: Obj, once: boolean) {
  const [sidecar, ...otherInit] = pod.initContainers;
  expect(sidecar.name).toBe("stowaway-sidecar");
  expect(otherInit.map((c: Obj) => c.name)).not.toContain("stowaway-sidecar");

  // Every mount refers to a volume of the pod, and every ConfigMap volume to a ConfigMap in the file.
  const volumes = new Map<string, Obj>(pod.volumes.map((v: Obj) => [v.name, v]));
  for (const c of [...pod.initContainers, ...pod.containers]) {
    for (const m of c.volumeMounts ?? []) expect(volumes.has(m.name), `${c.name} mounts ${m.name}`).toBe(true);
  }
  const configVolume = volumes.get("stowaway-config")!;
  const configMap = file.find((d) => d.kind === "ConfigMap" && d.metadata.name === configVolume.configMap.name);
  expect(configMap, `ConfigMap ${configVolume.configMap.name}`).toBeDefined();
  expect(file.indexOf(configMap!)).toBeLessThan(file.indexOf(workload));
  expect(configMap!.data["sidecar.yaml"]).toBe(configText);

  // Secrets in memory, at output.dir: writable by the sidecar, read-only for the apps.
  expect(volumes.get("stowaway-secrets")!.emptyDir.medium).toBe("Memory");
  expect(sidecar.volumeMounts).toContainEqual({ name: "stowaway-secrets", mountPath: config.output.dir });
  for (const app of pod.containers) {
    expect(app.volumeMounts).toContainEqual({ name: "stowaway-secrets", mountPath: config.output.dir, readOnly: true });
  }
  expect(sidecar.args.slice(0, 3)).toEqual(["sidecar", "--config", "/etc/stowaway/sidecar.yaml"]);
  expect(sidecar.volumeMounts).toContainEqual({ name: "stowaway-config", mountPath: "/etc/stowaway", readOnly: true });

  // Vault Kubernetes auth with a projected, audience-bound token where jwtFile expects it.
  const auth = config.vault.auth;
  expect(auth.method).toBe("kubernetes");
  if (auth.method !== "kubernetes") return;
  const token = volumes.get("stowaway-vault-token")!.projected.sources[0].serviceAccountToken;
  expect(token).toEqual({ path: posix.basename(auth.jwtFile), audience: "vault", expirationSeconds: 3600 });
  expect(sidecar.volumeMounts).toContainEqual({ name: "stowaway-vault-token", mountPath: posix.dirname(auth.jwtFile), readOnly: true });

  // Same user as the app, so that the files are its own and a signal is allowed.
  expect(sidecar.securityContext).toMatchObject({ runAsUser: config.output.uid, runAsGroup: config.output.gid, readOnlyRootFilesystem: true });
  expect(pod.securityContext.runAsUser).toBe(config.output.uid);

  if (once) {
    expect(sidecar.args).toContain("--once");
    expect(sidecar.restartPolicy).toBeUndefined();
    expect(pod.shareProcessNamespace).toBeUndefined();
  } else {
    expect(sidecar.args).not.toContain("--once");
    expect(sidecar.restartPolicy).toBe("Always");
    const port = String((config.listen as { address: string }).address)
      .split(":")
      .at(-1);
    expect(sidecar.startupProbe.exec.command.join(" ")).toContain(`127.0.0.1:${port}/readyz`);
    expect(pod.shareProcessNamespace).toBe(config.notify?.signal !== undefined);
  }
}

describe("examples/kubernetes", () => {
  it.each(["deployment.yaml", "job.yaml", "app.yaml", "migrate.yaml"])("%s matches the Kubernetes schema subset", (name) => {
    for (const doc of docsOf(name)) expect(validate(doc)).toEqual([]);
  });

  it("the schema rejects what it should: a typo, a probe on a plain init container, a short-lived token", () => {
    const [, , deployment] = docsOf("deployment.yaml");
    const typo = structuredClone(deployment);
    typo.spec.template.spec.initContainers[0].restartpolicy = "Always";
    expect(validate(typo).join("\n")).toMatch(/propertyNames|must be equal to one of the allowed values/);
    const plainInit = structuredClone(deployment);
    delete plainInit.spec.template.spec.initContainers[0].restartPolicy;
    expect(validate(plainInit)).not.toEqual([]);
    const shortToken = structuredClone(deployment);
    shortToken.spec.template.spec.volumes[2].projected.sources[0].serviceAccountToken.expirationSeconds = 60;
    expect(validate(shortToken).join("\n")).toMatch(/expirationSeconds must be >= 600/);
  });

  it("deployment.yaml runs a native sidecar that gates the app on /readyz", () => {
    const file = docsOf("deployment.yaml");
    const deployment = file.find((d) => d.kind === "Deployment")!;
    checkPod(file, deployment, deployment.spec.template.spec, false);
  });

  it("job.yaml renders the secrets once in a plain init container, so the Job completes", () => {
    const file = docsOf("job.yaml");
    const job = file.find((d) => d.kind === "Job")!;
    checkPod(file, job, job.spec.template.spec, true);
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
  });

  it("the sidecar config in the ConfigMap is valid for the sidecar", () => {
    expect(config.output.dir).toBe("/run/secrets/app");
    expect(config.listen).toMatchObject({ address: expect.stringMatching(/^127\.0\.0\.1:/), quit: false });
  });

  it("what inject emits for every workload kind matches the schema", async () => {
    const pod = (name: string, extra = "") => `    metadata: { labels: { app: ${name} } }
    spec:${extra}
      containers:
        - name: ${name}
          image: registry.example.com/${name}:1
`;
    const workloads = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
${pod("web")}---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
${pod("db")}---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector: { matchLabels: { app: agent } }
  template:
${pod("agent")}---
apiVersion: batch/v1
kind: Job
metadata: { name: once }
spec:
  template:
${pod("once", "\n      restartPolicy: Never")}---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
${pod("nightly", "\n      restartPolicy: OnFailure").replace(/^/gm, "    ")}`;
    const work = mkdtempSync(join(tmpdir(), "stowaway-k8s-"));
    try {
      writeFileSync(join(work, "workloads.yaml"), workloads);
      for (const d of parseAllDocuments(workloads)) expect(validate(d.toJS())).toEqual([]);
      let out = "";
      const stdout = new PassThrough().on("data", (d) => (out += d));
      const code = await injectCommand(
        { file: "workloads.yaml", config: join(dir, "sidecar.yaml") },
        { stdout, stderr: new PassThrough(), cwd: work, env: {} },
      );
      expect(code).toBe(0);
      const docs = parseAllDocuments(out).map((d) => d.toJS() as Obj);
      expect(docs.map((d) => d.kind)).toEqual([
        "ConfigMap",
        "Deployment",
        "ConfigMap",
        "StatefulSet",
        "ConfigMap",
        "DaemonSet",
        "ConfigMap",
        "Job",
        "ConfigMap",
        "CronJob",
      ]);
      for (const doc of docs) expect(validate(doc)).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("lints clean with stowaway lint", () => {
    // The directory holds nothing stowaway lints (a named directory like that is exit 2), so
    // name the manifests: each is recognised as Kubernetes and skipped, with no finding.
    const manifests = readdirSync(join(repoRoot, "examples/kubernetes"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `examples/kubernetes/${f}`);
    const res = stowaway(["lint", ...manifests]);
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toBe("");
  });
});
