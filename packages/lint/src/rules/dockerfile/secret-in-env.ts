import type { DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { capitalize } from "../support/capitalize.js";
import { WEAK_WHAT, WEAK_WHY } from "../support/weak.js";
import { analyze, buildSecretFix, ROTATE, runtimeSecretFix } from "./support/shared.js";

/** ENV, ARG defaults and LABELs whose name says secret and whose value is a literal. */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/secret-in-env",
  kind: "dockerfile",
  severity: "error",
  description: "ENV, ARG default or LABEL bakes a literal secret into the image",
  check(ctx) {
    for (const c of analyze(ctx.doc, ctx.names).env) {
      const { ins, pair } = c;
      const what = c.token ? `a literal ${c.token.label}` : c.placeholder ? "a placeholder secret" : c.weak ? WEAK_WHAT : "a literal secret";
      const via = c.fromDefault ? " as the default of a variable reference" : c.option ? ` in its options (${c.option})` : "";
      const where =
        ins.keyword === "ENV"
          ? "ENV values are stored in the image config: anyone who can pull the image reads them with `docker inspect`, and every container inherits them."
          : ins.keyword === "ARG"
            ? "ARG defaults are recorded in the image history and build provenance, even in a multi-stage build's final image when the ARG is used."
            : "LABEL values are stored in the image config, readable by anyone who can pull the image.";
      const fix = c.placeholder
        ? `Declare \`${ins.keyword} ${pair.name}\` without a value and supply it when running. ${runtimeSecretFix(pair.name)}`
        : c.option
          ? `Take it out of ${pair.name} and have the program read it from a file mounted by a compose \`secrets:\` entry (\`/run/secrets/<id>\`). ${ROTATE}`
          : `Remove the value. ${ins.keyword === "ENV" ? runtimeSecretFix(pair.name) + " " : ""}${buildSecretFix(ctx.doc, pair.name)} ${ROTATE}`;
      ctx.report({
        range: ctx.doc.rangeOf(c.value),
        message: `${ins.keyword} ${pair.name} sets ${what}${via}. ${c.weak ? `${capitalize(WEAK_WHY)}. ` : ""}${where}`,
        value: c.value.text,
        name: pair.name,
        fix,
        severity: c.placeholder ? "info" : undefined,
        ...(c.weak ? { weak: true } : {}),
      });
    }
  },
});
