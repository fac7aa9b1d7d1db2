import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../../parse/dockerfile.js";
import { DEFAULT_NAME_SETTINGS, type Report } from "../../rule.js";
import type { LintTarget } from "../../types.js";
import { assertReportHygiene } from "../rule-tester.js";
import { dockerfileRules } from "./index.js";

// The shared end-to-end fixtures, checked here at rule level: clean official-image-style files
// stay silent, and the bad ones yield exactly the findings listed in SECRETS.json.
const FIXTURES = fileURLToPath(new URL("../../../../../test/fixtures/dockerfile/", import.meta.url));

interface Finding extends Report {
  ruleId: string;
}

function lintAll(file: string, source: string): Finding[] {
  const parsed = parseDockerfile(source, file);
  if (!parsed.ok) throw new Error(`${file} does not parse`);
  const target: LintTarget = { file, absPath: FIXTURES + file, kind: "dockerfile", source };
  const out: Finding[] = [];
  for (const rule of dockerfileRules) {
    rule.check({ file, target, source, doc: parsed.doc, names: DEFAULT_NAME_SETTINGS, report: (r) => out.push({ ...r, ruleId: rule.id }) });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
}

const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".Dockerfile"));
const planted = JSON.parse(readFileSync(FIXTURES + "SECRETS.json", "utf8")) as Record<string, { line: number; value: string; ruleId: string }[]>;

describe("Dockerfile fixtures", () => {
  it.each(files.filter((f) => f.startsWith("clean-")))("%s has no findings", (file) => {
    const findings = lintAll(file, readFileSync(FIXTURES + file, "utf8"));
    expect(findings.map((f) => `${f.ruleId} ${f.range.start.line}:${f.range.start.column}`)).toEqual([]);
  });

  it.each(files.filter((f) => f.startsWith("bad-")))("%s yields exactly the planted findings", (file) => {
    const findings = lintAll(file, readFileSync(FIXTURES + file, "utf8"));
    const list = planted[file] ?? [];
    // Compare by rule, line and which planted value (by index, so no value appears in test output).
    const expected = list.map((p, n) => `${p.ruleId} line ${p.line} value#${n}`).sort();
    const actual = findings
      .map((f) => `${f.ruleId} line ${f.range.start.line} value#${list.findIndex((p) => p.value === f.value)}`)
      .sort();
    expect(actual).toEqual(expected);
    for (const f of findings) assertReportHygiene(f);
  });

  it("all rules together never throw on arbitrary input", () => {
    const pieces = fc.constantFrom(
      "FROM a\n", "RUN ", "ENV ", "ARG ", "COPY ", "ADD ", "LABEL ", "CMD ", "ONBUILD ", "HEALTHCHECK CMD ", "<<EOF", "EOF\n",
      "\\\n", "`", '"', "'", "[", "]", ",", "=", " ", "\n", "#", "# escape=`\n", "--mount=type=secret", "curl -u a:b ", "-p",
      "TOKEN", "PASSWORD=", "x", "ghp_", "$", "{", "}", ":", "@", "https://", "-----BEGIN RSA PRIVATE KEY-----", ".env ",
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(pieces, { maxLength: 60 }).map((a) => a.join(""))), (source) => {
        const parsed = parseDockerfile(source, "Dockerfile");
        if (!parsed.ok) return;
        const target: LintTarget = { file: "Dockerfile", absPath: "/nonexistent/Dockerfile", kind: "dockerfile", source };
        for (const rule of dockerfileRules) {
          rule.check({ file: "Dockerfile", target, source, doc: parsed.doc, names: DEFAULT_NAME_SETTINGS, report: (r) => assertReportHygiene(r) });
        }
      }),
      { numRuns: 300 },
    );
  });
});
