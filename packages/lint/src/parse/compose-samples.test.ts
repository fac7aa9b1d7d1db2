import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lintTargets } from "../engine.js";
import { DEFAULT_NAME_SETTINGS, type Report, type Rule } from "../rule.js";
import { composeRules } from "../rules/compose/index.js";
import { envRules } from "../rules/env/index.js";
import type { LintTarget, ParseResult } from "../types.js";
import { composeRelatedTargets, parseCompose } from "./compose.js";
import { parseDotenv } from "./dotenv.js";

function lintAll<D>(rules: readonly Rule<D>[], parse: (s: string, f: string) => ParseResult<D>, source: string, file: string) {
  const parsed = parse(source, file);
  if (!parsed.ok) return { parsed, reports: [] as Array<Report & { ruleId: string }> };
  const reports: Array<Report & { ruleId: string }> = [];
  const target: LintTarget = { kind: rules[0].kind, file, absPath: `/virtual/${file}` };
  for (const rule of rules) {
    rule.check({ file, target, source, doc: parsed.doc, names: DEFAULT_NAME_SETTINGS, report: (r) => reports.push({ ...r, ruleId: rule.id }) });
  }
  return { parsed, reports };
}

// Written in the style of well-known sample repositories: secrets files, `_FILE` variables, `${VAR}`.
const CLEAN_SAMPLES: Record<string, string> = {
  "wordpress with compose secrets": `
services:
  db:
    image: mariadb:11
    command: '--default-authentication-plugin=mysql_native_password'
    volumes:
      - db_data:/var/lib/mysql
    restart: always
    environment:
      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db_root_password
      - MYSQL_DATABASE=wordpress
      - MYSQL_USER=wordpress
      - MYSQL_PASSWORD_FILE=/run/secrets/db_password
    secrets:
      - db_root_password
      - db_password
  wordpress:
    depends_on: [db]
    image: wordpress:latest
    ports:
      - "8000:80"
    environment:
      WORDPRESS_DB_HOST: db:3306
      WORDPRESS_DB_USER: wordpress
      WORDPRESS_DB_PASSWORD_FILE: /run/secrets/db_password
    secrets:
      - db_password
secrets:
  db_password:
    file: db_password.txt
  db_root_password:
    file: db_root_password.txt
volumes:
  db_data:
`,
  "postgres app with required variables": `
name: shop
x-logging: &default-logging
  driver: json-file
  options: { max-size: "10m", max-file: "3" }
services:
  api:
    build:
      context: ./api
      args:
        NODE_VERSION: "20"
      secrets: [npm_token]
    environment:
      DATABASE_URL: postgres://shop:\${POSTGRES_PASSWORD:?set it in .env}@db:5432/shop
      REDIS_URL: redis://cache:6379/0
      JWT_SECRET: \${JWT_SECRET:?}
      SESSION_SECRET: $SESSION_SECRET
      LOG_LEVEL: \${LOG_LEVEL:-info}
    env_file:
      - path: ./api.env
        required: false
    logging: *default-logging
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]
      interval: 10s
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U shop"]
    logging: *default-logging
  cache:
    image: redis:7
    command: ["sh", "-c", "redis-server --requirepass \\"$$REDIS_PASSWORD\\""]
    environment:
      REDIS_PASSWORD: \${REDIS_PASSWORD:?}
  proxy:
    image: traefik:v3.1
    labels:
      - traefik.enable=true
      - traefik.http.routers.api.rule=Host(\`shop.localhost\`)
      - traefik.http.middlewares.auth.basicauth.usersfile=/run/secrets/htpasswd
secrets:
  npm_token:
    environment: NPM_TOKEN
  htpasswd:
    file: ./secrets/htpasswd
`,
};

