import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./known-token.js";

// Fake tokens in real formats, assembled so that scanners of this repository stay quiet.
const GH = "ghp_" + "T5yU8iO2pA6sD9fG1hJ4kL7zX0cV3bN5mQ8w";
const NPM = "npm_" + "Zx7Cv2Bn9Mq4Wl1Ek6Rt3Yu8Io5Pa0Sd2Fg7";

ruleTester(rule, { kind: "env", parse: parseDotenv }, {
  valid: [
    { name: "stub", code: "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" },
    { name: "reference", code: "NPM_TOKEN=${NPM_TOKEN}\n" },
  ],
  invalid: [
    { name: "neutral name", code: `CI_SETTING=${GH}\n`, errors: [{ ruleId: rule.id, line: 1, column: 12, endColumn: 52 }] },
    { name: "in a comment", code: `A=1\n# old npm token ${NPM}\n`, errors: [{ ruleId: rule.id, line: 2, column: 17 }] },
  ],
});
