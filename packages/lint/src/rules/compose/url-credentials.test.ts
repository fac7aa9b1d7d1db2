import { parseCompose } from "../../parse/compose.js";
import rule from "./url-credentials.js";
import { ruleTester } from "../rule-tester.js";

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "password from a variable", code: "services:\n  app:\n    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app\n" },
      {
        name: "no password",
        code: "services:\n  app:\n    environment:\n      DATABASE_URL: postgres://app@db:5432/app\n      REDIS_URL: redis://cache:6379/0\n",
      },
      { name: "escaped runtime variable", code: "services:\n  app:\n    command: psql postgres://app:$$PGPASSWORD@db/app\n" },
    ],
    invalid: [
      {
        name: "environment URL",
        code: "services:\n  app:\n    environment:\n      DATABASE_URL: postgres://app:Pg-Pw-5521@db:5432/app\n",
        errors: [{ ruleId: rule.id, line: 4, column: 36, endColumn: 46 }],
      },
      {
        name: "list item URL",
        code: "services:\n  app:\n    environment:\n      - AMQP_URL=amqp://guest:Rabbit-77x@mq:5672/\n",
        errors: [{ ruleId: rule.id, line: 4, column: 31 }],
      },
      {
        name: "URL in a comment",
        code: "services:\n  app:\n    image: app\n    # old: mysql://root:OldRoot-331@db/app\n",
        errors: [{ ruleId: rule.id, line: 4, column: 25 }],
      },
      {
        name: "connection string",
        code: 'services:\n  app:\n    environment:\n      ConnectionStrings__Db: "Server=db;User Id=sa;Password=Mssql-Pw-81;"\n',
        errors: [{ ruleId: rule.id, line: 4, column: 61 }],
      },
    ],
  },
);
