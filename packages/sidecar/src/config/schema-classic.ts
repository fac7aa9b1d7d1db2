import { constants as osConstants } from "node:os";
import { posix } from "node:path";
import { z } from "zod";
import { isDuration, parseDuration } from "./duration.js";

/** `200ms`, `30s`, `5m`, `1h`, parsed to milliseconds. */
const Duration = z
  .string({ error: "expected a duration such as 200ms, 30s, 5m or 1h" })
  .refine(isDuration, { message: "expected a duration such as 200ms, 30s, 5m or 1h" })
  .transform(parseDuration);

/** File mode as an octal string ("0400") or YAML number whose digits are octal (400). */
const FileMode = z
  .union([z.string(), z.number().int()])
  .refine((v) => /^0?[0-7]{3}$/.test(String(v)), { message: 'expected an octal file mode such as "0400"' })
  .transform((v) => parseInt(String(v), 8));

const Id = z.number().int().min(0);
/** Mount names go into URL paths: keep them plain. */
const Mount = z.string().regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, "expected a mount name like approle or k8s/cluster-a");

const RelativeFile = z
  .string()
  .min(1)
  .refine((f) => !f.startsWith("/") && !f.split(/[\\/]/).includes("..") && !f.includes("\0"), {
    message: 'must be relative to output.dir, without ".." or a leading "/"',
  })
  .refine((f) => normFile(f) !== ".", { message: "must name a file inside output.dir, not output.dir itself" });

/** scheme://host[:port] and nothing else, normalised as URL.origin (default ports dropped, host lower-cased). */
const Origin = z
  .string()
  .refine(
    (o) => {
      try {
        const u = new URL(o);
        return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && u.pathname === "/" && !u.search && !u.hash;
      } catch {
        return false;
      }
    },
    { message: "expected an origin such as https://vault-standby.example:8200 (no path, query or credentials)" },
  )
  .transform((o) => new URL(o).origin);

const VaultPath = z
  .string()
  .min(1)
  .transform((p) => p.replace(/^\/+/, ""))
  .refine((p) => !p.startsWith("v1/") && !p.split("/").includes("..") && !/[?#\s]/.test(p), {
    message: 'expected a Vault API path such as secret/data/app/db (no "v1/", "..", "?" or spaces)',
  });

const HttpNotify = z.strictObject({
  url: z.url(),
  method: z.enum(["GET", "POST", "PUT"]).default("POST"),
  timeout: Duration.prefault("5s"),
  retries: z.number().int().min(0).max(10).default(2),
});

const Notify = z
  .strictObject({
    /** Coalesce bursts of changes into one notification. Default 1s. */
    debounce: Duration.prefault("1s"),
    signal: z
      .string()
      .regex(/^SIG[A-Z0-9]+$/, "expected a signal name such as SIGHUP")
      .optional(),
    pidFile: z.string().optional(),
    process: z.string().min(1).optional(),
    command: z.array(z.string()).min(1).optional(),
    commandTimeout: Duration.prefault("30s"),
    http: HttpNotify.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.signal && !n.pidFile && !n.process) ctx.addIssue({ code: "custom", message: "signal needs pidFile or process", path: ["signal"] });
    if ((n.pidFile || n.process) && !n.signal) ctx.addIssue({ code: "custom", message: "pidFile/process need signal", path: ["signal"] });
  });

/** stowaway exec: what a changed secret does to the child. */
const OnChange = z.enum(["restart", "signal", "none"], { error: "expected restart, signal or none" });
const SignalName = z
  .string()
  .refine((s) => /^SIG[A-Z0-9]+$/.test(s) && s in osConstants.signals, { message: "expected a signal name such as SIGHUP or SIGTERM" });

