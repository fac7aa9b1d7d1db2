import { classifyName, classifyValue, hasReference, interpolationDefault, isLikelySecretValue } from "../../detect/index.js";
import type { DotenvDoc } from "../../parse/dotenv.js";
import { defineRule } from "../../rule.js";
import { judgeNamedValue, secretIdFor } from "../support/named-values.js";

export default defineRule<DotenvDoc>({
  id: "env/secret-value",
  kind: "env",
  severity: "error",
  description: "An env file assigns a literal secret to a secret-looking name",
  check(ctx) {
    const { doc } = ctx;
    for (const entry of doc.entries) {
      const value = entry.value;
      if (!value || !entry.valueRange) continue;
      const fix =
        `Keep real values out of committed env files: commit \`${entry.name}=\` (or an \`.env.example\` with placeholders), git-ignore this file, ` +
        `and deliver the value at runtime (a compose secret mounted at \`/run/secrets/${secretIdFor(entry.name)}\` with \`${entry.name}_FILE\`, or a secret store).`;
      // Single quotes are literal in compose's dotenv; elsewhere `${VAR:-default}` is expanded.
      if (entry.quote !== "single" && hasReference(value.text)) {
        const d = interpolationDefault(value.text);
        if (!d || d.default === "" || hasReference(d.default) || classifyName(entry.name, ctx.names) !== "secret") continue;
        const placeholder = classifyValue(d.default) === "placeholder";
        if (!placeholder && !isLikelySecretValue(d.default)) continue;
        ctx.report({
          range: doc.rangeOf(value, d.index, d.index + d.default.length),
          value: d.default,
          name: entry.name,
          message: `\`${entry.name}\` falls back to a literal ${placeholder ? "placeholder" : "secret"} when the variable it references is unset`,
          fix,
          ...(placeholder ? { severity: "info" as const } : {}),
        });
        continue;
      }
      const verdict = judgeNamedValue(entry.name, value.text, ctx.names);
      if (!verdict) continue;
      ctx.report({
        range: entry.valueRange,
        value: value.text,
        name: entry.name,
        message:
          verdict === "secret"
            ? `\`${entry.name}\` is a literal secret in ${doc.file}`
            : `\`${entry.name}\` holds a placeholder; make sure the real value never lands in a committed file`,
        fix,
        ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
      });
    }
  },
});
