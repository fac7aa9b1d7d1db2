import { parseCompose } from "../../parse/compose.js";
import rule from "./secret-in-labels.js";
import { ruleTester } from "../rule-tester.js";

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      { name: "ordinary labels", code: "services:\n  web:\n    labels:\n      com.example.team: core\n" },
      {
        name: "traefik basic-auth hash is not a secret name",
        code: "services:\n  web:\n    labels:\n      - traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/\n",
      },
      { name: "label referencing a variable", code: "services:\n  web:\n    labels:\n      app.api-token: ${API_TOKEN}\n" },
    ],
    invalid: [
      {
        name: "map label",
        code: "services:\n  web:\n    labels:\n      backup.s3.secret-key: s3Key-Qw8Er4Ty1U\n",
        errors: [{ ruleId: rule.id, line: 4, column: 29 }],
      },
      {
        name: "list label",
        code: 'services:\n  web:\n    labels:\n      - "monitor.api_key=mon-K7j3H9g2F"\n',
        errors: [{ ruleId: rule.id, line: 4, column: 26 }],
      },
      {
        name: "build labels",
        code: "services:\n  web:\n    build:\n      context: .\n      labels:\n        registry.password: Reg-5Tb8Nm2Kq\n",
        errors: [{ ruleId: rule.id, line: 6, column: 28 }],
      },
    ],
  },
);
