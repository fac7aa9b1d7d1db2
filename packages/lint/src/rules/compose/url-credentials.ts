import type { ComposeDoc } from "../../parse/compose.js";
import { defineRule, type RuleContext } from "../../rule.js";
import { reportUrlCredentials } from "../support/raw-scans.js";

export default defineRule<ComposeDoc>({
  id: "compose/url-credentials",
  kind: "compose",
  severity: "error",
  description: "A password inside a URL (`postgres://user:password@db`) or a connection string, anywhere in the file",
  check(ctx) {
    reportUrlCredentials(ctx as RuleContext<unknown>, ctx.doc.lines, "this compose file");
  },
});
