import { constants as osConstants } from "node:os";
import { posix } from "node:path";
import * as z from "zod/mini";
import { isDuration, parseDuration } from "./duration.js";

// zod's tree-shakable build: the classic `z` builds every schema class with all its methods when
// it is loaded (about 4 MB of heap while the sidecar parses its config); the same checks and the
// same English messages.
z.config(z.locales.en());

const nonEmpty = () => z.string().check(z.minLength(1));
const int = () => z.number().check(z.int());

/** `200ms`, `30s`, `5m`, `1h`, parsed to milliseconds. */
const Duration = z.pipe(
  z
    .string({ error: "expected a duration such as 200ms, 30s, 5m or 1h" })
    .check(z.refine(isDuration, { message: "expected a duration such as 200ms, 30s, 5m or 1h" })),
  z.transform(parseDuration),
);

/** File mode as an octal string ("0400") or YAML number whose digits are octal (400). */
const FileMode = z.pipe(
  z.union([z.string(), int()]).check(z.refine((v) => /^0?[0-7]{3}$/.test(String(v)), { message: 'expected an octal file mode such as "0400"' })),
  z.transform((v: string | number) => parseInt(String(v), 8)),
);

const Id = int().check(z.gte(0));
/** Mount names go into URL paths: keep them plain. */
const Mount = z.string().check(z.regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, "expected a mount name like approle or k8s/cluster-a"));

const RelativeFile = z.string().check(
  z.minLength(1),
  z.refine((f) => !f.startsWith("/") && !f.split(/[\\/]/).includes("..") && !f.includes("\0"), {
    message: 'must be relative to output.dir, without ".." or a leading "/"',
  }),
  z.refine((f) => normFile(f) !== ".", { message: "must name a file inside output.dir, not output.dir itself" }),
);

/** scheme://host[:port] and nothing else, normalised as URL.origin (default ports dropped, host lower-cased). */
const Origin = z.pipe(
  z.string().check(
    z.refine(
      (o) => {
        try {
          const u = new URL(o);
          return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && u.pathname === "/" && !u.search && !u.hash;
        } catch {
          return false;
        }
      },
      { message: "expected an origin such as https://vault-standby.example:8200 (no path, query or credentials)" },
    ),
  ),
  z.transform((o: string) => new URL(o).origin),
);

const VaultPath = z
  .pipe(
    nonEmpty(),
    z.transform((p: string) => p.replace(/^\/+/, "")),
  )
  .check(
    z.refine((p) => !p.startsWith("v1/") && !p.split("/").includes("..") && !/[?#\s]/.test(p), {
      message: 'expected a Vault API path such as secret/data/app/db (no "v1/", "..", "?" or spaces)',
    }),
  );

const HttpNotify = z.strictObject({
  url: z.url(),
  method: z._default(z.enum(["GET", "POST", "PUT"]), "POST"),
  timeout: z.prefault(Duration, "5s"),
  retries: z._default(int().check(z.gte(0), z.lte(10)), 2),
});

const Notify = z
  .strictObject({
    /** Coalesce bursts of changes into one notification. Default 1s. */
    debounce: z.prefault(Duration, "1s"),
    signal: z.optional(z.string().check(z.regex(/^SIG[A-Z0-9]+$/, "expected a signal name such as SIGHUP"))),
    pidFile: z.optional(z.string()),
    process: z.optional(nonEmpty()),
    command: z.optional(z.array(z.string()).check(z.minLength(1))),
    commandTimeout: z.prefault(Duration, "30s"),
    http: z.optional(HttpNotify),
  })
  .check(
    z.superRefine((n, ctx) => {
      if (n.signal && !n.pidFile && !n.process) ctx.addIssue({ code: "custom", message: "signal needs pidFile or process", path: ["signal"] });
      if ((n.pidFile || n.process) && !n.signal) ctx.addIssue({ code: "custom", message: "pidFile/process need signal", path: ["signal"] });
    }),
  );

/** stowaway exec: what a changed secret does to the child. */
const OnChange = z.enum(["restart", "signal", "none"], { error: "expected restart, signal or none" });
const SignalName = z
  .string()
  .check(z.refine((s) => /^SIG[A-Z0-9]+$/.test(s) && s in osConstants.signals, { message: "expected a signal name such as SIGHUP or SIGTERM" }));

