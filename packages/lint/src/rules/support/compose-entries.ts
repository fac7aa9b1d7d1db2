import { scanInterpolation, type ComposeDoc, type ComposeEntry } from "../../parse/compose.js";
import type { RuleContext } from "../../rule.js";
import { judgeNamedValue } from "./named-values.js";

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
  for (const entry of entries) {
    const value = entry.value;
    if (!value) continue;
    const scan = scanInterpolation(value.text);
    if (scan.interpolated) continue;
    const verdict = judgeNamedValue(entry.name, scan.unescaped.text, ctx.names);
    if (!verdict) continue;
    ctx.report({
      range: value.range,
      value: value.text.text,
      name: entry.name,
      message: verdict === "secret" ? text.message(entry.name, entry.services) : text.placeholder(entry.name),
      fix: text.fix(entry.name, entry.services),
      ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
    });
  }
}

/** `service \`db\`` or `services \`a\`, \`b\``. */
export function serviceList(services: readonly string[]): string {
  const quoted = services.map((s) => `\`${s}\``);
  return quoted.length === 1 ? `service ${quoted[0]}` : `services ${quoted.join(", ")}`;
}
