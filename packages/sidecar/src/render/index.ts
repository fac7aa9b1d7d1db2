import Mustache from "mustache";
import { RenderError } from "../errors.js";

export type Format = "raw" | "dotenv" | "json" | "template";

export interface RenderSpec {
  format: Format;
  key?: string;
  template?: string;
  /** Used in error messages: "secret/data/app → db.env". */
  label: string;
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
      return Buffer.from(renderTemplate(spec, spec.template ?? "", data));
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

/**
 * A copy of `value` whose objects have no prototype, so that template lookups such as
 * {{__proto__}}, {{constructor}} or {{toString}} find nothing (Mustache looks names up with
 * `in`, which walks the prototype chain) and fail as a missing key instead of rendering "{}".
 */
function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (value === null || typeof value !== "object") return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = withoutPrototypes(v);
  return out;
}

function requireKeys(spec: RenderSpec, data: Record<string, unknown>): void {
  if (Object.keys(data).length === 0) throw new RenderError("MISSING_SECRET", `${spec.label}: the secret has no keys`);
}

function stringify(spec: RenderSpec, key: string, value: unknown): string {
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

/** A Writer that never HTML-escapes and fails on a missing variable instead of rendering "". */
class StrictWriter extends Mustache.Writer {
  constructor(
    private readonly spec: RenderSpec,
    private readonly data: Record<string, unknown>,
  ) {
    super();
  }
  override escapedValue(token: [string, string, number, number, ...unknown[]], context: { lookup(name: string): unknown }): string {
    return this.unescapedValue(token, context);
  }
  override unescapedValue(token: [string, string, number, number, ...unknown[]], context: { lookup(name: string): unknown }): string {
    const value = context.lookup(token[1]);
    if (value === undefined || value === null) throw missingKey(this.spec, token[1], this.data);
    return stringify(this.spec, token[1], value);
  }
}

function renderTemplate(spec: RenderSpec, template: string, data: Record<string, unknown>): string {
  let out: string;
  try {
    out = new StrictWriter(spec, data).render(template, withoutPrototypes(data));
  } catch (err) {
    if (err instanceof RenderError) throw err;
    // Mustache parse errors quote the template, not the data.
    throw new RenderError("RENDER_FAILED", `${spec.label}: template: ${(err as Error).message.split("\n")[0]}`);
  }
  if (out.length === 0) throw new RenderError("RENDER_FAILED", `${spec.label}: the template rendered an empty file`);
  return out;
}

/** Checks a template parses, for config validation. */
export function checkTemplate(template: string): string | undefined {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}
