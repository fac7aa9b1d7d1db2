import AjvModule from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildReport, fingerprint } from "../engine.js";
import type { FileResult, Finding } from "../types.js";
import { formatGithub } from "./github.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import { formatStylish } from "./stylish.js";

// Both are CommonJS packages whose default export sits on `.default` under NodeNext.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const SECRET = "ghp_R4nd0mT0k3nV4lu3ThatMustNeverPrint0000";

function finding(over: Partial<Finding> = {}): Finding {
  return {
    file: "svc/Dockerfile",
    line: 3,
    column: 18,
    endLine: 3,
    endColumn: 58,
    ruleId: "dockerfile/secret-in-env",
    severity: "error",
    message: "ENV GITHUB_TOKEN holds a literal secret",
    secret: "ghp_…",
    fix: "use RUN --mount=type=secret,id=github_token",
    fingerprint: fingerprint("dockerfile/secret-in-env", "svc/Dockerfile", SECRET),
    ...over,
  };
}

const files: FileResult[] = [
  { file: "svc/Dockerfile", kind: "dockerfile", findings: [finding(), finding({ line: 5, severity: "warning", ruleId: "dockerfile/secret-build-arg" })], errors: [] },
  { file: "bad compose.yaml", kind: "compose", findings: [], errors: [{ file: "bad compose.yaml", line: 2, column: 1, code: "yaml-syntax", message: "invalid YAML: a: b: c" }] },
];
const report = buildReport(files);
const rules = [
  { id: "dockerfile/secret-in-env", severity: "error" as const, description: "ENV or ARG bakes a literal secret into the image", docs: "docs/rules/dockerfile/secret-in-env.md" },
  { id: "dockerfile/secret-build-arg", severity: "warning" as const, description: "ARG carries a secret into docker history", docs: "docs/rules/dockerfile/secret-build-arg.md" },
];

describe("formatters", () => {
  it("json has the documented shape", () => {
    const out = JSON.parse(formatJson(report));
    expect(out.version).toBe(1);
    expect(Object.keys(out.findings[0])).toEqual(
      expect.arrayContaining(["file", "line", "column", "endLine", "endColumn", "ruleId", "severity", "message", "secret"]),
    );
    expect(out.summary).toEqual({ files: 2, errors: 1, warnings: 1, infos: 0 });
  });

  it("sarif validates against the SARIF 2.1.0 schema and carries rules, regions and fingerprints", () => {
    const schema = JSON.parse(readFileSync(new URL("../../test-schemas/sarif-2.1.0.json", import.meta.url), "utf8"));
    // The published schema has a pattern that is invalid under the `u` flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv as never);
    const validate = ajv.compile(schema);
    const log = JSON.parse(formatSarif(report, { toolVersion: "0.1.0", rules }));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a wrong level is caught.
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...log.runs[0].results[0], level: "fatal" }] }] })).toBe(false);
    const run = log.runs[0];
    expect(run.tool.driver.rules[0].helpUri).toMatch(/^https:\/\/.+docs\/rules\/dockerfile\/secret-build-arg\.md$/);
    expect(run.results[0].locations[0].physicalLocation.region).toEqual({ startLine: 3, startColumn: 18, endLine: 3, endColumn: 58 });
    expect(run.results[0].partialFingerprints["stowaway/v1"]).toMatch(/^[0-9a-f]{32}$/);
    expect(run.invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri).toBe("bad%20compose.yaml");
  });

  it("github emits workflow-command annotations with escaped properties", () => {
    const out = formatGithub(report).trim().split("\n");
    expect(out[0]).toBe("::error file=bad compose.yaml,line=2,col=1,title=stowaway%3A yaml-syntax::invalid YAML: a: b: c");
    expect(out[1]).toMatch(/^::error file=svc\/Dockerfile,line=3,col=18,endLine=3,endColumn=58,title=dockerfile\/secret-in-env::/);
    expect(out[2]).toMatch(/^::warning /);
  });

  it("stylish groups by file and prints colour only when asked", () => {
    const plain = formatStylish(report, { color: false });
    expect(plain).toContain("svc/Dockerfile\n  3:18    error");
    expect(plain).not.toContain("\u001b[");
    expect(formatStylish(report, { color: true })).toContain("\u001b[31m");
  });

  it("no format ever carries the whole secret", () => {
    for (const text of [formatJson(report), formatSarif(report, { toolVersion: "0", rules }), formatGithub(report), formatStylish(report, { color: false })]) {
      expect(text).not.toContain(SECRET);
    }
  });
});
