import type { ComposeDoc } from "../../parse/compose.js";
import { defineRule } from "../../rule.js";
import { reportNamedEntries, serviceList } from "../support/compose-entries.js";

export default defineRule<ComposeDoc>({
  id: "compose/secret-in-labels",
  kind: "compose",
  severity: "error",
  description: "A label holds a literal secret; labels are public metadata of containers and images",
  check(ctx) {
    reportNamedEntries(ctx, ctx.doc.labels, {
      message: (name, services) =>
        `Label \`${name}\` of ${serviceList(services)} is a literal secret: labels are readable by anyone who can list containers or pull the image`,
      placeholder: (name) => `Label \`${name}\` holds a placeholder; labels are no place for credentials`,
      fix: () => "Labels are public metadata: keep credentials out of them. Pass the value as a compose secret (`secrets:`) to the service that needs it.",
    });
  },
});
