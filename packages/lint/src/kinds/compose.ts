import type { KindHandler } from "../kinds.js";
import { composeRelatedTargets, parseCompose, type ComposeDoc } from "../parse/compose.js";
import { composeRules } from "../rules/compose/index.js";

export const composeHandler: KindHandler<ComposeDoc> = {
  kind: "compose",
  parse: parseCompose,
  rules: composeRules,
  related: composeRelatedTargets,
  statementStart: (doc, line) => doc.statementStart(line),
  trailingComments: true,
};
