import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import { lintTarget, lintTargets, type TargetRunner } from "./engine.js";
import type { FileKind, LintTarget } from "./types.js";

const target = (kind: FileKind, source: string, file = kind === "compose" ? "compose.yaml" : kind === "env" ? ".env" : "Dockerfile"): LintTarget => ({
  file,
  absPath: `/nonexistent/${file}`,
  kind,
  source,
});

describe("lintTargets", () => {
  it("never throws and never hangs on arbitrary input, for every kind", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FileKind>("dockerfile", "compose", "env"),
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.string({ unit: "binary", maxLength: 400 }),
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString("latin1")),
        ),
        async (kind, source) => {
          const report = await lintTargets([target(kind, source)]);
          expect(report.files).toHaveLength(1);
          for (const e of report.errors) expect(e.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("turns random bytes, NUL bytes and oversized input into errors, not exceptions", async () => {
    const big = "FROM alpine\n" + "RUN true\n".repeat(130_000);
    const report = await lintTargets([target("dockerfile", "FROM a\u0000b\n"), target("dockerfile", big, "big/Dockerfile")]);
    expect(report.errors.map((e) => e.code)).toEqual(["binary", "too-large"]);
  });

  it("reports one finding per value when several rules see it, keeping the most severe", async () => {
    const report = await lintTargets([target("dockerfile", "FROM alpine\nENV GITHUB_TOKEN=ghp_EngineDedupeFixture0123456789abcdefABCD\n")]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0].severity).toBe("error");
  });

  it("applies rule levels, `off`, and allow entries by value and by name", async () => {
    const src = "FROM alpine\nENV DB_PASSWORD=EngineFixturePw1\nENV DEMO_SECRET=EngineFixturePw2\nENV API_TOKEN=EngineFixturePw3\n";
    const base = await lintTargets([target("dockerfile", src)]);
    expect(base.findings.map((f) => f.line)).toEqual([2, 3, 4]);
    const tuned = await lintTargets([target("dockerfile", src)], {
      rules: { "dockerfile/secret-in-env": "info" },
      allow: [
        { value: "EngineFixturePw1", reason: "test" },
        { name: "demo_*", reason: "test" },
      ],
    });
    expect(tuned.findings.map((f) => `${f.line}:${f.severity}`)).toEqual(["4:info"]);
    const off = await lintTargets([target("dockerfile", src)], { rules: { "dockerfile/secret-in-env": "off" } });
    expect(off.findings.filter((f) => f.ruleId === "dockerfile/secret-in-env")).toEqual([]);
  });

  it("silences a finding on a continuation line from a directive above its instruction", async () => {
    const src = "FROM alpine\n# stowaway-disable-next-line -- fixture\nRUN echo start && \\\n    mysql -u root -pEngineContinuationPw9 -e 'select 1'\n";
    const report = await lintTargets([target("dockerfile", src)]);
    expect(report.findings).toEqual([]);
  });

  it("lints a compose file's env files at their own lines, and skips a missing optional one", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "stowaway-engine-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  app:\n    image: x\n    env_file:\n      - app.env\n      - path: missing.env\n        required: false\n",
    );
    writeFileSync(join(dir, "app.env"), "# app settings\nLOG_LEVEL=info\nSTRIPE_SECRET_KEY=sk_live_EngineEnvFixture0123456789ab\n");
    const report = await lintTargets([{ file: "compose.yaml", absPath: join(dir, "compose.yaml"), kind: "compose" }]);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => `${f.file}:${f.line}`)).toEqual(["app.env:3"]);
  });

  it("reports a parse warning (unterminated heredoc) as info, and still scans the body", async () => {
    const report = await lintTargets([target("dockerfile", "FROM alpine\nRUN <<EOF\necho hi\nexport API_TOKEN=EngineHeredocFixture42\n")]);
    expect(report.findings.map((f) => `${f.line}:${f.ruleId}:${f.severity}`)).toEqual([
      "2:stowaway/parse-warning:info",
      "4:dockerfile/secret-in-command:error",
    ]);
    const off = await lintTargets([target("dockerfile", "FROM alpine\nRUN <<EOF\necho hi\n")], { rules: { "stowaway/parse-warning": "off" } });
    expect(off.findings).toEqual([]);
  });

  it("lints a Dockerfile that a compose build pulls in again with its own directory as context once, with the same report", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "stowaway-engine-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const { basename } = await import("node:path");
    // `tools` builds the same Dockerfile from the parent directory: another context, linted again.
    writeFileSync(
      join(dir, "compose.yaml"),
      `services:\n  app:\n    build: .\n  tools:\n    build:\n      context: ..\n      dockerfile: ${basename(dir)}/Dockerfile\n`,
    );
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=EngineOnceFixture42\n");
    const linted: string[] = [];
    const counting: TargetRunner = {
      async run(targets, options) {
        const out = [];
        for (const t of targets) {
          linted.push(`${t.kind} ${t.file} ${t.contextDir === undefined ? "-" : t.contextDir === dir ? "own" : "other"}`);
          out.push(await lintTarget(t, options));
        }
        return out;
      },
    };
    const named: LintTarget[] = [
      { file: "Dockerfile", absPath: join(dir, "Dockerfile"), kind: "dockerfile" },
      { file: "compose.yaml", absPath: join(dir, "compose.yaml"), kind: "compose" },
    ];
    const report = await lintTargets(named, {}, counting);
    // The `build: .` one is the named one again; the `context: ..` one reads another context.
    expect(linted.filter((l) => l.startsWith("dockerfile"))).toEqual(["dockerfile Dockerfile -", `dockerfile ../${basename(dir)}/Dockerfile other`]);
    expect(report.findings.filter((f) => f.ruleId === "dockerfile/secret-in-env" && f.file === "Dockerfile")).toHaveLength(1);
    expect(report).toEqual(await lintTargets(named));
  });

  it("still lints a required target after an optional one for the same file (a missing file is an error once)", async () => {
    const required: LintTarget = { file: "gone/Dockerfile", absPath: "/nonexistent/gone/Dockerfile", kind: "dockerfile" };
    const report = await lintTargets([{ ...required, contextDir: "/nonexistent/gone", optional: true }, required]);
    expect(report.errors.map((e) => `${e.file} ${e.code}`)).toEqual(["gone/Dockerfile unreadable"]);
  });
});
