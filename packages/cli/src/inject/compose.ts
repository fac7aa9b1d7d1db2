import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, type Document, type Node } from "yaml";
import { CONFIG_MOUNT_PATH, probeCommand, type SidecarPlan } from "./config.js";
import { InjectError } from "./errors.js";
import { asFlow, ensureKey, mapAt, seqAt, str } from "./yaml-edit.js";

export interface ComposeInjectOptions {
  /** The app service; optional when the file has exactly one service. */
  service?: string;
  /** Set when the user named an image; otherwise an existing sidecar keeps its image. */
  image?: string;
  defaultImage: string;
  plan: SidecarPlan;
  /** The sidecar config's path as compose should see it: relative to the compose file's directory. */
  configRef: string;
}

/** Names derived from the app service, so that several apps in one file each get their own sidecar. */
export function composeNames(service: string) {
  return { sidecar: `${service}-sidecar`, volume: `${service}-secrets`, config: `${service}-sidecar-config` };
}

/**
 * Adds the sidecar for `service` to a compose document, editing nodes in place so that comments
 * and layout survive. Returns warnings for things the user must still do.
 *
 * Choices, in short (examples/compose/README.md has the long form):
 * - The shared volume is a named volume of the local driver with `type: tmpfs`: the service-level
 *   `tmpfs:` key makes a private tmpfs per container, which the app could never see.
 * - The config is a compose `configs:` entry: it is mounted read-only without a `:ro` to forget,
 *   and swapping `file:` for `external:` or `content:` needs no change to the service.
 * - For signals the *app* joins the *sidecar's* PID namespace (`pid: service:<sidecar>`).
 *   The other way round would make the sidecar depend on the app (compose infers that from
 *   `pid: service:`), a cycle with the app's `depends_on: service_healthy`.
 */
