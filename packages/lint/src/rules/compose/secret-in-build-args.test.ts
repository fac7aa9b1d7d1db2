import { parseCompose } from "../../parse/compose.js";
import rule from "./secret-in-build-args.js";
import { ruleTester } from "../rule-tester.js";

const build = (body: string) => `services:\n  api:\n    build:\n      context: .\n${body}`;

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "reference", code: build("      args:\n        NPM_TOKEN: ${NPM_TOKEN}\n") },
      { name: "neutral args", code: build("      args:\n        - NODE_VERSION=20\n        - APP_ENV=production\n") },
      {
        name: "build secrets instead of args",
        code: build("      secrets:\n        - npm_token\n") + "secrets:\n  npm_token:\n    environment: NPM_TOKEN\n",
      },
      { name: "environment is not build args", code: "services:\n  a:\n    environment:\n      NPM_TOKEN: ${NPM_TOKEN}\n" },
    ],
    invalid: [
      { name: "map form", code: build("      args:\n        NPM_TOKEN: npm-tok-4Fh8Kd2Lq9\n"), errors: [{ ruleId: rule.id, line: 6, column: 20 }] },
      { name: "list form", code: build("      args:\n        - PIP_INDEX_PASSWORD=pipPw-7Tq3Zx\n"), errors: [{ ruleId: rule.id, line: 6, column: 30 }] },
      {
        name: "args through an anchor",
        code: "x-args: &args\n  GITHUB_TOKEN: tok-Lm3Nb8Vc1Xz\nservices:\n  a:\n    build:\n      context: .\n      args: *args\n  b:\n    build:\n      args: *args\n",
        errors: [{ ruleId: rule.id, line: 2, column: 17 }],
      },
    ],
  },
);