/** stowaway exec: `NAME: { path, key }` exports one key; `PREFIX_*: { path }` exports every key as PREFIX_<key>. */
const EnvEntry = z.strictObject({
  path: VaultPath,
  key: z.optional(nonEmpty()),
  /** Overrides exec.onChange for this variable. */
  onChange: z.optional(OnChange),
  /** KV re-read interval. Default: defaults.refreshInterval. */
  refreshInterval: z.optional(Duration),
});
const Env = z.record(z.string(), EnvEntry).check(
  z.superRefine((env, ctx) => {
    for (const [name, e] of Object.entries(env)) {
      if (name.endsWith("*")) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*\*$|^\*$/.test(name))
          ctx.addIssue({ code: "custom", message: "a prefix must be a valid variable name start, such as DB_*", path: [name] });
        if (e.key !== undefined)
          ctx.addIssue({
            code: "custom",
            message: `${name} exports every key of the secret: remove key, or name the variable without "*"`,
            path: [name, "key"],
          });
      } else {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          ctx.addIssue({ code: "custom", message: "not a valid environment variable name (letters, digits, _; not starting with a digit)", path: [name] });
        if (e.key === undefined)
          ctx.addIssue({ code: "custom", message: `key is required (or name it ${name}_* to export every key with that prefix)`, path: [name, "key"] });
      }
    }
  }),
);

/** stowaway exec: how the child is run, restarted and stopped. */
const Exec = z.prefault(
  z.strictObject({
    /** Default for every env and secrets entry. Default restart. */
    onChange: z._default(OnChange, "restart"),
    /** Sent for onChange: signal. Default SIGHUP. */
    signal: z._default(SignalName, "SIGHUP"),
    /** Sent to stop the child for a restart. Default SIGTERM. */
    stopSignal: z._default(SignalName, "SIGTERM"),
    /** Time a stopping child gets before SIGKILL. Default 10s. */
    stopTimeout: z.prefault(Duration, "10s"),
    /** Coalesce bursts of changes into one restart or signal. Default 1s. */
    debounce: z.prefault(Duration, "1s"),
    /** When the child exits on its own: never (exit with its code), on-failure, always. Default never. */
    restartOnExit: z._default(z.enum(["never", "on-failure", "always"]), "never"),
    /** With restartOnExit: give up once the child exited maxExits times within window. Default 5 in 10s. */
    crashLoop: z.prefault(z.strictObject({ maxExits: z._default(int().check(z.gte(1)), 5), window: z.prefault(Duration, "10s") }), {}),
  }),
  {},
);