/** stowaway exec: `NAME: { path, key }` exports one key; `PREFIX_*: { path }` exports every key as PREFIX_<key>. */
const EnvEntry = z.strictObject({
  path: VaultPath,
  key: z.string().min(1).optional(),
  /** Overrides exec.onChange for this variable. */
  onChange: OnChange.optional(),
  /** KV re-read interval. Default: defaults.refreshInterval. */
  refreshInterval: Duration.optional(),
});
const Env = z.record(z.string(), EnvEntry).superRefine((env, ctx) => {
  for (const [name, e] of Object.entries(env)) {
    if (name.endsWith("*")) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*\*$|^\*$/.test(name))
        ctx.addIssue({ code: "custom", message: "a prefix must be a valid variable name start, such as DB_*", path: [name] });
      if (e.key !== undefined)
        ctx.addIssue({ code: "custom", message: `${name} exports every key of the secret: remove key, or name the variable without "*"`, path: [name, "key"] });
    } else {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        ctx.addIssue({ code: "custom", message: "not a valid environment variable name (letters, digits, _; not starting with a digit)", path: [name] });
      if (e.key === undefined)
        ctx.addIssue({ code: "custom", message: `key is required (or name it ${name}_* to export every key with that prefix)`, path: [name, "key"] });
    }
  }
});

/** stowaway exec: how the child is run, restarted and stopped. */
const Exec = z
  .strictObject({
    /** Default for every env and secrets entry. Default restart. */
    onChange: OnChange.default("restart"),
    /** Sent for onChange: signal. Default SIGHUP. */
    signal: SignalName.default("SIGHUP"),
    /** Sent to stop the child for a restart. Default SIGTERM. */
    stopSignal: SignalName.default("SIGTERM"),
    /** Time a stopping child gets before SIGKILL. Default 10s. */
    stopTimeout: Duration.prefault("10s"),
    /** Coalesce bursts of changes into one restart or signal. Default 1s. */
    debounce: Duration.prefault("1s"),
    /** When the child exits on its own: never (exit with its code), on-failure, always. Default never. */
    restartOnExit: z.enum(["never", "on-failure", "always"]).default("never"),
    /** With restartOnExit: give up once the child exited maxExits times within window. Default 5 in 10s. */
    crashLoop: z.strictObject({ maxExits: z.number().int().min(1).default(5), window: Duration.prefault("10s") }).prefault({}),
  })
  .prefault({});

const TokenAuth = z.strictObject({
  method: z.literal("token"),
  /** File holding the token, re-read at each (re)login. Default: $VAULT_TOKEN. */
  tokenFile: z.string().optional(),
});
const AppRoleAuth = z
  .strictObject({
    method: z.literal("approle"),
    mount: Mount.optional(),
    roleId: z.string().min(1).optional(),
    roleIdFile: z.string().optional(),
    secretIdFile: z.string().optional(),
    /** secretIdFile holds a response-wrapping token (Vault's recommended delivery); it is unwrapped once. Default false. */
    secretIdWrapped: z.boolean().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.secretIdWrapped && !a.secretIdFile)
      ctx.addIssue({ code: "custom", message: "secretIdWrapped needs secretIdFile (the file holding the wrapping token)", path: ["secretIdWrapped"] });
    if (!a.roleId && !a.roleIdFile) ctx.addIssue({ code: "custom", message: "roleIdFile (or roleId) is required for approle", path: ["roleIdFile"] });
    if (a.roleId && a.roleIdFile) ctx.addIssue({ code: "custom", message: "set roleIdFile or roleId, not both", path: ["roleId"] });
  });
const KubernetesAuth = z.strictObject({
  method: z.literal("kubernetes"),
  mount: Mount.optional(),
  role: z.string().min(1),
  jwtFile: z.string().default("/var/run/secrets/kubernetes.io/serviceaccount/token"),
});
const JwtAuth = z.strictObject({
  method: z.literal("jwt"),
  mount: Mount.optional(),
  role: z.string().min(1),
  jwtFile: z.string().min(1),
});

/** PKI: the parameters of a pki/issue/<role> write (Vault's names, camel-cased). */
const Issue = z.strictObject({
  commonName: z.string().min(1),
  altNames: z.array(z.string().min(1)).default([]),
  ipSans: z.array(z.string().min(1)).default([]),
  uriSans: z.array(z.string().min(1)).default([]),
  /** Certificate lifetime asked of Vault; the role's ttl/max_ttl apply. */
  ttl: Duration.optional(),
  format: z.enum(["pem", "pem_bundle", "der"]).default("pem"),
  privateKeyFormat: z.enum(["der", "pem", "pkcs8"]).optional(),
  excludeCnFromSans: z.boolean().optional(),
});

