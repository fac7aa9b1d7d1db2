import { scanInterpolation, type ComposeDoc, type ComposeScalar } from "../../parse/compose.js";
import { defineRule } from "../../rule.js";
import { isSecretName } from "../support/compose-entries.js";
import { judgeNamedValue } from "../support/named-values.js";
import { WEAK_VALUE } from "../support/weak.js";

/**
 * Everything the dedicated rules do not read: `x-` extensions no service uses (yet), volume
 * `driver_opts`, `logging.options` (`splunk-token`), `configs`, custom keys. Environment, build
 * args and labels are left to their own rules, which give better fixes.
 */
export default defineRule<ComposeDoc>({
  id: "compose/secret-named-value",
  kind: "compose",
  severity: "error",
  description: "A secret-named key outside environment, build args and labels (x- extensions, driver_opts, logging options) holds a literal",
  check(ctx) {
    const { doc } = ctx;
    let covered: Set<ComposeScalar["node"]> | undefined;
    for (const pair of doc.pairs) {
      // judgeNamedValue reports secret-named keys only: ask that first, before scanning the value.
      if (!isSecretName(pair.name, ctx.names)) continue;
      if (!covered) {
        covered = new Set();
        for (const e of [...doc.environment, ...doc.buildArgs, ...doc.labels]) if (e.value) covered.add(e.value.node);
      }
      if (covered.has(pair.value.node)) continue;
      const scan = scanInterpolation(pair.value.text);
      if (scan.interpolated) continue;
      const verdict = judgeNamedValue(pair.name, scan.unescaped.text, ctx.names);
      if (!verdict) continue;
      const where = [...pair.path, pair.name].join(".");
      ctx.report({
        range: pair.value.range,
        value: pair.value.text.text,
        name: pair.name,
        message:
          verdict === "secret"
            ? `\`${where}\` is a literal secret committed with this compose file`
            : verdict === "weak"
              ? `\`${where}\` is ${WEAK_VALUE}`
              : `\`${where}\` holds a placeholder; make sure the real value never lands in this file`,
        fix: `Reference a variable instead (\`\${${envNameFor(pair.name)}:?}\`) whose value comes from an untracked \`.env\` or a secret store, or move it into a compose secret (\`secrets:\`).`,
        ...(verdict === "placeholder" ? { severity: "info" as const } : {}),
        ...(verdict === "weak" ? { weak: true } : {}),
      });
    }
  },
});

function envNameFor(key: string): string {
  return (
    key
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, "_")
      .replace(/^_+|(?<!_)_+$/g, "") || "SECRET"
  );
}
