import { classifyName, isReferenceGlue } from "../../detect/index.js";
import { scanInterpolation, type ComposeDoc, type ComposeEntry } from "../../parse/compose.js";
import type { NameSettings, RuleContext } from "../../rule.js";
import { isUserName, judgeNamedValue } from "./named-values.js";
import { WEAK_VALUE } from "./weak.js";

export interface EntryMessages {
  message(name: string, services: readonly string[]): string;
  placeholder(name: string): string;
  fix(name: string, services: readonly string[]): string;
}

/**
 * Reports secret-named entries (environment, build args, labels) holding literal values.
 * Interpolated values (`${VAR}`) are left alone here; a literal `${VAR:-default}` is
 * compose/secret-interpolation-default's business. `$$` is a literal dollar.
 */
export function reportNamedEntries(ctx: RuleContext<ComposeDoc>, entries: readonly ComposeEntry[], text: EntryMessages): void {
  let users: Map<string, string[]> | undefined;
  for (const entry of entries) {
    const value = entry.value;
    // Only a secret-named entry can be reported (judgeNamedValue says so first): ask that before
    // scanning the value, which most entries of a big file never need.
    if (!value || !isSecretName(entry.name, ctx.names)) continue;
    const scan = scanInterpolation(value.text);
    // `${VAR}` with glue around it is a reference; a literal that merely contains `$$` or a `${…}` is not.
    if (scan.interpolated && !literalBesideInterpolation(scan.unescaped.text)) continue;
    users ??= userValuesByService(ctx.doc);
    const related = [...entry.services, ...entry.services.flatMap((s) => users?.get(s) ?? [])];
    const verdict = judgeNamedValue(entry.name, scan.unescaped.text, ctx.names, related);
    if (!verdict) continue;
    ctx.report({
      range: value.range,
      value: value.text.text,
      name: entry.name,
      message:
        verdict === "secret"
          ? text.message(entry.name, entry.services)
          : verdict === "weak"
            ? `\`${entry.name}\` in ${serviceList(entry.services)} is ${WEAK_VALUE}`
            : text.placeholder(entry.name),
      fix: text.fix(entry.name, entry.services),
      ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
      ...(verdict === "weak" ? { weak: true } : {}),
    });
  }
}

// Three rules ask for the same document's user values; each document's are read once.
const usersOfDoc = new WeakMap<ComposeDoc, Map<string, string[]>>();

/** `environment` values of `*_USER` entries per service: a demo password often repeats the user name. */
function userValuesByService(doc: ComposeDoc): Map<string, string[]> {
  const known = usersOfDoc.get(doc);
  if (known) return known;
  const out = new Map<string, string[]>();
  usersOfDoc.set(doc, out);
  for (const e of doc.environment) {
    if (!e.value || !isUserName(e.name)) continue;
    for (const s of e.services) out.set(s, [...(out.get(s) ?? []), e.value.text.text]);
  }
  return out;
}

/** After removing the interpolations (`unescaped` holds no `${…}`), is more left than separators and scheme words? */
function literalBesideInterpolation(unescaped: string): boolean {
  return !isReferenceGlue(unescaped);
}

/** `service \`db\`` or `services \`a\`, \`b\``. */
export function serviceList(services: readonly string[]): string {
  const quoted = services.map((s) => `\`${s}\``);
  return quoted.length === 1 ? `service ${quoted[0]}` : `services ${quoted.join(", ")}`;
}

/** Only a secret-named key is ever reported (judgeNamedValue asks this first); classifyName remembers. */
export function isSecretName(name: string, names: NameSettings): boolean {
  return classifyName(name, names) === "secret";
}
