import type { ComposeDoc } from "../../parse/compose.js";
import { defineRule, type RuleContext } from "../../rule.js";
import { reportKnownTokens } from "../support/raw-scans.js";

export default defineRule<ComposeDoc>({
  id: "compose/known-token",
  kind: "compose",
  severity: "error",
  description: "A credential in a known vendor format (GitHub, AWS, Slack, Stripe, private keys…) anywhere in the file, comments included",
  check(ctx) {
    reportKnownTokens(ctx as RuleContext<unknown>, ctx.doc.lines, "this compose file");
  },
});
