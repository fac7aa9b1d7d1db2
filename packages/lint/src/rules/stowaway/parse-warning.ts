import { defineFileRule, pointRange } from "../../rule.js";

/** The parser's warnings (problems that did not stop parsing) as findings. */
export default defineFileRule({
  id: "stowaway/parse-warning",
  severity: "info",
  description: "The file parsed, but part of it may not mean what it seems (e.g. an unterminated heredoc)",
  check(ctx) {
    for (const w of ctx.warnings) {
      // The warning's code keys the fingerprint; parser messages describe, never quote.
      ctx.report({ range: pointRange(w.line ?? 1, w.column ?? 1), message: w.message, value: w.code, isSecret: false });
    }
  },
});