export function injectCompose(doc: Document, opts: ComposeInjectOptions): string[] {
  const warnings: string[] = [];
  const services = doc.get("services", true);
  if (!isMap(services)) throw new InjectError("not a compose file: no top-level services: mapping");
  const serviceNames = services.items.map((p) => str(p.key)).filter((n): n is string => n !== undefined);
  const name = opts.service ?? onlyService(serviceNames);
  const app = services.get(name, true);
  if (app === undefined) {
    throw new InjectError(`no service named "${name}" in the compose file (services: ${serviceNames.join(", ") || "none"})`);
  }
  if (!isMap(app)) throw new InjectError(`service "${name}" is not a mapping`);
  const names = composeNames(name);
  if (name.endsWith("-sidecar") && services.has(name.slice(0, -"-sidecar".length))) {
    throw new InjectError(`"${name}" looks like an injected sidecar; name the app service instead`);
  }
  const { plan } = opts;
  const dir = plan.config.output.dir;

  // Top level: the tmpfs volume and the config.
  const volumes = mapAt(doc, doc.contents as YAMLMap, "volumes");
  if (!volumes) throw new InjectError("top-level volumes: is not a mapping");
  ensureKey(doc, volumes, names.volume, {
    driver: "local",
    driver_opts: { type: "tmpfs", device: "tmpfs", o: `size=4m,uid=${plan.uid},gid=${plan.gid},mode=0750` },
  });
  const configs = mapAt(doc, doc.contents as YAMLMap, "configs");
  if (!configs) throw new InjectError("top-level configs: is not a mapping");
  ensureKey(doc, configs, names.config, { file: opts.configRef });

  // The sidecar service, inserted after the app when new.
  let sidecar: unknown = services.get(names.sidecar, true);
  if (sidecar === undefined) {
    sidecar = new YAMLMap(doc.schema);
    const key = new Scalar(names.sidecar);
    key.commentBefore = ` Added by stowaway inject: writes Vault secrets for ${name} to the ${names.volume} tmpfs volume.`;
    // Set off by a blank line when the other services are.
    key.spaceBefore = services.items.some((p) => isScalar(p.key) && p.key.spaceBefore);
    const at = services.items.findIndex((p) => str(p.key) === name);
    services.items.splice(at + 1, 0, new Pair(key, sidecar));
  }
  if (!isMap(sidecar)) throw new InjectError(`service "${names.sidecar}" exists and is not a mapping`);
  if (opts.image !== undefined || !sidecar.has("image")) ensureKey(doc, sidecar, "image", opts.image ?? opts.defaultImage);
  ensureKey(doc, sidecar, "command", ["sidecar", "--config", CONFIG_MOUNT_PATH], true);
  if (plan.config.output.uid !== undefined) {
    const previous = sidecar.get("user", true);
    const user = ensureKey(doc, sidecar, "user", `${plan.uid}:${plan.gid}`);
    // Quoted: YAML 1.1 readers take an unquoted 1000:1000 for a base-60 number.
    if (user !== previous && isScalar(user)) user.type = Scalar.QUOTE_DOUBLE;
  }
  ensureKey(doc, sidecar, "read_only", true);
  ensureKey(doc, sidecar, "cap_drop", ["ALL"], true);
  ensureKey(doc, sidecar, "security_opt", ["no-new-privileges:true"], true);
  if (!sidecar.has("restart")) ensureKey(doc, sidecar, "restart", "unless-stopped");
  ensureListItem(doc, sidecar, "configs", (it) => mapTarget(it) === CONFIG_MOUNT_PATH, { source: names.config, target: CONFIG_MOUNT_PATH });
  for (const secret of authSecrets(doc, plan, warnings)) ensureListItem(doc, sidecar, "secrets", (it) => secretName(it) === secret, secret);
  ensureListItem(doc, sidecar, "volumes", (it) => volumeTarget(it) === dir, `${names.volume}:${dir}`);
  const previousCheck = sidecar.get("healthcheck", true);
  const check = ensureKey(doc, sidecar, "healthcheck", {
    test: ["CMD", ...probeCommand(plan, "/readyz")],
    interval: "30s",
    timeout: "5s",
    retries: 3,
    start_period: "2m",
    // Docker Engine 25+: probe every second until the first success, so the app starts promptly.
    start_interval: "1s",
  });
  const test = isMap(check) ? check.get("test", true) : undefined;
  if (check !== previousCheck && isSeq(test)) asFlow(test);

  // The app: wait for the secrets, mount them read-only, share the PID namespace for signals.
  // Its own list would replace one inherited through `<<: *anchor`, so copy the inherited one in.
  const inherited = app.toJS(doc) as Record<string, unknown>;
  for (const key of ["volumes", "depends_on"]) {
    if (!app.has(key) && inherited[key] !== undefined) app.set(key, doc.createNode(inherited[key]));
  }
  ensureDependsOn(doc, app, names.sidecar);
  const appVolume = `${names.volume}:${dir}:ro`;
  const clash = findItem(app, "volumes", (it) => volumeTarget(it) === dir);
  if (clash !== undefined && volumeSource(clash) !== names.volume) {
    throw new InjectError(`service "${name}" already mounts something else at ${dir} (output.dir of the sidecar config)`);
  }
  ensureListItem(doc, app, "volumes", (it) => volumeTarget(it) === dir, appVolume);
  // The app must not be able to write its secrets (or the sidecar's temp files).
  const mounted = findItem(app, "volumes", (it) => volumeTarget(it) === dir);
  if (isMap(mounted)) ensureKey(doc, mounted, "read_only", true);
  else if (isScalar(mounted) && !/:ro$|:ro,|,ro$/.test(String(mounted.value))) mounted.value = appVolume;
  if (plan.signals) {
    const pid = `service:${names.sidecar}`;
    const current = app.get("pid");
    if (current === undefined) {
      const node = new Scalar(pid);
      node.comment = " shares the sidecar's PID namespace so that it can signal the app";
      app.set("pid", node);
    } else if (current !== pid) {
      throw new InjectError(`service "${name}" sets pid: ${String(current)}; the sidecar's notify.signal needs pid: "${pid}" (or use notify.http)`);
    }
  }

  for (const url of httpNotifyUrls(plan)) {
    if (/^https?:\/\/(localhost|127\.[\d.]+|\[::1\])(:|\/|$)/.test(url)) {
      warnings.push(
        `notify.http.url ${url} is loopback, but in compose the sidecar has its own network namespace: use the app's service name (http://${name}:PORT/...)`,
      );
    }
  }
  const appUser = /^(\d+)/.exec(String(app.get("user") ?? ""))?.[1];
  if (appUser !== undefined && appUser !== "0" && Number(appUser) !== plan.uid) {
    warnings.push(`service "${name}" runs as user ${appUser}, but the secret files belong to ${plan.uid} (output.uid): set output.uid to ${appUser}`);
  }
  if (plan.config.output.uid === undefined) {
    warnings.push(
      `output.uid is not set: secret files will belong to the sidecar's user (${plan.uid}); set output.uid/gid to the app's user unless the app runs as root`,
    );
  }
  return warnings;
}

