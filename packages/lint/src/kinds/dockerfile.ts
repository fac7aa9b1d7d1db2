import type { KindHandler } from "../kinds.js";
import { parseDockerfile, type DockerfileDoc } from "../parse/dockerfile.js";
import { dockerfileRules } from "../rules/dockerfile/index.js";

export const dockerfileHandler: KindHandler<DockerfileDoc> = {
  kind: "dockerfile",
  parse: parseDockerfile,
  rules: dockerfileRules,
  statementStart: (doc, line) => doc.statementStart(line),
  warnings: (doc) => doc.warnings,
  // `#` after an instruction is an argument; only own-line directives count.
  trailingComments: false,
};
