import { urlCredentialFix } from "./fix-examples.js";
import { findCredentialsInText, findKnownTokens } from "../../detect/index.js";
import type { LineIndex } from "../../parse/offsets.js";
import type { RuleContext } from "../../rule.js";
import { WEAK_VALUE } from "./weak.js";

/**
 * Token formats are recognisable anywhere, so they are searched in the raw file, comments
 * included. Scanning the text (not the parsed values) reports an anchored value once, at its
 * definition, and finds keys pasted into comments.
 */
export function reportKnownTokens(ctx: RuleContext<unknown>, lines: LineIndex, where: string): void {
  for (const m of findKnownTokens(ctx.source)) {
    ctx.report({
      range: lines.range(m.index, m.index + m.length),
      value: ctx.source.slice(m.index, m.index + m.length),
      message: `${m.label} in ${where}: anyone who can read this file can use it`,
      fix: "Revoke and rotate it now (it may already be in git history), then deliver it at runtime: a compose secret, a secret store, or an untracked env file.",
      ...(m.severity ? { severity: m.severity } : {}),
    });
  }
}

/** Passwords in `scheme://user:password@host` URLs and `Password=…;` connection strings. */
export function reportUrlCredentials(ctx: RuleContext<unknown>, lines: LineIndex, where: string, weakLevel?: "info"): void {
  for (const m of findCredentialsInText(ctx.source)) {
    ctx.report({
      range: lines.range(m.index, m.index + m.length),
      value: ctx.source.slice(m.index, m.index + m.length),
      message: m.weak ? `A ${m.label} in ${where} is ${WEAK_VALUE}` : `A ${m.label} in ${where}`,
      ...(m.weak ? { weak: true, ...(weakLevel ? { severity: weakLevel } : {}) } : {}),
      fix: urlCredentialFix(ctx.source, m.index, m.kind),
    });
  }
}
