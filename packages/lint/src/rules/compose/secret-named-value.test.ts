import { parseCompose } from "../../parse/compose.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./secret-named-value.js";

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "environment is another rule's", code: "services:\n  a:\n    environment:\n      DB_PASSWORD: literal-pw-1\n" },
      {
        name: "anchored environment used by a service is another rule's",
        code: "x-env: &env\n  DB_PASSWORD: literal-pw-1\nservices:\n  a:\n    environment: *env\n",
      },
      { name: "secrets definitions", code: "secrets:\n  db_password:\n    file: ./db_password.txt\n  api_token:\n    environment: API_TOKEN\n" },
      { name: "reference", code: "volumes:\n  share:\n    driver_opts:\n      password: ${SHARE_PASSWORD:?}\n" },
      { name: "neutral keys", code: "x-defaults:\n  restart: unless-stopped\n  token_ttl: 3600\n" },
    ],
    invalid: [
      {
        name: "x- extension no service uses",
        code: "x-secrets:\n  DB_PASSWORD: unused-but-committed-7\nservices:\n  a:\n    image: a\n",
        errors: [{ ruleId: rule.id, line: 2, column: 16 }],
      },
      {
        name: "logging option",
        code: "services:\n  a:\n    logging:\n      driver: splunk\n      options:\n        splunk-token: 6f1c2a9e-splk-4b7d\n",
        errors: [{ ruleId: rule.id, line: 6, column: 23 }],
      },
      {
        name: "volume driver_opts",
        code: "volumes:\n  share:\n    driver: local\n    driver_opts:\n      type: cifs\n      password: Cifs-Share-55\n",
        errors: [{ ruleId: rule.id, line: 6, column: 17 }],
      },
    ],
  },
);
