import type { DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { analyze, buildSecretFix, ROTATE } from "./support/shared.js";

/** Credentials in a recognised vendor format anywhere in the file (a value another rule reports is skipped). */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/known-token",
  kind: "dockerfile",
  severity: "error",
  description: "A credential in a known format (GitHub, AWS, Slack, Stripe, private key…) anywhere in the Dockerfile",
  check(ctx) {
    for (const c of analyze(ctx.doc, ctx.names).tokens) {
      const { match } = c;
      const where = c.where === "comment" ? "a comment (comments are kept in git history)" : c.where === "line" ? "a stray line" : c.where;
      ctx.report({
        range: ctx.doc.rangeOf(c.text, match.index, match.length),
        message: `${match.label} in ${where}.`,
        value: c.text.text.slice(match.index, match.index + match.length),
        name: c.name,
        fix: `${ROTATE} Then remove it. ${buildSecretFix(ctx.doc, undefined)}`,
        severity: match.severity,
      });
    }
  },
});
