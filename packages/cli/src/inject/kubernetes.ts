import { posix } from "node:path";
import { Document, isMap, isSeq, Scalar, YAMLSeq, type Node, type YAMLMap } from "yaml";
import { CONFIG_MOUNT_DIR, CONFIG_MOUNT_PATH, probeCommand, type SidecarPlan } from "./config.js";
import { InjectError } from "./errors.js";
import { ensureNamed, mapAt, seqAt, setBefore, str } from "./yaml-edit.js";

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};
/** Run-to-completion kinds: a native sidecar would be fine, but there is nothing to rotate, so render once. */
const RUN_ONCE = new Set(["Job", "CronJob"]);

export const K8S = {
  container: "stowaway-sidecar",
  secretsVolume: "stowaway-secrets",
  configVolume: "stowaway-config",
  tokenVolume: "stowaway-vault-token",
  /** The audience of the projected token: the Vault role must expect it (`audience` / `bound_audiences`). */
  tokenAudience: "vault",
} as const;

const SA_TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface KubernetesInjectOptions {
  /** Only this app container gets the secrets mount; default every container. */
  container?: string;
  image?: string;
  defaultImage: string;
  plan: SidecarPlan;
}

export interface KubernetesInjectResult {
  /** Indexes of the documents that are workloads (the only ones edited). */
  workloads: number[];
  /** ConfigMaps to insert before the document at `before`. */
  inserts: { before: number; doc: Document }[];
  warnings: string[];
}

export function isKubernetesDoc(doc: Document): boolean {
  const c = doc.contents;
  return isMap(c) && typeof c.get("apiVersion") === "string" && typeof c.get("kind") === "string";
}

/**
 * Adds the sidecar to every workload in a multi-document file; other documents are not touched.
 * Long-running workloads get a native sidecar (an init container with `restartPolicy: Always`,
 * Kubernetes 1.29+) whose startup probe holds the app containers back until the secrets exist.
 */
export function injectKubernetes(docs: Document[], opts: KubernetesInjectOptions): KubernetesInjectResult {
  const result: KubernetesInjectResult = { workloads: [], inserts: [], warnings: [] };
  const seenContainers = new Set<string>();
  const configMaps = new Map<string, Document>();
  docs.forEach((doc) => {
    const c = doc.contents;
    if (isKubernetesDoc(doc) && (c as YAMLMap).get("kind") === "ConfigMap") {
      configMaps.set(`${namespaceOf(doc)}/${doc.getIn(["metadata", "name"])}`, doc);
    }
  });

  docs.forEach((doc, index) => {
    if (!isKubernetesDoc(doc)) return;
    const kind = String(doc.get("kind"));
    const path = POD_SPEC_PATH[kind];
    if (!path) return;
    const name = str(doc.getIn(["metadata", "name"], true));
    if (!name) throw new InjectError(`${kind} #${index + 1} has no metadata.name string (render templates such as Helm's first)`);
    const podSpec = doc.getIn(path, true);
    if (!isMap(podSpec)) throw new InjectError(`${kind} ${name} has no ${path.join(".")} mapping`);
    const containers = podSpec.get("containers", true);
    if (!isSeq(containers)) throw new InjectError(`${kind} ${name} has no ${path.join(".")}.containers list`);
    const apps = containers.items.filter(isMap).filter((ct) => {
      const n = str(ct.get("name", true));
      if (n) seenContainers.add(n);
      return opts.container === undefined || n === opts.container;
    });
    if (apps.length === 0) return;

    const configMapName = `${name}-stowaway`;
    const key = `${namespaceOf(doc)}/${configMapName}`;
    const existing = configMaps.get(key);
    if (existing) ensureConfigData(existing, opts.plan.text);
    else {
      const cm = configMapDoc(configMapName, doc.getIn(["metadata", "namespace"]) as string | undefined, opts.plan.text);
      configMaps.set(key, cm);
      result.inserts.push({ before: index, doc: cm });
    }
    injectPod(doc, podSpec, apps, { ...opts, once: RUN_ONCE.has(kind), configMapName }, result.warnings, `${kind} ${name}`);
    result.workloads.push(index);
  });

  if (result.workloads.length === 0) {
    if (opts.container !== undefined && seenContainers.size > 0) {
      throw new InjectError(`no container named "${opts.container}" in any workload (containers: ${[...seenContainers].join(", ")})`);
    }
    throw new InjectError(`no workload to inject into: expected a ${Object.keys(POD_SPEC_PATH).join(", ")}`);
  }
  return result;
}

function namespaceOf(doc: Document): string {
  return String(doc.getIn(["metadata", "namespace"]) ?? "");
}

/** The sidecar config as a ConfigMap, its text kept verbatim as a block literal. */
function configMapDoc(name: string, namespace: string | undefined, text: string): Document {
  const doc = new Document({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: namespace ? { name, namespace } : { name },
    data: {},
  });
  (doc.contents as YAMLMap).commentBefore = " Added by stowaway inject: the sidecar's configuration, mounted at " + CONFIG_MOUNT_PATH;
  ensureConfigData(doc, text);
  return doc;
}

function ensureConfigData(doc: Document, text: string): void {
  const data = mapAt(doc, doc.contents as YAMLMap, "data");
  if (!data) throw new InjectError(`ConfigMap ${String(doc.getIn(["metadata", "name"]))} has a data: that is not a mapping`);
  if (data.get("sidecar.yaml") === text) return;
  const node = new Scalar(text);
  node.type = Scalar.BLOCK_LITERAL;
  data.set("sidecar.yaml", node);
}

