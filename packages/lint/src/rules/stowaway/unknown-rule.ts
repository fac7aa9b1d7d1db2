import { didYouMean, isKnownRuleId } from "../../rule-ids.js";
import { defineFileRule, pointRange } from "../../rule.js";

export default defineFileRule({
  id: "stowaway/unknown-rule",
  severity: "warning",
  description: "A stowaway-disable comment names a rule id that does not exist",
  check(ctx) {
    for (const s of ctx.suppressions) {
      const unknown = s.rules.filter((id) => !isKnownRuleId(id));
      if (unknown.length === 0) continue;
      // Reported as unknown, so stowaway/unused-suppression (which runs after) does not report it again.
      s.used = true;
      for (const id of unknown) {
        ctx.report({
          range: pointRange(s.line, s.column),
          message: `Unknown rule id \`${id}\` in a stowaway-disable comment${didYouMean(id)}; it silences nothing`,
          fix: "Use a rule id from `stowaway rules`, or leave the id out to silence every rule on that line.",
          value: id,
          isSecret: false,
        });
      }
    }
  },
});
