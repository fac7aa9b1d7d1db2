import type { DotenvDoc } from "../../parse/dotenv.js";
import { isEnvTemplateName } from "../../discover.js";
import { defineRule, type RuleContext } from "../../rule.js";
import { reportUrlCredentials } from "../support/raw-scans.js";

export default defineRule<DotenvDoc>({
  id: "env/url-credentials",
  kind: "env",
  severity: "error",
  description: "A password inside a URL (`DATABASE_URL=postgres://user:password@db`) or a connection string in an env file",
  check(ctx) {
    // Demo credentials in a template (`.env.example`) are what belongs there: info.
    reportUrlCredentials(ctx as RuleContext<unknown>, ctx.doc.lines, ctx.file, isEnvTemplateName(ctx.file) ? "info" : undefined);
  },
});
