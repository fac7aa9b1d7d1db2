import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./known-token.js";

// Fake tokens in real formats, assembled so that scanners of this repository stay quiet.
const GH = "ghp_" + "T5yU8iO2pA6sD9fG1hJ4kL7zX0cV3bN5mQ8w";
const NPM = "npm_" + "Zx7Cv2Bn9Mq4Wl1Ek6Rt3Yu8Io5Pa0Sd2Fg7";

ruleTester(
  rule,
  { kind: "env", parse: parseDotenv },
  {
    valid: [
      { name: "Honeycomb documentation key", code: "HONEYCOMB_API_KEY=hcxik_1234567890123456789012345612345678901234567890123456789012\n" },
      { name: "stub", code: "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" },
      { name: "reference", code: "NPM_TOKEN=${NPM_TOKEN}\n" },
    ],
    invalid: [
      {
        name: "Honeycomb ingest key",
        code: "HONEYCOMB_API_KEY=hcaik_01hq3k9w2x7v5n4m8p6r0t2y4u6i8o0a2s4d6f8g0h2j4k6l8z0x2c4v6b\n",
        errors: [{ ruleId: rule.id, line: 1, column: 19 }],
      },
      { name: "neutral name", code: `CI_SETTING=${GH}\n`, errors: [{ ruleId: rule.id, line: 1, column: 12, endColumn: 52 }] },
      { name: "in a comment", code: `A=1\n# old npm token ${NPM}\n`, errors: [{ ruleId: rule.id, line: 2, column: 17 }] },
    ],
  },
);
