import type { DotenvDoc } from "../../parse/dotenv.js";
import { defineRule, type RuleContext } from "../../rule.js";
import { reportKnownTokens } from "../support/raw-scans.js";

export default defineRule<DotenvDoc>({
  id: "env/known-token",
  kind: "env",
  severity: "error",
  description: "A credential in a known vendor format anywhere in an env file, whatever its name, comments included",
  check(ctx) {
    reportKnownTokens(ctx as RuleContext<unknown>, ctx.doc.lines, ctx.file);
  },
});