/** PKI: where the parts of an issued certificate go (stable paths under output.dir). */
const CertFiles = z.strictObject({
  /** The certificate. */
  cert: RelativeFile.optional(),
  /** The private key (mode keyMode, default 0400). */
  key: RelativeFile.optional(),
  /** The issuing CA. */
  ca: RelativeFile.optional(),
  /** The certificate followed by its CA chain (nginx ssl_certificate, "fullchain"). */
  chain: RelativeFile.optional(),
  /** Private key, certificate and CA chain in one file (HAProxy). */
  bundle: RelativeFile.optional(),
});

/** A unit of several files published at once: letters, digits, _ and -. */
const GroupName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a name of letters, digits, _ and -");

const Secret = z
  .strictObject({
    /** Vault API path, as in Vault Agent templates: secret/data/app/db, kv/app, database/creds/app, pki/issue/web. */
    path: VaultPath,
    /** Required, except with `issue` (where it names the template's file). */
    file: RelativeFile.optional(),
    /** PKI: issue a certificate with a write to `path` (pki/issue/<role>). */
    issue: Issue.optional(),
    /** PKI: the files of the certificate, written as one unit. */
    files: CertFiles.optional(),
    /** PKI: re-issue when this much validity is left. Default: a third of the certificate's validity (with jitter). */
    renewBefore: Duration.optional(),
    /** PKI: revoke the previous certificate (pki/revoke) this long after a new one is written. Default false. */
    revokePrevious: z.union([z.literal(false), Duration]).optional(),
    /** PKI: mode of the private key (key and bundle files). Default: mode, else 0400. */
    keyMode: FileMode.optional(),
    /** Files of entries with the same path and group are published together (one ..data swap); PKI files always are. */
    group: GroupName.optional(),
    format: z.enum(["raw", "dotenv", "json", "template"]).default("dotenv"),
    /** raw: the key to write. dotenv/json: only this key (default: every key). */
    key: z.string().min(1).optional(),
    template: z.string().optional(),
    mode: FileMode.optional(),
    uid: Id.optional(),
    gid: Id.optional(),
    /** KV re-read interval. Default: defaults.refreshInterval (5m). */
    refreshInterval: Duration.optional(),
    notify: Notify.optional(),
    /** stowaway exec: overrides exec.onChange for this file. */
    onChange: OnChange.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.issue) {
      checkIssueEntry(s, ctx);
      return;
    }
    for (const k of ["files", "renewBefore", "revokePrevious", "keyMode"] as const) {
      if (s[k] !== undefined) ctx.addIssue({ code: "custom", message: `${k} is only used with issue (a PKI certificate)`, path: [k] });
    }
    if (s.file === undefined) ctx.addIssue({ code: "custom", message: "required", path: ["file"] });
    if (s.format === "raw" && !s.key) ctx.addIssue({ code: "custom", message: "format raw needs key", path: ["key"] });
    if (s.format === "template" && s.template === undefined) ctx.addIssue({ code: "custom", message: "format template needs template", path: ["template"] });
    if (s.format !== "template" && s.template !== undefined)
      ctx.addIssue({
        code: "custom",
        message: `template is only used with format: template (format is ${s.format}); remove it or set format: template`,
        path: ["template"],
      });
  })
  .transform((s) => ({
    ...s,
    // With issue, `file` names the template's output; the certificate file stands in where one file is needed (labels).
    file: s.file ?? s.files?.cert ?? s.files?.chain ?? s.files?.bundle ?? s.files?.key ?? s.files?.ca ?? "",
    format: s.issue && s.template !== undefined ? ("template" as const) : s.format,
  }));

