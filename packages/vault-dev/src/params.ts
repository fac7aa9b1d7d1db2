/** Field parsing with Vault's leniency: "a,b" or ["a","b"], "true" or true, "1h" or 3600. */
import { parseDuration } from "./duration.js";
import { badRequest, fail } from "./reply.js";

export function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fail(badRequest(`error converting input for field ${JSON.stringify(key)}: expected a string`));
}

export function strList(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v))
    return v
      .map(String)
      .map((s) => s.trim())
      .filter((s) => s !== "");
  if (typeof v === "string")
    return v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  return fail(badRequest(`error converting input for field ${JSON.stringify(key)}: expected a list of strings`));
}

export function bool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1" || v === 1) return true;
  if (v === "false" || v === "0" || v === 0) return false;
  return fail(badRequest(`error converting input for field ${JSON.stringify(key)}: expected a boolean`));
}

export function int(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n)) return fail(badRequest(`error converting input for field ${JSON.stringify(key)}: expected an integer`));
  return n;
}

/** A duration field in seconds. */
export function dur(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === "") return undefined;
  try {
    return parseDuration(v);
  } catch (e) {
    return fail(badRequest(`error converting input for field ${JSON.stringify(key)}: ${(e as Error).message}`));
  }
}

/** First defined of several aliases (`token_ttl` / `ttl`). */
export function durAlias(body: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = dur(body, k);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function listAlias(body: Record<string, unknown>, ...keys: string[]): string[] | undefined {
  for (const k of keys) {
    const v = strList(body, k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Direct children of `prefix` among `paths`: `a`, `dir/`. Sorted, unique. */
export function listKeys(paths: Iterable<string>, prefix: string): string[] {
  const p = prefix === "" || prefix.endsWith("/") ? prefix : prefix + "/";
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(p) || path === p) continue;
    const rest = path.slice(p.length);
    const i = rest.indexOf("/");
    keys.add(i < 0 ? rest : rest.slice(0, i + 1));
  }
  return [...keys].sort();
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
