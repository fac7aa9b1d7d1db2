import type { DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { analyze, buildSecretFix, ROTATE } from "./support/shared.js";

/** `scheme://user:password@host` and `Password=…;` connection strings in any instruction, heredoc or comment. */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/url-credentials",
  kind: "dockerfile",
  severity: "error",
  description: "A password embedded in a URL or connection string",
  check(ctx) {
    for (const c of analyze(ctx.doc, ctx.names).urls) {
      const { match } = c;
      const where = c.where === "comment" ? "a comment" : c.where;
      ctx.report({
        range: ctx.doc.rangeOf(c.text, match.index, match.length),
        message: `${capitalize(match.label)} in ${where}.`,
        value: c.text.text.slice(match.index, match.index + match.length),
        fix: `Keep credentials out of URLs in the Dockerfile: build the URL at run time from a secret file (e.g. \`DATABASE_PASSWORD_FILE=/run/secrets/db_password\`), or for a build step ${buildSecretFix(ctx.doc, "URL_PASSWORD").replace(/^If a build step needs it, use/, "use")} ${ROTATE}`,
      });
    }
  },
});

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