/** PKI entries: certificate files and/or a template file, all in one directory (they are one unit). */
function checkIssueEntry(
  s: { path: string; file?: string; files?: Record<string, string | undefined>; template?: string; key?: string },
  ctx: z.RefinementCtx,
): void {
  if (!/(^|\/)issue\/[^/]+$/.test(s.path)) ctx.addIssue({ code: "custom", message: "issue needs a pki/issue/<role> path", path: ["path"] });
  if (s.key !== undefined) ctx.addIssue({ code: "custom", message: "key is not used with issue; name the files under files:", path: ["key"] });
  if (s.template !== undefined && s.file === undefined)
    ctx.addIssue({ code: "custom", message: "template needs file (where the rendered template goes)", path: ["file"] });
  if (s.file !== undefined && s.template === undefined)
    ctx.addIssue({ code: "custom", message: "with issue, file is the template's output: add template, or name the files under files:", path: ["file"] });
  const names = [...Object.values(s.files ?? {}), s.file].filter((f): f is string => f !== undefined);
  if (names.length === 0) ctx.addIssue({ code: "custom", message: "issue needs files (cert, key, ca, chain, bundle) or a template", path: ["files"] });
  const dirs = new Set(names.map((f) => dirOf(f)));
  if (dirs.size > 1)
    ctx.addIssue({ code: "custom", message: `the files of one certificate are one unit and must share a directory (${names.join(", ")})`, path: ["files"] });
  if (new Set(names.map(normFile)).size !== names.length)
    ctx.addIssue({ code: "custom", message: "two parts of the certificate name the same file", path: ["files"] });
}

/** One spelling per file, so that duplicates are caught: "sub/./x" is "sub/x", "y/" is "y", "./a" is "a". */
function normFile(f: string): string {
  const n = posix.normalize(f.replace(/\\/g, "/"));
  return n === "/" ? n : n.replace(/\/+$/, "");
}
const dirOf = (f: string) => {
  const n = normFile(f);
  return n.includes("/") ? n.slice(0, n.lastIndexOf("/")) : ".";
};

/** Every file a secrets entry writes: its file, or a certificate's files and template. */
export function filesOf(s: { file?: string; issue?: unknown; files?: Record<string, string | undefined>; template?: string }): string[] {
  // `file` is undefined only in an entry that already failed validation.
  if (!s.issue) return s.file === undefined ? [] : [s.file];
  const out = Object.values(s.files ?? {}).filter((f): f is string => f !== undefined);
  if (s.template !== undefined && s.file) out.push(s.file);
  return out;
}

