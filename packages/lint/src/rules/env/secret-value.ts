import { classifyName, classifyValue, hasReference, interpolationDefault, judgeSecretValue, splitNameWords } from "../../detect/index.js";
import type { DotenvDoc } from "../../parse/dotenv.js";
import { isEnvTemplateName } from "../../discover.js";
import { defineRule } from "../../rule.js";
import { isUserName, judgeNamedValue, secretIdFor } from "../support/named-values.js";
import { WEAK_VALUE, WEAK_WHAT, WEAK_WHY } from "../support/weak.js";

export default defineRule<DotenvDoc>({
  id: "env/secret-value",
  kind: "env",
  severity: "error",
  description: "An env file assigns a literal secret to a secret-looking name",
  check(ctx) {
    const { doc } = ctx;
    // In a template (`.env.example`, linted only when named) demo values are what belongs there: info.
    const template = isEnvTemplateName(ctx.file);
    const weakLevel = template ? { severity: "info" as const } : {};
    // A demo password often repeats the file's user names (`RABBITMQ_USER=taiga`, `RABBITMQ_PASS=taiga`).
    const users = doc.entries.filter((e) => e.value && isUserName(e.name) && !hasReference(e.value.text)).map((e) => e.value!.text);
    for (const entry of doc.entries) {
      const value = entry.value;
      if (!value || !entry.valueRange) continue;
      const fix =
        `Keep real values out of committed env files: commit \`${entry.name}=\` (or an \`.env.example\` with placeholders), git-ignore this file, ` +
        `and deliver the value at runtime (a compose secret mounted at \`/run/secrets/${secretIdFor(entry.name)}\` with \`${entry.name}_FILE\`, or a secret store).`;
      // Single quotes are literal in compose's dotenv; elsewhere `${VAR:-default}` is expanded.
      // A value is a reference only when what is left around its `${…}` is glue (a Django key full of `$` is a literal).
      if (entry.quote !== "single" && classifyValue(value.text) === "reference") {
        const d = interpolationDefault(value.text);
        if (!d || d.default === "" || hasReference(d.default) || classifyName(entry.name, ctx.names) !== "secret") continue;
        const verdict = judgeSecretValue(d.default, [...splitNameWords(entry.name), ...users]);
        if (!verdict) continue;
        const what = verdict === "placeholder" ? "a placeholder" : verdict === "weak" ? WEAK_WHAT : "a literal secret";
        ctx.report({
          range: doc.rangeOf(value, d.index, d.index + d.default.length),
          value: d.default,
          name: entry.name,
          message: `\`${entry.name}\` falls back to ${what} when the variable it references is unset${verdict === "weak" ? `: ${WEAK_WHY}` : ""}`,
          fix,
          ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
          ...(verdict === "weak" ? { weak: true, ...weakLevel } : {}),
        });
        continue;
      }
      const verdict = judgeNamedValue(entry.name, value.text, ctx.names, users);
      if (!verdict) continue;
      ctx.report({
        range: entry.valueRange,
        value: value.text,
        name: entry.name,
        message:
          verdict === "secret"
            ? `\`${entry.name}\` is a literal secret in ${doc.file}`
            : verdict === "weak"
              ? `\`${entry.name}\` in ${doc.file} is ${WEAK_VALUE}`
              : `\`${entry.name}\` holds a placeholder; make sure the real value never lands in a committed file`,
        fix,
        ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
        ...(verdict === "weak" ? { weak: true, ...weakLevel } : {}),
      });
    }
  },
});
