import { describe, expect, it } from "vitest";
import { lintTargets } from "../../engine.js";
import type { FileKind } from "../../types.js";

// Fix hints name the technology of the finding, through the real rules.
async function fixesOf(kind: FileKind, file: string, source: string): Promise<string[]> {
  const report = await lintTargets([{ file, absPath: `/nonexistent/${file}`, kind, source }]);
  expect(report.errors).toEqual([]);
  return report.findings.filter((f) => f.severity !== "info").map((f) => f.fix ?? "");
}

describe("fix hints name the right technology", () => {
  it.each([
    ["amqp", "AMQP_URL=amqp://app:Rabb1tMqS3cretPw@rabbitmq:5672/\n", /`amqp:\/\/app:\$\{RABBITMQ_PASSWORD\}@rabbitmq:5672\/vhost`/],
    ["mongodb", "MONGO_URL=mongodb://app:M0ngoS3cretPassw0rd@mongo:27017/app\n", /`mongodb:\/\/app:\$\{MONGO_PASSWORD\}@mongo:27017/],
    ["mongodb+srv", "MONGO_URL=mongodb+srv://app:M0ngoS3cretPassw0rd@cluster0.example.net/app\n", /`mongodb:\/\/app:\$\{MONGO_PASSWORD\}@/],
    ["redis", "REDIS_URL=redis://:R3disS3cretPassw0rd@redis:6379/0\n", /`redis:\/\/:\$\{REDIS_PASSWORD\}@redis:6379\/0`/],
    ["postgres", "DATABASE_URL=postgres://app:PgS3cretPassw0rd9@db/app\n", /`postgres:\/\/app:\$\{DB_PASSWORD\}@db:5432\/app`.*PGPASSFILE/],
    ["jdbc", "JDBC_URL=jdbc:postgresql://db:5432/app?user=app&password=JdbcS3cretPassw0rd\n", /JDBC URL free of the password .*`password` property/],
    ["jdbc mysql userinfo", "JDBC_URL=jdbc:mysql://app:JdbcS3cretPassw0rd@db:3306/app\n", /JDBC URL free of the password/],
  ])("env file, %s", async (_, source, expected) => {
    const fixes = await fixesOf("env", ".env", source);
    expect(fixes.length).toBeGreaterThan(0);
    for (const fix of fixes) {
      expect(fix).toMatch(expected);
      if (!/postgres/.test(source)) expect(fix).not.toMatch(/postgres:\/\/|PGPASSFILE/);
    }
  });

  it("a Dockerfile URL gets its own scheme too", async () => {
    const [fix] = await fixesOf("dockerfile", "Dockerfile", "FROM alpine\nRUN amqp-publish --url amqp://app:Rabb1tMqS3cretPw@rabbitmq/ -r q -b hi\n");
    expect(fix).toMatch(/amqp:\/\/app:\$\{RABBITMQ_PASSWORD\}/);
    expect(fix).not.toMatch(/postgres/);
  });

  it.each([
    [
      "RabbitMQ",
      "services:\n  mq-setup:\n    image: rabbitmq\n    command: rabbitmqadmin --host mq --username admin --password Rabb1tS3cretPw9 declare queue name=jobs\n",
      /sh -c 'rabbitmqadmin … --password "\$\$\(cat \/run\/secrets\/password\)"'/,
    ],
    [
      "Keycloak",
      'services:\n  kc:\n    image: quay.io/keycloak/keycloak\n    command: ["start", "--db-password=K3ycl0akDbS3cretPw"]\n',
      /sh -c 'start … --db-password="\$\$\(cat \/run\/secrets\/db_password\)"'/,
    ],
    [
      "Redis",
      "services:\n  cache:\n    image: redis\n    command: redis-server --requirepass R3disS3cretPassw0rd\n",
      /sh -c 'redis-server … --requirepass "\$\$\(cat \/run\/secrets\/requirepass\)"'/,
    ],
  ])("a %s command line gets an example with its own program and option", async (name, source, expected) => {
    const fixes = await fixesOf("compose", "compose.yaml", source);
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes[0]).toMatch(expected);
    if (name !== "Redis") expect(fixes[0]).not.toMatch(/redis/i);
  });
});
