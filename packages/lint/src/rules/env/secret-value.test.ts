import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./secret-value.js";

ruleTester(rule, { kind: "env", parse: parseDotenv }, {
  valid: [
    { name: "neutral names", code: "NODE_ENV=production\nPORT=3000\nPOSTGRES_USER=app\n" },
    { name: "empty secret", code: "DB_PASSWORD=\nAPI_TOKEN=''\n" },
    { name: "reference", code: "DB_PASSWORD=${VAULT_DB_PASSWORD}\nAPI_KEY=$API_KEY_FROM_CI\n" },
    { name: "*_FILE path", code: "DB_PASSWORD_FILE=/run/secrets/db_password\n" },
    { name: "bare name passes through", code: "export API_TOKEN\n" },
    { name: "commented-out assignment", code: "# DB_PASSWORD=old-pass-123\n" },
    { name: "default that is a reference", code: "DB_PASSWORD=${DB_PASSWORD:-${FALLBACK}}\n" },
  ],
  invalid: [
    { name: "plain", code: "DB_PASSWORD=Pg-Env-4412\n", errors: [{ ruleId: rule.id, line: 1, column: 13, endColumn: 24 }] },
    { name: "export and spaces", code: "export  SECRET_KEY = sk-env-7Yh3Jq   # prod\n", errors: [{ ruleId: rule.id, line: 1, column: 22, endColumn: 35 }] },
    { name: "double-quoted", code: 'API_KEY="ak-env-Wq2Er9"\n', errors: [{ ruleId: rule.id, line: 1, column: 10, endColumn: 23 }] },
    { name: "single-quoted", code: "SESSION_SECRET='sq-Lit-5511'\n", errors: [{ ruleId: rule.id, line: 1, column: 17, endColumn: 28 }] },
    {
      name: "multi-line private key value",
      code: 'OTHER=1\nSSH_PRIVATE_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"\n',
      errors: [{ ruleId: rule.id, line: 2, column: 18, endLine: 4 }],
    },
    { name: "literal default", code: "REDIS_PASSWORD=${REDIS_PASSWORD:-redis-dflt-91}\n", errors: [{ ruleId: rule.id, line: 1, column: 34 }] },
    { name: "placeholder is info", code: "STRIPE_SECRET=<your-stripe-secret>\n", errors: [{ ruleId: rule.id, line: 1, column: 15, severity: "info" }] },
  ],
});
