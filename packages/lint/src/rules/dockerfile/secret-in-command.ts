import { classifyName, findKnownTokens } from "../../detect/index.js";
import type { DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { WEAK_VALUE } from "../support/weak.js";
import { analyze, buildSecretFix, fileSecretFix, ROTATE } from "./support/shared.js";

/** Secrets on command lines: RUN (and its heredocs), CMD, ENTRYPOINT, HEALTHCHECK, COPY heredoc bodies. */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/secret-in-command",
  kind: "dockerfile",
  severity: "error",
  description: "A literal secret on a RUN, CMD, ENTRYPOINT or HEALTHCHECK command line",
  check(ctx) {
    for (const c of analyze(ctx.doc, ctx.names).commands) {
      const { match } = c;
      const token = findKnownTokens(match.value)[0];
      const what = token ? token.label : "Literal secret";
      const name = secretNameHint(match.label);
      const runtime = c.where === "CMD" || c.where === "ENTRYPOINT" || c.where === "HEALTHCHECK";
      const consequence =
        c.where.endsWith("heredoc") && !c.where.startsWith("RUN")
          ? "is written into a file in the image"
          : runtime
            ? "is stored in the image config and visible in `docker inspect` and the process list"
            : "is recorded in the image history (`docker history`) and build logs";
      ctx.report({
        range: ctx.doc.rangeOf(c.text, match.index, match.length),
        message: match.weak
          ? `${what} in ${c.where} (${match.label}) is ${WEAK_VALUE}; it ${consequence}.`
          : `${what} in ${c.where} (${match.label}): it ${consequence}.`,
        ...(match.weak ? { weak: true } : {}),
        value: match.value,
        name: name && /variable|setting/.test(match.label) && classifyName(name, ctx.names) === "secret" ? name : undefined,
        fix: runtime
          ? `Have the command read the secret from a file: a compose \`secrets:\` entry mounted at \`/run/secrets/<id>\`, or an \`*_FILE\` variable. ${ROTATE}`
          : match.kind === "npm-auth-token"
            ? `${fileSecretFix("npmrc", "/root/.npmrc")} ${ROTATE}`
            : `${buildSecretFix(ctx.doc, name)} ${ROTATE}`,
      });
    }
  },
});

/** A name to derive the secret id in the fix from: the variable, setting or secret-named option that held it. */
function secretNameHint(label: string): string | undefined {
  const named = /(?:variable|setting) (\S+)$/.exec(label) ?? /^--([A-Za-z][\w-]*) option$/.exec(label);
  return named?.[1];
}
