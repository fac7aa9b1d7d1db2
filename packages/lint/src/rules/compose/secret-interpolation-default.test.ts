import { parseCompose } from "../../parse/compose.js";
import rule from "./secret-interpolation-default.js";
import { ruleTester } from "../rule-tester.js";

const env = (line: string) => `services:\n  db:\n    environment:\n${line}`;

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "no default", code: env("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n") },
      { name: "required with message", code: env("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?must be set}\n") },
      { name: "non-secret default", code: env("      LOG_LEVEL: ${LOG_LEVEL:-info}\n      POSTGRES_USER: ${POSTGRES_USER:-app}\n") },
      { name: "empty default", code: env("      API_TOKEN: ${API_TOKEN:-}\n") },
      { name: "default is another reference", code: env("      DB_PASSWORD: ${DB_PASSWORD:-${FALLBACK_DB_PASSWORD}}\n") },
      { name: "$${...} is escaped, not interpolated", code: env('      DB_PASSWORD_HINT: "$${DB_PASSWORD:-devpass}"\n') },
      { name: "path default", code: env("      DB_PASSWORD_FILE: ${DB_PASSWORD_FILE:-/run/secrets/db_password}\n") },
    ],
    invalid: [
      {
        name: "`:-` default",
        code: env("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-devpass123}\n"),
        errors: [{ ruleId: rule.id, line: 4, column: 47, endColumn: 57 }],
      },
      { name: "`-` default in list form", code: env("      - DB_PASSWORD=${DB_PASSWORD-devpass123}\n"), errors: [{ ruleId: rule.id, line: 4, column: 35 }] },
      {
        name: "neutral variable under a secret key",
        code: env("      JWT_SECRET: ${JWT:-jwtDefault-9Kp2}\n"),
        errors: [{ ruleId: rule.id, line: 4, column: 26 }],
      },
      {
        name: "in a URL anywhere",
        code: 'services:\n  app:\n    command: ["--db", "postgres://app:${PG_PASSWORD:-pgDefault7}@db/app"]\n',
        errors: [{ ruleId: rule.id, line: 3, column: 54 }],
      },
      {
        name: "placeholder default is info",
        code: env("      API_KEY: ${API_KEY:-<your-key>}\n"),
        errors: [{ ruleId: rule.id, line: 4, column: 27, severity: "info" }],
      },
      {
        name: "weak default is a warning",
        code: env("      NEXTAUTH_SECRET: ${NEXTAUTH_SECRET:-mysecret}\n"),
        errors: [{ ruleId: rule.id, line: 4, column: 43, severity: "warning", weak: true }],
      },
      {
        name: "anchored default reported once",
        code: "x-pw: &pw ${REDIS_PASSWORD:-redisDflt-42}\nservices:\n  a:\n    environment:\n      REDIS_PASSWORD: *pw\n  b:\n    environment:\n      REDIS_PASSWORD: *pw\n",
        errors: [{ ruleId: rule.id, line: 1, column: 29 }],
      },
    ],
  },
);
