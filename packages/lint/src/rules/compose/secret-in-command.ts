import { findCommandLineSecrets } from "../../detect/index.js";
import { unescapeDollars, type ComposeDoc } from "../../parse/compose.js";
import { joinMapped } from "../../parse/offsets.js";
import { defineRule } from "../../rule.js";
import { WEAK_VALUE } from "../support/weak.js";
import { capitalize } from "../support/capitalize.js";
import { commandLineFix } from "../support/fix-examples.js";

export default defineRule<ComposeDoc>({
  id: "compose/secret-in-command",
  kind: "compose",
  severity: "error",
  description: "A literal secret on the command line of `command`, `entrypoint` or `healthcheck.test`",
  check(ctx) {
    for (const cmd of ctx.doc.commands) {
      // Exec-form lists are joined with spaces for detection; offsets still point into each item.
      const joined =
        cmd.form === "shell" && cmd.parts.length === 1
          ? cmd.parts[0].text
          : joinMapped(
              cmd.parts.map((p) => p.text),
              " ",
            );
      const shell = unescapeDollars(joined);
      for (const m of findCommandLineSecrets(shell.text, ctx.names)) {
        ctx.report({
          range: ctx.doc.rangeOf(shell, m.index, m.index + m.length),
          value: m.value,
          message: m.weak
            ? `${capitalize(m.label)} in \`${cmd.field}\` of service \`${cmd.service}\` is ${WEAK_VALUE}`
            : `${capitalize(m.label)} in \`${cmd.field}\` of service \`${cmd.service}\`: it is committed with this file and visible in \`docker inspect\` and \`ps\``,
          ...(m.weak ? { weak: true } : {}),
          fix: commandLineFix(shell.text, m.index),
        });
      }
    }
  },
});
