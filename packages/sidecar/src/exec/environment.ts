import { RenderError } from "../errors.js";
import type { OnChange } from "./changes.js";
import { missingKey } from "../render/index.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One `env:` entry: `NAME: { path, key }`, or `PREFIX_*: { path }` for every key of the secret. */
export interface EnvEntry {
  /** The map key as written: a variable name, or a prefix followed by `*`. */
  name: string;
  path: string;
  key?: string;
  onChange?: OnChange;
}

export function isWildcard(name: string): boolean {
  return name.endsWith("*");
}

/** The variables one entry exports, from its secret's data. Errors name keys and variables, never values. */
export function renderEnvEntry(entry: EnvEntry, data: Record<string, unknown>): Map<string, string> {
  const label = `env ${entry.name} (${entry.path})`;
  const out = new Map<string, string>();
  if (!isWildcard(entry.name)) {
    const key = entry.key!;
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    // Names the key and the count of keys, never the keys themselves (issue 19).
    if (value === undefined || value === null) throw missingKey({ label }, key, data);
    out.set(entry.name, envValue(label, entry.name, value));
    return out;
  }
  const prefix = entry.name.slice(0, -1);
  const keys = Object.keys(data);
  if (keys.length === 0) throw new RenderError("MISSING_SECRET", `${label}: the secret has no keys`);
  for (const key of keys) {
    const name = `${prefix}${key}`;
    if (!ENV_NAME.test(name)) throw new RenderError("RENDER_FAILED", `${label}: key ${JSON.stringify(key)} does not make a valid environment variable name`);
    const value = data[key];
    if (value === undefined || value === null) continue;
    out.set(name, envValue(label, name, value));
  }
  return out;
}

function envValue(label: string, name: string, value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else if (typeof value === "object") text = JSON.stringify(value);
  else throw new RenderError("RENDER_FAILED", `${label}: ${name} has an unsupported type`);
  // The kernel takes environment strings up to the first NUL: the child would see a cut value.
  if (text.includes("\0")) throw new RenderError("RENDER_FAILED", `${label}: ${name} contains a NUL byte, which an environment variable cannot hold`);
  return text;
}

/**
 * Merges the entries' variables: a named entry beats a wildcard one; two wildcards exporting the
 * same name is an error (which one wins would depend on the order of keys in Vault).
 */
export function mergeEnv(rendered: Array<{ entry: EnvEntry; vars: Map<string, string> }>): Map<string, string> {
  const out = new Map<string, string>();
  const from = new Map<string, string>();
  for (const { entry, vars } of rendered) {
    if (isWildcard(entry.name)) continue;
    for (const [k, v] of vars) out.set(k, v);
  }
  for (const { entry, vars } of rendered) {
    if (!isWildcard(entry.name)) continue;
    for (const [k, v] of vars) {
      if (out.has(k) && !from.has(k)) continue; // set by name
      const other = from.get(k);
      if (other !== undefined && other !== entry.name) {
        throw new RenderError("RENDER_FAILED", `env: ${k} is exported by both ${other} and ${entry.name}`);
      }
      out.set(k, v);
      from.set(k, entry.name);
    }
  }
  return out;
}

/**
 * The child's environment: ours without the Vault token stowaway logged in with (the app gets its
 * secrets from us, not Vault's keys to all of them), plus the secrets.
 */
export function childEnv(base: NodeJS.ProcessEnv, secrets: Map<string, string>): NodeJS.ProcessEnv {
  const { VAULT_TOKEN: _token, ...rest } = base;
  const env: NodeJS.ProcessEnv = { ...rest };
  for (const [k, v] of secrets) env[k] = v;
  return env;
}
