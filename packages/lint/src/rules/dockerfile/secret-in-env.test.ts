import { testDockerfileRule } from "./support/test-helpers.js";
import rule from "./secret-in-env.js";

const id = "dockerfile/secret-in-env";
const GH = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";

testDockerfileRule(rule, {
  valid: [
    "FROM alpine\nENV DB_PASSWORD=\n",
    'FROM alpine\nENV DB_PASSWORD=""\n',
    "FROM alpine\nENV DB_PASSWORD=$DB_PASSWORD\n",
    "FROM alpine\nENV DB_PASSWORD=${DB_PASSWORD}\n",
    "FROM alpine\nENV DB_PASSWORD=${DB_PASSWORD:?must be set}\n",
    "FROM postgres:16\nENV POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password\n",
    "FROM alpine\nENV TOKEN_PATH=/var/run/secrets/kubernetes.io/serviceaccount/token KEY_URL=https://keys.example.org/k\n",
    // python official image: the GPG key is a public fingerprint.
    "FROM buildpack-deps:bookworm\nENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D\nENV PYTHON_VERSION 3.12.7\n",
    // postgres official image
    "FROM debian:bookworm-slim\nENV PG_MAJOR 16\nENV PG_VERSION 16.4-1.pgdg120+2\nENV PG_SHA256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    // node official image
    "FROM buildpack-deps:bookworm\nENV NODE_VERSION 22.11.0\nENV YARN_VERSION 1.22.22\n",
    // golang official image
    "FROM alpine:3.20\nENV GOLANG_VERSION 1.23.3\nENV GOTOOLCHAIN=local\nENV GOPATH /go\nENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH\n",
    // nginx official image
    "FROM debian:bookworm-slim\nENV NGINX_VERSION 1.27.2\nENV NGINX_GPGKEYS 573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62 8540A6F18833A80E9C1653A42FD21310B49F6B46\nENV NGINX_GPGKEY_PATH=/etc/apt/keyrings/nginx-archive-keyring.gpg\n",
    "FROM alpine\nENV MYSQL_ALLOW_EMPTY_PASSWORD=yes MYSQL_RANDOM_ROOT_PASSWORD=true\n",
    "FROM alpine\nENV TOKEN_TTL=3600 PASSWORD_MIN_LENGTH=12 AWS_ACCESS_KEY_ID_FILE=/run/secrets/aws_id\n",
    'FROM alpine\nLABEL org.opencontainers.image.revision="6f1c3a9b2e4d5f60718293a4b5c6d7e8f9012345" org.opencontainers.image.source="https://github.com/acme/app"\n',
    "FROM alpine\nENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8\n",
    'FROM eclipse-temurin:21\nENV JAVA_OPTS="-Xmx512m -Djavax.net.ssl.trustStorePassword=changeit" NODE_OPTIONS=--max-old-space-size=4096\n',
    // ARG placeholders and ARG without default are secret-build-arg's job.
    "FROM alpine\nARG NPM_TOKEN\nARG API_KEY=<your-api-key>\n",
    "FROM alpine\nENV JWT_PUBLIC_KEY=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
    { code: "FROM alpine\nENV SIGNING_REGION=eu-west-1\n", names: { secretWords: ["signing"], allowWords: ["region"] } },
  ],
  invalid: [
    { code: "FROM alpine\nENV DB_PASSWORD=Fx-EnvPass-7Qm2\n", errors: [{ ruleId: id, line: 2, column: 17, endColumn: 32, severity: "error" }] },
    // legacy form
    { code: "FROM alpine\nENV DB_PASSWORD Fx-EnvPass-Legacy1\n", errors: [{ ruleId: id, line: 2, column: 17 }] },
    // several pairs on one line; column is the value's
    {
      code: 'FROM alpine\nENV A=1 API_KEY="Fx Key With Spaces" B=2 SECRET=Fx-Sec-Inline9\n',
      errors: [
        { ruleId: id, line: 2, column: 18 },
        { ruleId: id, line: 2, column: 49 },
      ],
    },
    // continuation: the physical line of the value
    { code: "FROM alpine\nENV APP_ENV=prod \\\n    SESSION_SECRET=Fx-Session-Cont3 \\\n    LOG_LEVEL=info\n", errors: [{ ruleId: id, line: 3, column: 20 }] },
    // escape=` (Windows)
    {
      code: "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV ADMIN_PASSWORD=Fx-WinPass-42 `\n    OTHER=x\n",
      errors: [{ ruleId: id, line: 3, column: 20 }],
    },
    // ARG with a literal default
    { code: "FROM alpine\nARG GITHUB_TOKEN=Fx-ArgDefault-55\n", errors: [{ ruleId: id, line: 2, column: 18 }] },
    // a known token under a secret name: reported once, here
    { code: `FROM alpine\nENV GITHUB_TOKEN=${GH}\n`, errors: [{ ruleId: id, line: 2, column: 18 }] },
    // placeholder → info
    { code: "FROM alpine\nENV DB_PASSWORD=<your-password>\n", errors: [{ ruleId: id, line: 2, column: 17, severity: "info" }] },
    {
      name: "weak value is a warning",
      code: "FROM alpine\nENV DB_PASSWORD=changeme\n",
      errors: [{ ruleId: id, line: 2, column: 17, severity: "warning", weak: true }],
    },
    { name: "weak ARG default", code: "FROM alpine\nARG API_KEY=example\n", errors: [{ ruleId: id, line: 2, column: 13, severity: "warning", weak: true }] },
    {
      name: "a repeat of the user name is weak",
      code: "FROM alpine\nENV APP_DB_USER=shopapp APP_DB_PASSWORD=shopapp\n",
      errors: [{ ruleId: id, line: 2, column: 41, severity: "warning", weak: true }],
    },
    {
      name: "a strong literal stays an error",
      code: "FROM alpine\nENV DB_PASSWORD=Vq3-fj29-XmPz\n",
      errors: [{ ruleId: id, line: 2, column: 17, severity: "error" }],
    },
    // ${VAR:-literal} default
    { code: "FROM alpine\nENV DB_PASSWORD=${DB_PASSWORD:-Fx-DefaultPw-8}\n", errors: [{ ruleId: id, line: 2, column: 32 }] },
    // camelCase, hex key under a secret name
    { code: "FROM alpine\nENV apiKey=4f1c9a8b7e6d5c4b3a2f1e0d9c8b7a6f\n", errors: [{ ruleId: id, line: 2, column: 12 }] },
    // ONBUILD trigger
    { code: "FROM alpine\nONBUILD ENV REDIS_PASSWORD=Fx-Onbuild-Redis1\n", errors: [{ ruleId: id, line: 2, column: 28 }] },
    // LABEL with a secret name
    { code: 'FROM alpine\nLABEL com.acme.api-token="Fx-LabelTok-31"\n', errors: [{ ruleId: id, line: 2, column: 27 }] },
    // single-quoted value: column of the first character inside the quotes
    { code: "FROM alpine\nENV MYSQL_ROOT_PASSWORD='Fx-Quoted-Root6'\n", errors: [{ ruleId: id, line: 2, column: 26 }] },
    // real-world shapes: a short numeric password, tutorial placeholders (info), ACCESS_TOKEN_EXPIRE_MINUTES stays quiet
    { code: "FROM mysql\nENV MYSQL_DATABASE shop\nENV MYSQL_ROOT_PASSWORD 4711\n", errors: [{ ruleId: id, line: 3, column: 25 }] },
    {
      code: "FROM ruby:3.3\nENV RAILS_ENV=production\nENV SECRET_KEY_BASE=your_secret_key_base\n",
      errors: [{ ruleId: id, line: 3, column: 21, severity: "info" }],
    },
    {
      code: 'FROM python:3.12\nENV ACCESS_KEY "{Upbit Key}"\nENV ACCESS_TOKEN_EXPIRE_MINUTES=30\n',
      errors: [{ ruleId: id, line: 2, column: 17, severity: "info" }],
    },
    // options inside a neutral variable
    {
      code: 'FROM eclipse-temurin:21\nENV JAVA_OPTS="-Xmx512m -Dspring.datasource.password=Fx-JavaOpts-61 -Dserver.port=8080"\n',
      errors: [{ ruleId: id, line: 2, column: 54 }],
    },
    // team vocabulary
    {
      code: "FROM alpine\nENV RELEASE_SIGNING=Fx-Signing-Val2\n",
      names: { secretWords: ["signing"], allowWords: [] },
      errors: [{ ruleId: id, line: 2, column: 21 }],
    },
  ],
});
