import { testDockerfileRule } from "./support/test-helpers.js";
import rule from "./secret-build-arg.js";

const id = "dockerfile/secret-build-arg";

testDockerfileRule(rule, {
  valid: [
    // Issue #13: a public token is public.
    "FROM node:22\nARG public_token\nARG NEXT_PUBLIC_MAPBOX_TOKEN\nARG RECAPTCHA_SITE_KEY\n",
    "FROM alpine\nARG VERSION=1.2.3\nARG TARGETPLATFORM\n",
    "FROM alpine\nARG NPM_TOKEN_FILE=/run/secrets/npm\n",
    // A literal default is secret-in-env's finding, not this rule's.
    "FROM alpine\nARG API_KEY=Fx-Literal-Default-1\n",
    // The right way.
    "# syntax=docker/dockerfile:1.10\nFROM node:22\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n",
    "FROM alpine\nRUN --mount=type=ssh git clone git@github.com:acme/private.git\n",
    // ENV copying a non-secret ARG, or a secret-looking reference that is not an ARG.
    "FROM alpine\nARG APP_VERSION\nENV APP_VERSION=$APP_VERSION\n",
    "FROM alpine\nENV DB_PASSWORD=${DB_PASSWORD}\n",
    "FROM alpine\nARG GPG_KEY\nENV GPG_KEY=$GPG_KEY\n",
  ],
  invalid: [
    { code: "FROM node:22\nARG NPM_TOKEN\nRUN npm ci\n", errors: [{ ruleId: id, line: 2, column: 5, severity: "warning" }] },
    { code: "FROM alpine\nARG DB_PASSWORD=<your-password>\n", errors: [{ ruleId: id, line: 2, column: 5, severity: "info" }] },
    { code: "FROM alpine\nARG DB_PASSWORD=${DEFAULT_PW}\n", errors: [{ ruleId: id, line: 2, column: 5 }] },
    // ARG, then ENV persisting it: two findings on two lines.
    {
      code: "FROM node:22\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\n",
      errors: [
        { ruleId: id, line: 2, column: 5 },
        { ruleId: id, line: 3, column: 15 },
      ],
    },
    // A global ARG re-declared in the stage, copied under another name.
    {
      code: "ARG GITHUB_TOKEN\nFROM alpine\nARG GITHUB_TOKEN\nENV GH_AUTH=${GITHUB_TOKEN}\n",
      errors: [
        { ruleId: id, line: 1, column: 5 },
        { ruleId: id, line: 3, column: 5 },
        { ruleId: id, line: 4, column: 13 },
      ],
    },
    // Multi-stage: the ARG in the builder stage is still in that stage's history.
    {
      code: "FROM golang:1.23 AS build\nARG GOPRIVATE_TOKEN\nRUN go build\nFROM scratch\nCOPY --from=build /out /app\n",
      errors: [{ ruleId: id, line: 2, column: 5 }],
    },
    { code: "FROM alpine\nARG A=1 SECRET_KEY B=2\n", errors: [{ ruleId: id, line: 2, column: 9 }] },
    // A copy of an ARG whose default is a placeholder is as quiet as the ARG.
    {
      code: "FROM alpine\nARG DB_PASSWORD=your-password-here\nENV DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n",
      errors: [
        { ruleId: id, line: 2, column: 5, severity: "info" },
        { ruleId: id, line: 3, column: 18, severity: "info" },
      ],
    },
    { code: "FROM alpine\nONBUILD ARG DEPLOY_KEY\n", errors: [{ ruleId: id, line: 2, column: 13 }] },
    // real-world shapes: an empty quoted default, and the legacy ENV form copying the ARG
    {
      code: 'FROM golang:1.23-alpine AS build\nARG GITHUB_TOKEN=""\nRUN git config --global url."https://${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/"\n',
      errors: [{ ruleId: id, line: 2, column: 5 }],
    },
    {
      code: "FROM node:10-alpine\nARG NPM_TOKEN\nENV NPM_TOKEN ${NPM_TOKEN}\n",
      errors: [
        { ruleId: id, line: 2, column: 5 },
        { ruleId: id, line: 3, column: 15 },
      ],
    },
  ],
});
