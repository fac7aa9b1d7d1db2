import { RenderError } from "../errors.js";
import type * as TemplateEngine from "./template.js";

export type Format = "raw" | "dotenv" | "json" | "template";

export interface RenderSpec {
  format: Format;
  key?: string;
  template?: string;
  /** Used in error messages: "secret/data/app → db.env". */
  label: string;
}

let engine: typeof TemplateEngine | undefined;

/**
 * Loads mustache (its own chunk in the bundle): a sidecar whose config has no template never
 * loads it. Whoever builds sources for a config calls this first (sources/build.ts).
 */
export async function loadTemplateEngine(): Promise<void> {
  engine ??= await import("./template.js");
}

/** Renders secret data to the exact bytes of the file. Errors name keys, never values. */
export function renderSecret(spec: RenderSpec, data: Record<string, unknown>): Buffer {
  switch (spec.format) {
    case "raw": {
      const value = stringify(spec, spec.key!, lookupKey(spec, data, spec.key!));
      // An empty file is indistinguishable from a half-written one for the app.
      if (value.length === 0) throw new RenderError("RENDER_FAILED", `${spec.label}: key ${JSON.stringify(spec.key)} is empty`);
      return Buffer.from(value);
    }
    case "dotenv":
      return Buffer.from(renderDotenv(spec, selectKey(spec, data)));
    case "json": {
      const selected = selectKey(spec, data);
      requireKeys(spec, selected);
      return Buffer.from(`${JSON.stringify(selected, null, 2)}\n`);
    }
    case "template":
      if (!engine) throw new Error("internal: loadTemplateEngine() before rendering a template");
      return Buffer.from(engine.renderTemplate(spec, spec.template ?? "", data));
  }
}

function lookupKey(spec: RenderSpec, data: Record<string, unknown>, key: string): unknown {
  const value = Object.hasOwn(data, key) ? data[key] : undefined;
  if (value === undefined || value === null) throw missingKey(spec, key, data);
  return value;
}

/** dotenv and json render the whole secret, or only `key` when it is set. */
function selectKey(spec: RenderSpec, data: Record<string, unknown>): Record<string, unknown> {
  return spec.key === undefined ? data : { [spec.key]: lookupKey(spec, data, spec.key) };
}

/** Names the missing key and how many the secret has; never lists them (a secret can hold 100,000). */
export function missingKey(spec: Pick<RenderSpec, "label">, key: string, data: Record<string, unknown>): RenderError {
  const n = Object.keys(data).length;
  const shown = key.length > 100 ? `${key.slice(0, 100)}…` : key;
  return new RenderError("MISSING_KEY", `${spec.label}: key ${JSON.stringify(shown)} not found in the secret (it has ${n} key${n === 1 ? "" : "s"})`);
}

function requireKeys(spec: RenderSpec, data: Record<string, unknown>): void {
  if (Object.keys(data).length === 0) throw new RenderError("MISSING_SECRET", `${spec.label}: the secret has no keys`);
}

export function stringify(spec: RenderSpec, key: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object") return JSON.stringify(value);
  throw new RenderError("RENDER_FAILED", `${spec.label}: key ${JSON.stringify(key)} has an unsupported type`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAFE_UNQUOTED = /^[A-Za-z0-9_.,:@%+/=-]*$/;

function renderDotenv(spec: RenderSpec, data: Record<string, unknown>): string {
  requireKeys(spec, data);
  let out = "";
  for (const [key, raw] of Object.entries(data)) {
    if (!ENV_NAME.test(key)) throw new RenderError("RENDER_FAILED", `${spec.label}: key ${JSON.stringify(key)} is not a valid environment variable name`);
    if (raw === null || raw === undefined) throw missingKey(spec, key, data);
    const value = stringify(spec, key, raw);
    out += `${key}=${SAFE_UNQUOTED.test(value) ? value : quoteDotenv(value)}\n`;
  }
  return out;
}

/** Double quotes with the escapes docker compose and dotenv libraries understand. */
function quoteDotenv(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "\\$").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}
