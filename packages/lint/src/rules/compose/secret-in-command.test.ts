import { parseCompose } from "../../parse/compose.js";
import rule from "./secret-in-command.js";
import { ruleTester } from "../rule-tester.js";

const svc = (body: string) => `services:\n  cache:\n    image: redis:7\n${body}`;

ruleTester(
  rule,
  { kind: "compose", parse: parseCompose },
  {
    valid: [
      {
        name: "sqlcmd with a runtime variable",
        code: svc(
          '    healthcheck:\n      test: ["CMD-SHELL", "/opt/mssql-tools18/bin/sqlcmd -S localhost -U sa -P \\"$$MSSQL_SA_PASSWORD\\" -C -Q \'SELECT 1\'"]\n',
        ),
      },
      { name: "escaped runtime variable", code: svc("    command: redis-server --requirepass $$REDIS_PASSWORD\n") },
      { name: "compose-interpolated variable", code: svc('    command: ["redis-server", "--requirepass", "${REDIS_PASSWORD}"]\n') },
      { name: "read from a secret file", code: svc("    command: sh -c 'redis-server --requirepass \"$$(cat /run/secrets/redis_password)\"'\n") },
      { name: "healthcheck without credentials", code: svc('    healthcheck:\n      test: ["CMD", "redis-cli", "ping"]\n') },
      { name: "mysqladmin prompting", code: svc("    healthcheck:\n      test: mysqladmin ping -h localhost -p\n") },
    ],
    invalid: [
      {
        name: "sqlcmd -P in a CMD-SHELL healthcheck (weak)",
        code: svc('    healthcheck:\n      test: ["CMD-SHELL", "/opt/mssql-tools/bin/sqlcmd -S localhost -U sa -P example_123 -Q \'SELECT 1\' || exit 1"]\n'),
        errors: [{ ruleId: rule.id, line: 5, column: 78, severity: "warning", weak: true }],
      },
      {
        name: "sqlcmd -P in a CMD list",
        code: svc(
          '    healthcheck:\n      test: ["CMD", "/opt/mssql-tools18/bin/sqlcmd", "-S", "localhost", "-U", "sa", "-P", "Ms9-Kq2v-Lx7", "-Q", "SELECT 1"]\n',
        ),
        errors: [{ ruleId: rule.id, line: 5, column: 92, severity: "error" }],
      },
      {
        name: "redis-cli -a weak password",
        code: svc('    healthcheck:\n      test: ["CMD-SHELL", "redis-cli -a bitnami ping"]\n'),
        errors: [{ ruleId: rule.id, line: 5, column: 41, severity: "warning", weak: true }],
      },
      { name: "string command", code: svc("    command: redis-server --requirepass Rds-9vQ2mX7k\n"), errors: [{ ruleId: rule.id, line: 4, column: 41 }] },
      {
        name: "exec list: offset maps back to the right item",
        code: svc('    command: ["redis-server", "--requirepass", "Rds-9vQ2mX7k"]\n'),
        errors: [{ ruleId: rule.id, line: 4, column: 49, endColumn: 61 }],
      },
      {
        name: "block list",
        code: svc("    entrypoint:\n      - redis-server\n      - --requirepass\n      - Rds-9vQ2mX7k\n"),
        errors: [{ ruleId: rule.id, line: 7, column: 9 }],
      },
      {
        name: "healthcheck CMD list",
        code: svc('    healthcheck:\n      test: ["CMD", "redis-cli", "-a", "Rds-9vQ2mX7k", "ping"]\n'),
        errors: [{ ruleId: rule.id, line: 5, column: 41 }],
      },
      {
        name: "healthcheck CMD-SHELL string",
        code: svc('    healthcheck:\n      test: ["CMD-SHELL", "mysqladmin ping -h localhost -pMy5ql-Pw8z"]\n'),
        errors: [{ ruleId: rule.id, line: 5, column: 59 }],
      },
    ],
  },
);
