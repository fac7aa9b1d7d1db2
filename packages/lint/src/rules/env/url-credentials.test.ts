import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./url-credentials.js";

ruleTester(rule, { kind: "env", parse: parseDotenv }, {
  valid: [
    { name: "reference password", code: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n" },
    { name: "no userinfo", code: "REDIS_URL=redis://cache:6379\n" },
  ],
  invalid: [
    { name: "database URL", code: "DATABASE_URL=postgres://app:Env-Url-883@db:5432/app\n", errors: [{ ruleId: rule.id, line: 1, column: 29, endColumn: 40 }] },
    { name: "quoted", code: 'MONGO_URI="mongodb://root:Mongo-Pw-27@mongo:27017"\n', errors: [{ ruleId: rule.id, line: 1, column: 27 }] },
  ],
});
