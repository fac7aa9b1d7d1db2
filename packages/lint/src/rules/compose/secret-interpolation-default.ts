import { classifyName, judgeSecretValue, splitNameWords } from "../../detect/index.js";
import { scanInterpolation, type ComposeDoc, type ComposeScalar } from "../../parse/compose.js";
import { sliceMapped } from "../../parse/offsets.js";
import { defineRule } from "../../rule.js";
import { WEAK_WHAT, WEAK_WHY } from "../support/weak.js";

export default defineRule<ComposeDoc>({
  id: "compose/secret-interpolation-default",
  kind: "compose",
  severity: "error",
  description: "`${VAR:-default}` with a literal secret as the default: the default ships whenever VAR is unset",
  check(ctx) {
    const { doc } = ctx;
    // The key a value sits under also names it: `DB_PASSWORD: ${PW:-hunter2}`.
    const keyOf = new Map<ComposeScalar["node"], string>();
    for (const e of [...doc.environment, ...doc.buildArgs, ...doc.labels]) if (e.value) keyOf.set(e.value.node, e.name);
    const seen = new Set<string>();
    for (const scalar of doc.scalarsContaining("${")) {
      const entryName = keyOf.get(scalar.node);
      const scan = scanInterpolation(scalar.text);
      for (const [i, ref] of scan.refs.entries()) {
        if ((ref.op !== ":-" && ref.op !== "-") || !ref.arg) continue;
        // A nested reference (`${A:-${B}}`) is the next ref (they are sorted by start): skip without
        // rescanning the default, which made deep nesting quadratic.
        if ((scan.refs[i + 1]?.start ?? Infinity) < ref.arg.end) continue;
        const raw = sliceMapped(scalar.text, ref.arg.start, ref.arg.end);
        const inner = scanInterpolation(raw);
        if (inner.interpolated) continue; // `${A:-${B}}`: the nested reference is judged on its own.
        const value = inner.unescaped.text;
        const secretNamed = classifyName(ref.name, ctx.names) === "secret" || (entryName !== undefined && classifyName(entryName, ctx.names) === "secret");
        if (!secretNamed || value === "") continue;
        const verdict = judgeSecretValue(value, [...splitNameWords(ref.name), ...(entryName ? splitNameWords(entryName) : [])]);
        if (!verdict) continue;
        const placeholder = verdict === "placeholder";
        const range = doc.rangeOf(scalar.text, ref.arg.start, ref.arg.end);
        const key = `${range.start.line}:${range.start.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ctx.report({
          range,
          value: raw.text,
          name: ref.name,
          message: placeholder
            ? `The default of \`\${${ref.name}}\` is a placeholder; it is used whenever \`${ref.name}\` is unset`
            : verdict === "weak"
              ? `The default of \`\${${ref.name}}\` is ${WEAK_WHAT}, used whenever \`${ref.name}\` is unset: ${WEAK_WHY}`
              : `The default of \`\${${ref.name}}\` is a literal secret: it ships whenever \`${ref.name}\` is unset, and it is committed with this file`,
          fix: `Drop the default and fail loudly when the variable is missing: \`\${${ref.name}:?${ref.name} is required}\`; keep the value in an untracked \`.env\` or a secret store.`,
          ...(placeholder ? { severity: "info" as const } : {}),
          ...(verdict === "weak" ? { weak: true } : {}),
        });
      }
    }
  },
});
