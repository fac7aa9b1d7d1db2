import type { ComposeDoc } from "../../parse/compose.js";
import { defineRule } from "../../rule.js";
import { reportNamedEntries, serviceList } from "../support/compose-entries.js";
import { secretIdFor } from "../support/named-values.js";

export default defineRule<ComposeDoc>({
  id: "compose/secret-in-build-args",
  kind: "compose",
  severity: "error",
  description: "A build argument holds a literal secret; build args are kept in the image history",
  check(ctx) {
    reportNamedEntries(ctx, ctx.doc.buildArgs, {
      message: (name, services) =>
        `Build arg \`${name}\` of ${serviceList(services)} is a literal secret: build args end up in the image history (\`docker history\`) and in this file`,
      placeholder: (name) => `Build arg \`${name}\` holds a placeholder; pass the real value as a build secret, not a build arg`,
      fix: (name) => {
        const id = secretIdFor(name);
        return (
          `Use a build secret: under \`build:\` add \`secrets: [${id}]\`, declare it at the top level ` +
          `(\`secrets: { ${id}: { environment: ${name} } }\`), and in the Dockerfile replace \`ARG ${name}\` with ` +
          `\`RUN --mount=type=secret,id=${id},env=${name} …\` (or read \`/run/secrets/${id}\`).`
        );
      },
    });
  },
});
