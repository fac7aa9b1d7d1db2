import { testDockerfileRule } from "./support/test-helpers.js";
import rule from "./copy-secret-file.js";

const id = "dockerfile/copy-secret-file";

testDockerfileRule(rule, {
  valid: [
    "FROM node:22\nCOPY package.json package-lock.json ./\nCOPY . .\n",
    "FROM node:22\nCOPY .env.example /app/.env.example\n",
    "FROM alpine\nCOPY id_rsa.pub /root/.ssh/authorized_keys\n",
    "FROM nginx:1.27\nCOPY certs/server.crt /etc/nginx/certs/\n",
    "FROM debian:bookworm-slim\nADD https://nginx.org/keys/nginx_signing.key /tmp/nginx_signing.key\n",
    "FROM alpine\nRUN --mount=type=secret,id=env,target=/app/.env ./build.sh\n",
    "FROM alpine\nCOPY <<EOF /app/config.txt\nhello\nEOF\n",
    "FROM alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
    "FROM alpine\nADD https://letsencrypt.org/certs/isrgrootx1.pem /usr/local/share/ca-certificates/isrg.pem\n",
    // A CA certificate or chain by name (issue #13); the content check is in copy-secret-file-content.test.ts.
    "FROM alpine\nCOPY certs/ca.pem /usr/local/share/ca-certificates/ca.crt\n",
    "FROM alpine\nCOPY ca-bundle.pem root-ca.pem fullchain.pem /etc/ssl/certs/\n",
    // settings.xml outside ~/.m2 is an ordinary config file.
    "FROM eclipse-temurin:21\nCOPY settings.xml /app/config/settings.xml\n",
  ],
  invalid: [
    { code: "FROM node:22\nCOPY .env /app/.env\n", errors: [{ ruleId: id, line: 2, column: 6, severity: "error" }] },
    { code: "FROM node:22\nCOPY .env.production package.json /app/\n", errors: [{ ruleId: id, line: 2, column: 6 }] },
    { code: "FROM alpine\nCOPY id_rsa /root/.ssh/id_rsa\n", errors: [{ ruleId: id, line: 2, column: 6 }] },
    { code: "FROM alpine\nCOPY --chown=app:app .ssh /home/app/.ssh\n", errors: [{ ruleId: id, line: 2, column: 22 }] },
    {
      code: "FROM nginx:1.27\nCOPY certs/server.key certs/server.pem /etc/nginx/certs/\n",
      errors: [
        { ruleId: id, line: 2, column: 6, severity: "error" },
        { ruleId: id, line: 2, column: 23, severity: "warning" },
      ],
    },
    { code: "FROM node:22\nCOPY .npmrc /root/.npmrc\n", errors: [{ ruleId: id, line: 2, column: 6, severity: "warning" }] },
    { code: "FROM maven:3-eclipse-temurin-21\nCOPY settings.xml /root/.m2/\n", errors: [{ ruleId: id, line: 2, column: 6, severity: "warning" }] },
    { code: "FROM maven:3\nCOPY .m2/settings.xml /usr/share/maven/ref/\n", errors: [{ ruleId: id, line: 2, column: 6, severity: "warning" }] },
    { code: "FROM nginx:1.27\nCOPY certs/ca-key.pem /etc/nginx/certs/\n", errors: [{ ruleId: id, line: 2, column: 6, severity: "warning" }] },
    { code: 'FROM python:3.12\nCOPY ["config/service-account.json", "/secrets/"]\n', errors: [{ ruleId: id, line: 2, column: 8 }] },
    { code: "FROM alpine\nADD .aws/credentials /root/.aws/credentials\n", errors: [{ ruleId: id, line: 2, column: 5 }] },
    { code: "FROM alpine\nONBUILD COPY .env /app/\n", errors: [{ ruleId: id, line: 2, column: 14 }] },
    { code: "FROM alpine\nCOPY \\\n    app.jar \\\n    keystore.p12 \\\n    /app/\n", errors: [{ ruleId: id, line: 4, column: 5 }] },
  ],
});