export const ConfigSchema = z
  .strictObject({
    vault: z.strictObject({
      /** Default: $VAULT_ADDR. */
      address: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }),
      /** Default: $VAULT_NAMESPACE. */
      namespace: z.string().min(1).optional(),
      tls: z
        .strictObject({
          caCert: z.string().optional(),
          clientCert: z.string().optional(),
          clientKey: z.string().optional(),
          serverName: z.string().optional(),
          insecureSkipVerify: z.boolean().default(false),
        })
        .prefault({}),
      /** Per-request timeout. Default 10s. */
      timeout: Duration.prefault("10s"),
      /** Most requests in flight at once. Default 8. */
      maxConcurrency: z.number().int().min(1).max(256).default(8),
      /**
       * Origins (scheme://host:port) that one redirect from Vault may go to, e.g. a standby's
       * api_addr. Default none: no redirect is followed, so the token never leaves vault.address.
       */
      followRedirects: z.array(Origin).default([]),
      /** Largest Vault response read, in bytes. Default 4 MiB (4194304). */
      maxResponseBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(4 * 1024 * 1024),
      /** Backoff after failed logins and reads: from `initial`, doubling, up to `max`. */
      retry: z.strictObject({ initial: Duration.prefault("1s"), max: Duration.prefault("5m") }).prefault({}),
      auth: z.discriminatedUnion("method", [TokenAuth, AppRoleAuth, KubernetesAuth, JwtAuth], {
        error: "expected method: token, approle, kubernetes or jwt",
      }),
    }),
    output: z.strictObject({
      dir: z
        .string()
        .min(1)
        .refine((d) => d.startsWith("/"), { message: "must be an absolute path" }),
      allowNonTmpfs: z.boolean().default(false),
      /** Default file mode. Default "0400". */
      mode: FileMode.prefault("0400"),
      uid: Id.optional(),
      gid: Id.optional(),
      removeOnExit: z.boolean().default(false),
    }),
    /**
     * The status server: /healthz, /readyz, /metrics, and POST /quit when `quit: true`.
     * `host:port` or `{ address: host:port, quit: true }`. Default 127.0.0.1:8099 without /quit;
     * false disables the server.
     */
    listen: z
      .union(
        [
          z.literal(false),
          z.string().min(1),
          z.strictObject({
            address: z.string().min(1).default("127.0.0.1:8099"),
            /** Serve POST /quit (stops the sidecar), as Vault Agent's enable_quit. Default false. */
            quit: z.boolean().default(false),
          }),
        ],
        { error: "expected host:port, false, or { address: host:port, quit: true }" },
      )
      .default("127.0.0.1:8099")
      .transform((l) => (l === false ? false : typeof l === "string" ? { address: l, quit: false } : l)),
    defaults: z
      .strictObject({
        refreshInterval: Duration.prefault("5m"),
        /** Revoke a replaced lease after this grace period; false keeps it. Default 30s. */
        revokeOld: z.union([z.literal(false), Duration]).prefault("30s"),
      })
      .prefault({}),
    notify: Notify.optional(),
    /**
     * Config reloads. `watch: false`: the config file is neither watched nor re-read every 5s
     * (and chokidar is never loaded); SIGHUP still reloads it. Read at start only.
     */
    reload: z.strictObject({ watch: z.boolean().default(true) }).prefault({}),
    revokeOnExit: z.boolean().default(false),
    /** stowaway exec: variables for the child's environment. */
    env: Env.default({}),
    exec: Exec,
    /** May be empty when env: has entries (stowaway exec). */
    secrets: z.array(Secret).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.secrets.length === 0 && Object.keys(c.env).length === 0)
      ctx.addIssue({ code: "custom", message: "at least one secret is required", path: ["secrets"] });
    const seen = new Map<string, number>();
    c.secrets.forEach((s, i) => {
      for (const f of filesOf(s)) {
        const norm = normFile(f);
        const prev = seen.get(norm);
        if (prev !== undefined && prev !== i)
          ctx.addIssue({ code: "custom", message: `same file as secrets[${prev}]`, path: ["secrets", i, s.issue ? "files" : "file"] });
        seen.set(norm, i);
      }
    });
    // Units: a group is the files of one secret in one directory; a directory holds one unnamed unit.
    const groups = new Map<string, { path: string; dir: string; index: number }>();
    const unnamed = new Map<string, number>();
    c.secrets.forEach((s, i) => {
      if (s.file === undefined) return;
      if (s.group !== undefined) {
        const dir = dirOf(s.file);
        const g = groups.get(s.group);
        if (g && !s.issue && g.path !== s.path)
          ctx.addIssue({ code: "custom", message: `group ${s.group} is one secret: secrets[${g.index}] reads ${g.path}`, path: ["secrets", i, "group"] });
        else if (g && (s.issue || g.dir !== dir))
          ctx.addIssue({
            code: "custom",
            message: `group ${s.group} is already used by secrets[${g.index}]${g.dir !== dir ? " in another directory" : ""}`,
            path: ["secrets", i, "group"],
          });
        if (!g) groups.set(s.group, { path: s.path, dir, index: i });
      } else if (s.issue) {
        const dir = dirOf(s.file);
        const prev = unnamed.get(dir);
        if (prev !== undefined)
          ctx.addIssue({
            code: "custom",
            message: `secrets[${prev}] already publishes a certificate in ${dir}: give one of them a group name`,
            path: ["secrets", i, "group"],
          });
        unnamed.set(dir, i);
      }
    });
  });

type ParsedConfig = z.output<typeof ConfigSchema>;
/** The validated config; `vault.addressSource` says where the address came from (set by parseConfig). */
export type SidecarConfig = Omit<ParsedConfig, "vault"> & { vault: ParsedConfig["vault"] & { addressSource?: string } };
export type SecretConfig = SidecarConfig["secrets"][number];
export type AuthConfig = SidecarConfig["vault"]["auth"];
export type NotifyConfig = z.output<typeof Notify>;
export type EnvConfig = SidecarConfig["env"];
export type ExecConfig = SidecarConfig["exec"];