function onlyService(names: string[]): string {
  if (names.length === 1) return names[0];
  throw new InjectError(`the compose file has ${names.length} services (${names.join(", ") || "none"}); name the app with --service`);
}

/** The app's depends_on gains `<sidecar>: { condition: service_healthy }`; the list form becomes the map form. */
function ensureDependsOn(doc: Document, app: YAMLMap, sidecar: string): void {
  const current = app.get("depends_on", true);
  if (isSeq(current)) {
    const map = new YAMLMap(doc.schema);
    for (const item of current.items) {
      const dep = str(item);
      if (dep === undefined) throw new InjectError("depends_on list holds something other than service names");
      map.set(dep, doc.createNode({ condition: "service_started" }));
    }
    map.commentBefore = current.commentBefore;
    map.comment = current.comment;
    app.set("depends_on", map);
  } else if (current !== undefined && !isMap(current) && !(isScalar(current) && current.value === null)) {
    throw new InjectError("depends_on is neither a list nor a mapping");
  }
  const deps = mapAt(doc, app, "depends_on")!;
  const entry = deps.get(sidecar, true);
  if (isMap(entry)) ensureKey(doc, entry, "condition", "service_healthy");
  else ensureKey(doc, deps, sidecar, { condition: "service_healthy" });
}

function findItem(map: YAMLMap, key: string, match: (item: unknown) => boolean): unknown {
  const seq = map.get(key, true);
  return isSeq(seq) ? seq.items.find(match) : undefined;
}

/** Appends `value` to the list under `key` unless an item matches; a matching item is left as the user wrote it. */
function ensureListItem(doc: Document, map: YAMLMap, key: string, match: (item: unknown) => boolean, value: unknown): void {
  const seq = seqAt(doc, map, key);
  if (!seq) throw new InjectError(`${key}: is not a list`);
  if (seq.items.some(match)) return;
  seq.items.push(doc.createNode(value) as Node);
}

function mapTarget(item: unknown): string | undefined {
  return isMap(item) ? str(item.get("target", true)) : undefined;
}

function secretName(item: unknown): string | undefined {
  return isMap(item) ? str(item.get("source", true)) : str(item);
}

/** Splits `source:target[:mode]` short syntax, or reads the long syntax. */
function volumeParts(item: unknown): { source?: string; target?: string } {
  if (isMap(item)) return { source: str(item.get("source", true)), target: str(item.get("target", true)) };
  const s = str(item);
  if (s === undefined) return {};
  const parts = s.split(":");
  return parts.length === 1 ? { target: parts[0] } : { source: parts[0], target: parts[1] };
}
const volumeTarget = (item: unknown) => volumeParts(item).target;
const volumeSource = (item: unknown) => volumeParts(item).source;

/**
 * Auth files at /run/secrets/<name> whose <name> is a top-level compose secret are granted to the
 * sidecar; any other auth file gets a warning, because only the user knows where it comes from.
 */
function authSecrets(doc: Document, plan: SidecarPlan, warnings: string[]): string[] {
  const auth = plan.config.vault.auth;
  const files: string[] = [];
  if (auth.method === "approle") files.push(...[auth.roleIdFile, auth.secretIdFile].filter((f): f is string => f !== undefined));
  if (auth.method === "token" && auth.tokenFile) files.push(auth.tokenFile);
  if (auth.method === "jwt" || auth.method === "kubernetes") files.push(auth.jwtFile);
  const declared = doc.get("secrets", true);
  const out: string[] = [];
  for (const file of files) {
    const m = /^\/run\/secrets\/([^/]+)$/.exec(file);
    if (m && isMap(declared) && declared.has(m[1])) out.push(m[1]);
    else warnings.push(`the sidecar reads ${file} (vault.auth): mount it into the sidecar service, e.g. as a compose secret`);
  }
  return out;
}

function httpNotifyUrls(plan: SidecarPlan): string[] {
  return [plan.config.notify, ...plan.config.secrets.map((s) => s.notify)].flatMap((n) => (n?.http ? [n.http.url] : []));
}
