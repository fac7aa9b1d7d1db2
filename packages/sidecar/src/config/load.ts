import { isAbsolute, resolve } from "node:path";
import { LineCounter, parseDocument, isMap, type Document } from "yaml";
import type * as z from "zod/mini";
import type { ConfigIssue } from "../errors.js";
import { isLoopback, parseListen } from "./listen.js";
import { ConfigSchema, type SidecarConfig } from "./schema.js";
import { describeYamlError, notSidecarConfig } from "./yaml-errors.js";

export type Env = Record<string, string | undefined>;

export type ParseResult = { ok: true; config: SidecarConfig; warnings: string[] } | { ok: false; errors: ConfigIssue[] };

/** `baseDir`: where relative file paths in the config point (the config file's directory). */
export function parseConfigText(text: string, env: Env = process.env, baseDir?: string): ParseResult {
  const lineCounter = new LineCounter();
  // A Dockerfile or env file given by mistake: say so first, and print none of it.
  const wrongKind = notSidecarConfig(text);
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.slice(0, 10).map((e) => ({ key: "", message: describeYamlError(e), line: e.linePos?.[0]?.line }));
    return { ok: false, errors: wrongKind ? [{ key: "", message: wrongKind }, ...errors] : errors };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch {
    // Its message names the alias, which is file text.
    return { ok: false, errors: [{ key: "", message: "YAML: the document cannot be resolved (an undefined alias, or more than 100 aliases)" }] };
  }
  if (wrongKind && (raw === null || typeof raw !== "object" || Array.isArray(raw))) return { ok: false, errors: [{ key: "", message: wrongKind }] };
  const lineOf = (path: PropertyKey[]) => lineOfPath(doc, lineCounter, path);
  if (baseDir) resolveRelativePaths(raw, baseDir);
  return parseConfig(raw, env, lineOf);
}

/**
 * Relative credential, certificate and pid-file paths are taken relative to the config file, as
 * compose does, so a config works from any working directory. Paths that come from VAULT_*
 * environment variables are applied later and stay relative to the working directory.
 */
function resolveRelativePaths(raw: unknown, baseDir: string): void {
  if (raw === null || typeof raw !== "object") return;
  const fix = (obj: unknown, keys: string[]) => {
    if (obj === null || typeof obj !== "object") return;
    const o = obj as Record<string, unknown>;
    for (const k of keys) {
      const v = o[k];
      if (typeof v === "string" && v !== "" && !isAbsolute(v)) o[k] = resolve(baseDir, v);
    }
  };
  const r = raw as Record<string, any>;
  fix(r.vault?.auth, ["roleIdFile", "secretIdFile", "tokenFile", "jwtFile"]);
  fix(r.vault?.tls, ["caCert", "clientCert", "clientKey"]);
  fix(r.notify, ["pidFile"]);
  if (Array.isArray(r.secrets)) for (const sec of r.secrets) fix(sec?.notify, ["pidFile"]);
}

/** Validates an already-parsed config object. `lineOf` maps a key path to a source line. */
export function parseConfig(raw: unknown, env: Env = process.env, lineOf?: (path: PropertyKey[]) => number | undefined): ParseResult {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, errors: [{ key: "", message: "expected a YAML mapping with vault, output and secrets" }] };
  }
  const warnings: string[] = [];
  const input = structuredClone(raw) as Record<string, any>;
  const addressFromEnv = (input.vault as Record<string, unknown> | undefined)?.address === undefined && !!env.VAULT_ADDR;
  const envErrors = applyEnvDefaults(input, env, warnings);
  const parsed = ConfigSchema.safeParse(input);
  const errors: ConfigIssue[] = [...envErrors];
  if (!parsed.success) errors.push(...parsed.error.issues.map((i) => toIssue(i, input, lineOf)));
  if (errors.length > 0) return { ok: false, errors };
  const config: SidecarConfig = parsed.data!;
  // Named in connection errors, so an operator knows which setting to fix.
  config.vault.addressSource = addressFromEnv ? "vault.address from VAULT_ADDR" : "vault.address in the config file";
  if (config.listen !== false) {
    try {
      const { host } = parseListen(config.listen.address);
      if (!isLoopback(host)) {
        warnings.push(
          `listen ${config.listen.address} is not loopback: /metrics${config.listen.quit ? " and POST /quit are" : " is"} reachable from the network`,
        );
      }
    } catch (err) {
      const key = typeof (raw as { listen?: unknown }).listen === "object" ? ["listen", "address"] : ["listen"];
      return { ok: false, errors: [{ key: key.join("."), message: (err as Error).message, line: lineOf?.(key) }] };
    }
  }
  if (config.vault.tls.insecureSkipVerify) {
    warnings.push("TLS VERIFICATION IS DISABLED (insecureSkipVerify / VAULT_SKIP_VERIFY): anyone on the path can impersonate Vault and read your secrets");
  }
  if (config.output.allowNonTmpfs) warnings.push("output.allowNonTmpfs is true: secrets may be written to persistent storage");
  return { ok: true, config, warnings };
}

