import { parseCompose } from "../../parse/compose.js";
import rule from "./known-token.js";
import { ruleTester } from "../rule-tester.js";

// Fake tokens in real formats, built from parts so that scanners of this repository stay quiet.
const GH = "ghp_" + "R8kq2Lw9ZtY4mN7pV3sXc6Hd1Jf5Gb0Ae2Ku";
const AWS_ID = "AKIA" + "Q3T7WZ2RMB4KX6PY";
const SLACK = "xoxb-" + "2817364-9182736455-Hq8Zr2Xw7Lm4Nv6Bp1Tc";

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "documentation stub", code: "services:\n  ci:\n    environment:\n      GITHUB_TOKEN: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" },
      { name: "reference", code: "services:\n  ci:\n    environment:\n      GITHUB_TOKEN: ${GITHUB_TOKEN}\n" },
    ],
    invalid: [
      {
        name: "token under a neutral name",
        code: `services:\n  ci:\n    environment:\n      RUNNER_CONFIG: ${GH}\n`,
        errors: [{ ruleId: rule.id, line: 4, column: 22, endColumn: 62 }],
      },
      {
        name: "token in a comment",
        code: `services:\n  ci:\n    image: runner\n    # token was ${AWS_ID}\n`,
        errors: [{ ruleId: rule.id, line: 4, column: 17 }],
      },
      {
        name: "token inside a command",
        code: `services:\n  bot:\n    command: ["notify", "--slack", "${SLACK}"]\n`,
        errors: [{ ruleId: rule.id, line: 3, column: 37 }],
      },
      {
        name: "anchored token reported once",
        code: `x-ci: &ci\n  TOKEN_HOLDER: ${GH}\nservices:\n  a:\n    environment: *ci\n  b:\n    environment: *ci\n`,
        errors: [{ ruleId: rule.id, line: 2, column: 17 }],
      },
      {
        name: "private key in a block scalar",
        code: [
          "services:",
          "  app:",
          "    environment:",
          "      TLS_MATERIAL: |",
          "        -----BEGIN RSA PRIVATE KEY-----",
          "        MIIEowIBAAKCAQEAu8Qm3Zr7Kp2Wx9Lq4Nv6Bt1Hc5Jd8Fe0Ga3Ib7Kc2Md9Ne4Of",
          "        Pg6Qh1Ri8Sj3Tk5Ul0Vm2Wn7Xo4Yp9Zq1Ar6Bs3Ct8Du5Ev0Fw2Gx7Hy4Iz9Ja1Kb",
          "        -----END RSA PRIVATE KEY-----",
          "",
        ].join("\n"),
        errors: [{ ruleId: rule.id, line: 5, column: 9 }],
      },
    ],
  },
);
