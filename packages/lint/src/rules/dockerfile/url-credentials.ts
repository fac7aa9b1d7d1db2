import { findKnownTokens } from "../../detect/index.js";
import type { DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { WEAK_VALUE } from "../support/weak.js";
import { analyze, buildSecretFix, ROTATE } from "./support/shared.js";
import { capitalize } from "../support/capitalize.js";
import { urlCredentialFix } from "../support/fix-examples.js";

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
      const token = findKnownTokens(c.text.text.slice(match.index, match.index + match.length))[0];
      ctx.report({
        range: ctx.doc.rangeOf(c.text, match.index, match.length),
        message: `${token ? `${token.label} used as the ${match.kind === "url-token" ? "user name" : "password"} of a URL` : capitalize(match.label)} in ${where}${match.weak && !token ? ` is ${WEAK_VALUE}` : ""}.`,
        ...(match.weak && !token ? { weak: true } : {}),
        value: c.text.text.slice(match.index, match.index + match.length),
        name: c.name,
        fix: `Pass the whole URL as a secret. ${buildSecretFix(ctx.doc, "SECRET_URL")} Run time: ${urlCredentialFix(c.text.text, match.index, match.kind)} ${ROTATE}`,
      });
    }
  },
});
