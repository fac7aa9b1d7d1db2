import Mustache from "mustache";
import { RenderError } from "../errors.js";
import { missingKey, stringify, type RenderSpec } from "./index.js";

// The template engine: loaded only when a config has a template (render/index.ts, loadTemplateEngine).

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

export function renderTemplate(spec: RenderSpec, template: string, data: Record<string, unknown>): string {
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