function applyEnvDefaults(input: Record<string, any>, env: Env, warnings: string[]): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  const vault = (input.vault ??= {});
  if (typeof vault !== "object" || vault === null) return errors;
  if (vault.address === undefined) {
    if (env.VAULT_ADDR) vault.address = env.VAULT_ADDR;
    else errors.push({ key: "vault.address", message: "required (or set VAULT_ADDR)" });
  }
  if (vault.namespace === undefined && env.VAULT_NAMESPACE) vault.namespace = env.VAULT_NAMESPACE;
  const tls = (vault.tls ??= {});
  if (typeof tls === "object" && tls !== null) {
    if (tls.caCert === undefined && env.VAULT_CACERT) tls.caCert = env.VAULT_CACERT;
    if (tls.clientCert === undefined && env.VAULT_CLIENT_CERT) tls.clientCert = env.VAULT_CLIENT_CERT;
    if (tls.clientKey === undefined && env.VAULT_CLIENT_KEY) tls.clientKey = env.VAULT_CLIENT_KEY;
    if (tls.insecureSkipVerify === undefined && env.VAULT_SKIP_VERIFY !== undefined && env.VAULT_SKIP_VERIFY !== "") {
      // Unlike node-vault, only "true"/"1" disable verification; "false" must mean false.
      const v = env.VAULT_SKIP_VERIFY.trim().toLowerCase();
      tls.insecureSkipVerify = v === "true" || v === "1";
      if (!tls.insecureSkipVerify && v !== "false" && v !== "0") {
        warnings.push(`VAULT_SKIP_VERIFY=${JSON.stringify(env.VAULT_SKIP_VERIFY)} is not true/1/false/0: keeping TLS verification on`);
      }
    }
  }
  const auth = vault.auth;
  if (auth && typeof auth === "object" && auth.method === "token" && auth.tokenFile === undefined && !env.VAULT_TOKEN) {
    errors.push({ key: "vault.auth.tokenFile", message: "required for method token (or set VAULT_TOKEN)" });
  }
  return errors;
}

function toIssue(issue: z.core.$ZodIssue, input: unknown, lineOf?: (path: PropertyKey[]) => number | undefined): ConfigIssue {
  const path = issue.path as PropertyKey[];
  let message = issue.message;
  if (issue.code === "unrecognized_keys") message = `unknown key(s): ${issue.keys.join(", ")}`;
  // zod does not echo the input (good: it could be a secret), so look up whether the key is there.
  if (issue.code === "invalid_type" && valueAt(input, path) === undefined) message = "required";
  return { key: formatPath(path), message, line: lineOf?.(path) };
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function lineOfPath(doc: Document, lc: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      // Point at the key, not the value, when the node is the value of a map pair.
      if (n > 0 && typeof path[n - 1] === "string") {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as unknown[], true);
        if (isMap(parent)) {
          const pair = parent.items.find((it) => (it.key as { value?: unknown })?.value === path[n - 1]);
          const kr = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (kr) return lc.linePos(kr[0]).line;
        }
      }
      return lc.linePos(range[0]).line;
    }
  }
  return undefined;
}
