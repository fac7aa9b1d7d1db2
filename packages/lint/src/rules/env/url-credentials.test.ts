import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./url-credentials.js";

ruleTester(
  rule,
  { kind: "env", parse: parseDotenv },
  {
    valid: [
      { name: "libpq string with a reference", code: "PG_DSN=host=db user=app password=${PGPASSWORD} dbname=app\n" },
      { name: "lone password= is the name rules' business", code: "OPTIONS=password=x\n" },
      { name: "non-secret header entries", code: "OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-dataset=checkout-service,x-scope-orgid=tenant-1\n" },
      { name: "header with a reference", code: "OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer ${OTEL_TOKEN}\n" },
      { name: "slot in a URL", code: "MONGO_URL=mongodb://root:<password>@mongo:27017/\n" },
      { name: "reference password", code: "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n" },
      { name: "no userinfo", code: "REDIS_URL=redis://cache:6379\n" },
    ],
    invalid: [
      {
        name: ".env.example: demo URL password is info",
        file: ".env.dev.example",
        code: "DATABASE_URL=postgresql://postgres:postgres@localhost:5432/postgres\n",
        errors: [{ ruleId: rule.id, line: 1, column: 36, severity: "info", weak: true }],
      },
      {
        name: "weak URL password is a warning",
        code: "ME_CONFIG_MONGODB_URL=mongodb://root:example@mongo:27017/\n",
        errors: [{ ruleId: rule.id, line: 1, column: 38, severity: "warning", weak: true }],
      },
      {
        name: "URL in a default",
        code: "DATABASE_URL=${DATABASE_URL:-postgresql://app:Pq8-vLm2-xR4@db:5432/app}\n",
        errors: [{ ruleId: rule.id, line: 1, column: 47 }],
      },
      {
        name: "libpq keyword string",
        code: 'PG_DSN="host=db user=app password=Lq4-Kp9w-Zt2 dbname=app sslmode=require"\n',
        errors: [{ ruleId: rule.id, line: 1, column: 35 }],
      },
      {
        name: "Authorization=Basic in OTLP headers",
        code: "OTEL_EXPORTER_OTLP_HEADERS=Authorization=Basic%20Zng6Rngtb3RlbC00OHhx\n",
        errors: [{ ruleId: rule.id, line: 1, column: 50 }],
      },
      {
        name: "secret header entry in OTLP headers",
        code: "OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=Hn7qKx2vWm9pRt4z,x-honeycomb-dataset=web\n",
        errors: [{ ruleId: rule.id, line: 1, column: 45 }],
      },
      {
        name: "database URL",
        code: "DATABASE_URL=postgres://app:Env-Url-883@db:5432/app\n",
        errors: [{ ruleId: rule.id, line: 1, column: 29, endColumn: 40 }],
      },
      { name: "quoted", code: 'MONGO_URI="mongodb://root:Mongo-Pw-27@mongo:27017"\n', errors: [{ ruleId: rule.id, line: 1, column: 27 }] },
    ],
  },
);