function injectPod(
  doc: Document,
  pod: YAMLMap,
  apps: YAMLMap[],
  opts: KubernetesInjectOptions & { once: boolean; configMapName: string },
  warnings: string[],
  what: string,
): void {
  const { plan } = opts;
  const dir = plan.config.output.dir;
  const auth = plan.config.vault.auth;
  const projectedToken = (auth.method === "kubernetes" || auth.method === "jwt") && posix.dirname(auth.jwtFile) !== SA_TOKEN_DIR;
  if ((auth.method === "kubernetes" || auth.method === "jwt") && !projectedToken && pod.get("automountServiceAccountToken") === false) {
    warnings.push(
      `${what}: automountServiceAccountToken is false, but vault.auth.jwtFile is the automounted token ${auth.jwtFile}; point jwtFile elsewhere (e.g. /var/run/secrets/vault/token) to get a projected token`,
    );
  }
  if (auth.method === "approle" || (auth.method === "token" && auth.tokenFile)) {
    warnings.push(`${what}: vault.auth.${auth.method} reads files the sidecar must be given: mount them into the ${K8S.container} container`);
  }

  // Volumes: the secrets (memory-backed), the config, and the Vault token when it is not the default one.
  const volumes = seqAt(doc, pod, "volumes");
  if (!volumes) throw new InjectError(`${what}: volumes is not a list`);
  ensureNamed(doc, volumes, { name: K8S.secretsVolume, emptyDir: { medium: "Memory", sizeLimit: "4Mi" } });
  ensureNamed(doc, volumes, { name: K8S.configVolume, configMap: { name: opts.configMapName } });
  const mounts: Record<string, unknown>[] = [
    { name: K8S.secretsVolume, mountPath: dir },
    // The directory, not a subPath: kubelet updates ConfigMap directories in place, and the sidecar reloads.
    { name: K8S.configVolume, mountPath: CONFIG_MOUNT_DIR, readOnly: true },
  ];
  if (projectedToken) {
    const jwtFile = (auth as { jwtFile: string }).jwtFile;
    ensureNamed(doc, volumes, {
      name: K8S.tokenVolume,
      projected: {
        sources: [{ serviceAccountToken: { path: posix.basename(jwtFile), audience: K8S.tokenAudience, expirationSeconds: 3600 } }],
      },
    });
    mounts.push({ name: K8S.tokenVolume, mountPath: posix.dirname(jwtFile), readOnly: true });
  }

  const args = ["sidecar", "--config", CONFIG_MOUNT_PATH, ...(opts.once ? ["--once"] : [])];
  const sidecar: { name: string } & Record<string, unknown> = {
    name: K8S.container,
    image: opts.image ?? currentImage(pod) ?? opts.defaultImage,
    args,
  };
  if (!opts.once) {
    sidecar.restartPolicy = "Always";
    // exec probes, because /readyz listens on loopback and kubelet's httpGet comes from outside the pod.
    sidecar.startupProbe = { exec: { command: probeCommand(plan, "/readyz") }, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 120 };
    sidecar.livenessProbe = { exec: { command: probeCommand(plan, "/healthz") }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 };
  }
  sidecar.securityContext = {
    runAsNonRoot: true,
    runAsUser: plan.uid,
    runAsGroup: plan.gid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
  };
  sidecar.resources = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "192Mi" } };
  sidecar.volumeMounts = mounts;
  if (!pod.has("initContainers")) setBefore(pod, "initContainers", new YAMLSeq(doc.schema), "containers");
  const init = seqAt(doc, pod, "initContainers");
  if (!init) throw new InjectError(`${what}: initContainers is not a list`);
  // First, so that later init containers can read the secrets too.
  ensureNamed(doc, init, sidecar, {
    position: "start",
    flow: [["args"], ["startupProbe", "exec", "command"], ["livenessProbe", "exec", "command"], ["securityContext", "capabilities", "drop"]],
  });

  if (plan.signals && !opts.once && pod.get("shareProcessNamespace") !== true) {
    setBefore(pod, "shareProcessNamespace", doc.createNode(true) as Node, "initContainers");
  }

  const podUser = pod.getIn(["securityContext", "runAsUser"]);
  for (const app of apps) {
    const appName = str(app.get("name", true)) ?? "?";
    const user = app.getIn(["securityContext", "runAsUser"]) ?? podUser;
    if (typeof user === "number" && user !== 0 && user !== plan.uid) {
      warnings.push(`${what}: container ${appName} runs as user ${user}, but the secret files belong to ${plan.uid} (output.uid): set output.uid to ${user}`);
    }
    const appMounts = seqAt(doc, app, "volumeMounts");
    if (!appMounts) throw new InjectError(`${what}: container ${appName} has volumeMounts that is not a list`);
    const clash = appMounts.items.find((m) => isMap(m) && m.get("mountPath") === dir && m.get("name") !== K8S.secretsVolume);
    if (clash) throw new InjectError(`${what}: container ${appName} already mounts something else at ${dir} (output.dir of the sidecar config)`);
    ensureNamed(doc, appMounts, { name: K8S.secretsVolume, mountPath: dir, readOnly: true });
  }
}

/** An already-injected sidecar keeps its image unless --image says otherwise. */
function currentImage(pod: YAMLMap): string | undefined {
  const init = pod.get("initContainers", true);
  if (!isSeq(init)) return undefined;
  const ours = init.items.find((c) => isMap(c) && c.get("name") === K8S.container);
  return isMap(ours) ? str(ours.get("image", true)) : undefined;
}