describe("real-world-style compose files", () => {
  for (const [name, source] of Object.entries(CLEAN_SAMPLES)) {
    it(`clean: ${name}`, () => {
      const { parsed, reports } = lintAll(composeRules, parseCompose, source, "compose.yaml");
      expect(parsed.ok).toBe(true);
      expect(reports.map((r) => `${r.ruleId}@${r.range.start.line}:${r.range.start.column}`)).toEqual([]);
    });
  }

  it("reports literal demo passwords of a quick-start compose file", () => {
    const source = `
services:
  db:
    image: mysql:8.0
    environment:
      MYSQL_ROOT_PASSWORD: somewordpress
      MYSQL_DATABASE: wordpress
      MYSQL_USER: wordpress
      MYSQL_PASSWORD: wordpress
  wordpress:
    image: wordpress:latest
    environment:
      - WORDPRESS_DB_HOST=db
      - WORDPRESS_DB_USER=wordpress
      - WORDPRESS_DB_PASSWORD=wordpress
`;
    const { reports } = lintAll(composeRules, parseCompose, source, "compose.yaml");
    expect(reports.map((r) => `${r.ruleId}@${r.range.start.line}:${r.range.start.column}`)).toEqual([
      "compose/secret-in-environment@6:28",
      "compose/secret-in-environment@9:23",
      "compose/secret-in-environment@15:31",
    ]);
  });

  it("relates env files and Dockerfiles of a clean sample", () => {
    const parsed = parseCompose(CLEAN_SAMPLES["postgres app with required variables"], "compose.yaml");
    if (!parsed.ok) throw new Error("parse failed");
    const related = composeRelatedTargets(parsed.doc, { kind: "compose", file: "compose.yaml", absPath: "/p/compose.yaml" });
    expect(related.map((t) => [t.kind, t.file, t.optional ?? false])).toEqual([
      ["env", "api.env", true],
      ["env", ".env", true],
      ["dockerfile", "api/Dockerfile", false],
    ]);
  });
});

describe("through the engine: one value, one finding", () => {
  // Assembled so that scanners of this repository stay quiet.
  const GH = "ghp_" + "Wd4Rf7Tg2Yh9Uj3Ik6Ol1Pz8Xc5Vb0Nm2Qa";
  const lint = (source: string, kind: "compose" | "env") =>
    lintTargets([{ kind, file: kind === "compose" ? "compose.yaml" : ".env", absPath: `/virtual/${kind}`, source }]);

  it("reports a token under a secret name once, by the rule that knows the name", async () => {
    const report = await lint(`services:\n  ci:\n    environment:\n      GITHUB_TOKEN: ${GH}\n`, "compose");
    expect(report.findings.map((f) => `${f.ruleId}@${f.line}:${f.column}`)).toEqual(["compose/secret-in-environment@4:21"]);
    expect(JSON.stringify(report)).not.toContain(GH);
  });

  it("reports an env-file token once and never prints it", async () => {
    const report = await lint(`GITHUB_TOKEN=${GH}\n`, "env");
    expect(report.findings.map((f) => `${f.ruleId}@${f.line}:${f.column}`)).toEqual(["env/secret-value@1:14"]);
    expect(JSON.stringify(report)).not.toContain(GH);
  });

  it("reports parse problems as errors with positions", async () => {
    const report = await lint("services:\n  a:\n    image: x\n    image: y\n", "compose");
    expect(report.errors.map((e) => [e.line, e.code])).toEqual([[4, "YAML_DUPLICATE_KEY"]]);
  });
});

describe("never throws on arbitrary input", () => {
  const yamlish = fc
    .array(
      fc.oneof(
        fc.string(),
        fc.constantFrom(
          "services:",
          "  a:",
          "    environment:",
          "      - K=v",
          "      PASSWORD: x",
          "<<: *a",
          "&a",
          "*a",
          "${X:-y}",
          "$$",
          "---",
          "  ",
          "\t",
          "- ",
          ": ",
          "'",
          '"',
          "|",
          ">",
          "#",
          "{",
          "[",
          "]",
          "}",
          "command: [a, b]",
          'healthcheck:\n  test: ["CMD"]',
        ),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join("\n"));

  it("parseCompose + all compose rules", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), yamlish), (source) => {
        lintAll(composeRules, parseCompose, source, "compose.yaml");
        const parsed = parseCompose(source, "compose.yaml");
        if (parsed.ok) composeRelatedTargets(parsed.doc, { kind: "compose", file: "compose.yaml", absPath: "/p/compose.yaml" });
      }),
      { numRuns: 300 },
    );
  });

  it("parseDotenv + all env rules", () => {
    const envish = fc
      .array(fc.oneof(fc.string(), fc.constantFrom("export ", "KEY=", "PASSWORD=", '"', "'", "#", "\n", "\\", "${A:-b}", " ", "=", ":")), { maxLength: 30 })
      .map((p) => p.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), envish), (source) => {
        lintAll(envRules, parseDotenv, source, ".env");
      }),
      { numRuns: 300 },
    );
  });
});