const TokenAuth = z.strictObject({
  method: z.literal("token"),
  /** File holding the token, re-read at each (re)login. Default: $VAULT_TOKEN. */
  tokenFile: z.optional(z.string()),
});
const AppRoleAuth = z
  .strictObject({
    method: z.literal("approle"),
    mount: z.optional(Mount),
    roleId: z.optional(nonEmpty()),
    roleIdFile: z.optional(z.string()),
    secretIdFile: z.optional(z.string()),
    /** secretIdFile holds a response-wrapping token (Vault's recommended delivery); it is unwrapped once. Default false. */
    secretIdWrapped: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((a, ctx) => {
      if (a.secretIdWrapped && !a.secretIdFile)
        ctx.addIssue({ code: "custom", message: "secretIdWrapped needs secretIdFile (the file holding the wrapping token)", path: ["secretIdWrapped"] });
      if (!a.roleId && !a.roleIdFile) ctx.addIssue({ code: "custom", message: "roleIdFile (or roleId) is required for approle", path: ["roleIdFile"] });
      if (a.roleId && a.roleIdFile) ctx.addIssue({ code: "custom", message: "set roleIdFile or roleId, not both", path: ["roleId"] });
    }),
  );
const KubernetesAuth = z.strictObject({
  method: z.literal("kubernetes"),
  mount: z.optional(Mount),
  role: nonEmpty(),
  jwtFile: z._default(z.string(), "/var/run/secrets/kubernetes.io/serviceaccount/token"),
});
const JwtAuth = z.strictObject({
  method: z.literal("jwt"),
  mount: z.optional(Mount),
  role: nonEmpty(),
  jwtFile: nonEmpty(),
});

/** PKI: the parameters of a pki/issue/<role> write (Vault's names, camel-cased). */
const Issue = z.strictObject({
  commonName: nonEmpty(),
  altNames: z._default(z.array(nonEmpty()), []),
  ipSans: z._default(z.array(nonEmpty()), []),
  uriSans: z._default(z.array(nonEmpty()), []),
  /** Certificate lifetime asked of Vault; the role's ttl/max_ttl apply. */
  ttl: z.optional(Duration),
  format: z._default(z.enum(["pem", "pem_bundle", "der"]), "pem"),
  privateKeyFormat: z.optional(z.enum(["der", "pem", "pkcs8"])),
  excludeCnFromSans: z.optional(z.boolean()),
});

/** PKI: where the parts of an issued certificate go (stable paths under output.dir). */
const CertFiles = z.strictObject({
  /** The certificate. */
  cert: z.optional(RelativeFile),
  /** The private key (mode keyMode, default 0400). */
  key: z.optional(RelativeFile),
  /** The issuing CA. */
  ca: z.optional(RelativeFile),
  /** The certificate followed by its CA chain (nginx ssl_certificate, "fullchain"). */
  chain: z.optional(RelativeFile),
  /** Private key, certificate and CA chain in one file (HAProxy). */
  bundle: z.optional(RelativeFile),
});

/** A unit of several files published at once: letters, digits, _ and -. */
const GroupName = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a name of letters, digits, _ and -"));

const SecretEntry = z
  .strictObject({
    /** Vault API path, as in Vault Agent templates: secret/data/app/db, kv/app, database/creds/app, pki/issue/web. */
    path: VaultPath,
    /** Required, except with `issue` (where it names the template's file). */
    file: z.optional(RelativeFile),
    /** PKI: issue a certificate with a write to `path` (pki/issue/<role>). */
    issue: z.optional(Issue),
    /** PKI: the files of the certificate, written as one unit. */
    files: z.optional(CertFiles),
    /** PKI: re-issue when this much validity is left. Default: a third of the certificate's validity (with jitter). */
    renewBefore: z.optional(Duration),
    /** PKI: revoke the previous certificate (pki/revoke) this long after a new one is written. Default false. */
    revokePrevious: z.optional(z.union([z.literal(false), Duration])),
    /** PKI: mode of the private key (key and bundle files). Default: mode, else 0400. */
    keyMode: z.optional(FileMode),
    /** Files of entries with the same path and group are published together (one ..data swap); PKI files always are. */
    group: z.optional(GroupName),
    format: z._default(z.enum(["raw", "dotenv", "json", "template"]), "dotenv"),
    /** raw: the key to write. dotenv/json: only this key (default: every key). */
    key: z.optional(nonEmpty()),
    template: z.optional(z.string()),
    mode: z.optional(FileMode),
    uid: z.optional(Id),
    gid: z.optional(Id),
    /** KV re-read interval. Default: defaults.refreshInterval (5m). */
    refreshInterval: z.optional(Duration),
    notify: z.optional(Notify),
    /** stowaway exec: overrides exec.onChange for this file. */
    onChange: z.optional(OnChange),
  })
  .check(
    z.superRefine((s, ctx) => {
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
    }),
  );
const Secret = z.pipe(
  SecretEntry,
  z.transform((s: z.output<typeof SecretEntry>) => ({
    ...s,
    // With issue, `file` names the template's output; the certificate file stands in where one file is needed (labels).
    file: s.file ?? s.files?.cert ?? s.files?.chain ?? s.files?.bundle ?? s.files?.key ?? s.files?.ca ?? "",
    format: s.issue && s.template !== undefined ? ("template" as const) : s.format,
  })),
);

/** PKI entries: certificate files and/or a template file, all in one directory (they are one unit). */
function checkIssueEntry(
  s: { path: string; file?: string; files?: Record<string, string | undefined>; template?: string; key?: string },
  ctx: z.core.$RefinementCtx,
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
      namespace: z.optional(nonEmpty()),
      tls: z.prefault(
        z.strictObject({
          caCert: z.optional(z.string()),
          clientCert: z.optional(z.string()),
          clientKey: z.optional(z.string()),
          serverName: z.optional(z.string()),
          insecureSkipVerify: z._default(z.boolean(), false),
        }),
        {},
      ),
      /** Per-request timeout. Default 10s. */
      timeout: z.prefault(Duration, "10s"),
      /** Most requests in flight at once. Default 8. */
      maxConcurrency: z._default(int().check(z.gte(1), z.lte(256)), 8),
      /**
       * Origins (scheme://host:port) that one redirect from Vault may go to, e.g. a standby's
       * api_addr. Default none: no redirect is followed, so the token never leaves vault.address.
       */
      followRedirects: z._default(z.array(Origin), []),
      /** Largest Vault response read, in bytes. Default 4 MiB (4194304). */
      maxResponseBytes: z._default(int().check(z.gte(1024), z.lte(1024 * 1024 * 1024)), 4 * 1024 * 1024),
      /** Backoff after failed logins and reads: from `initial`, doubling, up to `max`. */
      retry: z.prefault(z.strictObject({ initial: z.prefault(Duration, "1s"), max: z.prefault(Duration, "5m") }), {}),
      auth: z.discriminatedUnion("method", [TokenAuth, AppRoleAuth, KubernetesAuth, JwtAuth], {
        error: "expected method: token, approle, kubernetes or jwt",
      }),
    }),
    output: z.strictObject({
      dir: nonEmpty().check(z.refine((d) => d.startsWith("/"), { message: "must be an absolute path" })),
      allowNonTmpfs: z._default(z.boolean(), false),
      /** Default file mode. Default "0400". */
      mode: z.prefault(FileMode, "0400"),
      uid: z.optional(Id),
      gid: z.optional(Id),
      removeOnExit: z._default(z.boolean(), false),
    }),
    /**
     * The status server: /healthz, /readyz, /metrics, and POST /quit when `quit: true`.
     * `host:port` or `{ address: host:port, quit: true }`. Default 127.0.0.1:8099 without /quit;
     * false disables the server.
     */
    listen: z.pipe(
      z._default(
        z.union(
          [
            z.literal(false),
            nonEmpty(),
            z.strictObject({
              address: z._default(nonEmpty(), "127.0.0.1:8099"),
              /** Serve POST /quit (stops the sidecar), as Vault Agent's enable_quit. Default false. */
              quit: z._default(z.boolean(), false),
            }),
          ],
          { error: "expected host:port, false, or { address: host:port, quit: true }" },
        ),
        "127.0.0.1:8099",
      ),
      z.transform((l: false | string | { address: string; quit: boolean }) => (l === false ? false : typeof l === "string" ? { address: l, quit: false } : l)),
    ),
    defaults: z.prefault(
      z.strictObject({
        refreshInterval: z.prefault(Duration, "5m"),
        /** Revoke a replaced lease after this grace period; false keeps it. Default 30s. */
        revokeOld: z.prefault(z.union([z.literal(false), Duration]), "30s"),
      }),
      {},
    ),
    notify: z.optional(Notify),
    /**
     * Config reloads. `watch: false`: the config file is neither watched nor re-read every 5s
     * (and chokidar is never loaded); SIGHUP still reloads it. Read at start only.
     */
    reload: z.prefault(z.strictObject({ watch: z._default(z.boolean(), true) }), {}),
    revokeOnExit: z._default(z.boolean(), false),
    /** stowaway exec: variables for the child's environment. */
    env: z._default(Env, {}),
    exec: Exec,
    /** May be empty when env: has entries (stowaway exec). */
    secrets: z._default(z.array(Secret), []),
  })
  .check(
    z.superRefine((c, ctx) => {
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
    }),
  );

type ParsedConfig = z.output<typeof ConfigSchema>;
/** The validated config; `vault.addressSource` says where the address came from (set by parseConfig). */
export type SidecarConfig = Omit<ParsedConfig, "vault"> & { vault: ParsedConfig["vault"] & { addressSource?: string } };
export type SecretConfig = SidecarConfig["secrets"][number];
export type AuthConfig = SidecarConfig["vault"]["auth"];
export type NotifyConfig = z.output<typeof Notify>;
export type EnvConfig = SidecarConfig["env"];
export type ExecConfig = SidecarConfig["exec"];
