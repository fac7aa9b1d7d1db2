import { describe, expect, it } from "vitest";
import { lintTargets, type LintOptions } from "../engine.js";
import type { FileKind, LintTarget } from "../types.js";

// The severity policy of issue #13 through the engine: weak values are warnings, `lint.weakValues`
// lowers or drops them, and a configured rule level is a ceiling for lowered findings, never a promotion.
const target = (kind: FileKind, source: string): LintTarget => {
  const file = kind === "compose" ? "compose.yaml" : kind === "env" ? ".env" : "Dockerfile";
  return { file, absPath: `/virtual/${file}`, kind, source };
};

const compose = [
  "services:",
  "  db:",
  "    image: mysql:8",
  "    environment:",
  "      MYSQL_ROOT_PASSWORD: example", // weak
  "      MYSQL_PASSWORD: <your-password>", // placeholder
  "      MYSQL_REPLICA_PASSWORD: Vq3-fj29-XmPz-Lk7", // literal
  "  ui:",
  "    image: mongo-express",
  "    environment:",
  "      ME_CONFIG_MONGODB_URL: mongodb://root:example@mongo:27017/", // weak URL password
  "",
].join("\n");

async function severities(kind: FileKind, source: string, options: LintOptions = {}): Promise<string[]> {
  const report = await lintTargets([target(kind, source)], options);
  return report.findings.map((f) => `${f.line}:${f.severity}`);
}

describe("weak values", () => {
  it("are warnings by default; slots to fill stay info; other literals stay errors", async () => {
    expect(await severities("compose", compose)).toEqual(["5:warning", "6:info", "7:error", "11:warning"]);
  });

  it("lint.weakValues: info turns every weak finding into info", async () => {
    expect(await severities("compose", compose, { weakValues: "info" })).toEqual(["5:info", "6:info", "7:error", "11:info"]);
  });

  it("lint.weakValues: off removes them", async () => {
    expect(await severities("compose", compose, { weakValues: "off" })).toEqual(["6:info", "7:error"]);
  });

  it("apply in every kind: Dockerfile, env file, command lines", async () => {
    expect(await severities("dockerfile", "FROM alpine\nENV POSTGRES_PASSWORD=postgres\nRUN echo 'root:root' | chpasswd\n")).toEqual([
      "2:warning",
      "3:warning",
    ]);
    expect(await severities("env", "RABBITMQ_USER=taiga\nRABBITMQ_PASS=taiga\nPG_PASSWORD=mysecretpassword\n")).toEqual(["2:warning", "3:warning"]);
    expect(await severities("env", "RABBITMQ_PASS=taiga\n", { weakValues: "off" })).toEqual(["1:error"]);
  });
});

describe("a configured rule level is a ceiling for lowered findings (issue #20)", () => {
  it("setting a rule to the level it already has promotes nothing", async () => {
    const rules = { "compose/secret-in-environment": "error" as const, "compose/url-credentials": "error" as const };
    expect(await severities("compose", compose, { rules })).toEqual(["5:warning", "6:info", "7:error", "11:warning"]);
  });

  it("a lower configured level lowers every finding, weak and placeholder included", async () => {
    const rules = { "compose/secret-in-environment": "info" as const };
    expect(await severities("compose", compose, { rules })).toEqual(["5:info", "6:info", "7:info", "11:warning"]);
  });

  it("a higher configured level raises plain findings only", async () => {
    const rules = { "dockerfile/secret-build-arg": "error" as const };
    expect(await severities("dockerfile", "FROM alpine\nARG NPM_TOKEN\nARG API_TOKEN=<your-token>\n", { rules })).toEqual(["2:error", "3:info"]);
  });
});
