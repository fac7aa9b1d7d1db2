import { defineFileRule, pointRange } from "../../rule.js";

export default defineFileRule({
  id: "stowaway/unused-suppression",
  severity: "info",
  description: "A stowaway-disable comment that silences nothing",
  check(ctx) {
    for (const s of ctx.suppressions) {
      const range = pointRange(s.line, s.column);
      const value = s.rules.join(",");
      if (s.inert) {
        // Worse than unused: Docker passes the text to the command, so this one is a warning.
        ctx.report({
          range,
          severity: "warning",
          message: "A trailing `# stowaway-disable-line` in a Dockerfile is part of the instruction's arguments, not a comment: it silences nothing",
          fix: "Put `# stowaway-disable-next-line <rule-id> -- <reason>` on its own line above the instruction, and remove the trailing text (Docker passes it to the command).",
          value,
          isSecret: false,
        });
        continue;
      }
      if (s.used) continue;
      ctx.report({ range, message: `suppression${s.rules.length ? ` for ${s.rules.join(", ")}` : ""} silences nothing; remove it`, value, isSecret: false });
    }
  },
});
