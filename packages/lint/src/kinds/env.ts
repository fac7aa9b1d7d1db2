import type { KindHandler } from "../kinds.js";
import { parseDotenv, type DotenvDoc } from "../parse/dotenv.js";
import { envRules } from "../rules/env/index.js";

export const envHandler: KindHandler<DotenvDoc> = {
  kind: "env",
  parse: parseDotenv,
  rules: envRules,
  statementStart: (doc, line) => doc.statementStart(line),
  trailingComments: true,
};
