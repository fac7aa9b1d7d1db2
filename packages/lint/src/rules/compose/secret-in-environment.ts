import type { ComposeDoc } from "../../parse/compose.js";
import { defineRule } from "../../rule.js";
import { reportNamedEntries, serviceList } from "../support/compose-entries.js";
import { composeSecretFix } from "../support/named-values.js";

export default defineRule<ComposeDoc>({
  id: "compose/secret-in-environment",
  kind: "compose",
  severity: "error",
  description: "A service's environment holds a literal secret under a secret-looking name",
  check(ctx) {
    reportNamedEntries(ctx, ctx.doc.environment, {
      message: (name, services) =>
        `\`${name}\` in the environment of ${serviceList(services)} is a literal secret: it is committed with this file and shown by \`docker inspect\``,
      placeholder: (name) => `\`${name}\` holds a placeholder; make sure the real value never lands in this file`,
      fix: composeSecretFix,
    });
  },
});
