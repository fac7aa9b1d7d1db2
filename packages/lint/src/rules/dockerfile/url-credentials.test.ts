import { expectAt, testDockerfileRule } from "./support/test-helpers.js";
import rule from "./url-credentials.js";

const id = "dockerfile/url-credentials";

testDockerfileRule(rule, {
  valid: [
    "FROM alpine\nENV DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\n",
    "FROM alpine\nENV DATABASE_URL=postgres://app@db:5432/app\n",
    "FROM alpine\nRUN git clone https://github.com/acme/app.git\n",
    "FROM alpine\nADD https://downloads.example.org/tool.tar.gz /tmp/\n",
    "FROM alpine\nENV REDIS_URL=redis://:<password>@redis:6379\n",
    'FROM alpine\nENV DB_URL="postgresql://*******:********@db.example.org/app?sslmode=require"\n',
    'FROM python:3.12\nRUN --mount=type=secret,id=gh GIT_CONFIG_KEY_0="url.https://x-access-token:$(cat /run/secrets/gh)@github.com/.insteadOf" uv sync\n',
    "FROM alpine\nRUN pip install --index-url https://${PIP_USER}:${PIP_PASSWORD}@pypi.corp.local/simple app\n",
    'FROM alpine\nENV ConnectionStrings__Default="Server=db;User Id=sa;Password=${SA_PASSWORD};"\n',
  ],
  invalid: [
    {
      name: "libpq keyword string in RUN",
      code: "FROM postgres:16\nRUN psql \"host=db user=app password=Lp5-Vx8q dbname=app\" -c 'select 1'\n",
      errors: [{ ruleId: "dockerfile/url-credentials", line: 2, column: 37 }],
    },
    {
      name: "Bearer token in an OTLP header variable",
      code: 'FROM node:22\nENV OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer Ot6-Wq2x-Zr8m-Lk4v"\n',
      errors: [{ ruleId: "dockerfile/url-credentials", line: 2, column: 54 }],
    },
    expectAt(id, "FROM alpine\nENV DATABASE_URL=postgres://app:Fx-UrlPass-11@db:5432/app\n", "Fx-UrlPass-11"),
    expectAt(id, "FROM alpine\nRUN git clone https://deploy:Fx-Clone-Tok12@git.corp.local/acme/app.git /src\n", "Fx-Clone-Tok12"),
    expectAt(id, "FROM alpine\nADD https://builder:Fx-AddPass-13@artifacts.corp.local/app.tgz /opt/\n", "Fx-AddPass-13"),
    expectAt(id, "FROM alpine\nRUN pip install \\\n    --index-url https://ci:Fx-PipPass-14@pypi.corp.local/simple \\\n    app\n", "Fx-PipPass-14"),
    expectAt(
      id,
      'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ConnectionStrings__Default="Server=db;Database=app;User Id=sa;Password=Fx-SqlConn-15;"\n',
      "Fx-SqlConn-15",
    ),
    expectAt(id, "FROM alpine\nRUN psql postgres://admin:Fx-Psql-16@db/app -c 'select 1'\n", "Fx-Psql-16"),
    expectAt(id, "FROM alpine\n# DATABASE_URL=mysql://root:Fx-Comment-17@db/app\n", "Fx-Comment-17"),
    expectAt(id, "FROM alpine\nCOPY <<EOF /app/config.ini\n[db]\nurl = mongodb://app:Fx-Mongo-18@mongo:27017/app\nEOF\n", "Fx-Mongo-18"),
  ],
});
