// The engine's own redaction, independent of what rules promise: a message or fix that quotes the
// value is scrubbed, and a token inside a name (which rules quote freely) is never printed whole.
import { describe, expect, it } from "vitest";
import { lintTargets, toFinding } from "./engine.js";
import { redactTokenShapes } from "./redact.js";

const range = { start: { line: 2, column: 5 }, end: { line: 2, column: 22 } };

describe("the engine scrubs what rules hand it", () => {
  it("redacts the value in a message and a fix that quote it", () => {
    const value = "EngineScrubValue7Qk";
    const f = toFinding("Dockerfile", {
      range,
      value,
      ruleId: "dockerfile/secret-in-env",
      severity: "error",
      message: `DB_PASSWORD holds ${value}`,
      fix: `Rotate ${value} and remove it`,
    });
    expect(f.message).toBe("DB_PASSWORD holds Engi…");
    expect(f.fix).toBe("Rotate Engi… and remove it");
    expect(f.secret).toBe("Engi…");
  });

  it("keeps messages of non-secret reports (an ARG name) as they are", () => {
    const f = toFinding("Dockerfile", {
      range,
      value: "NPM_TOKEN",
      isSecret: false,
      ruleId: "dockerfile/secret-build-arg",
      severity: "error",
      message: "ARG NPM_TOKEN is a secret",
      fix: "use a secret mount",
    });
    expect(f.message).toBe("ARG NPM_TOKEN is a secret");
    expect(f.secret).toBe("");
  });
});

describe("tokens in names are printed redacted", () => {
  const token = "ghp_EngineNameToken0123456789abcdefABCD";

  it("redacts token-shaped runs in any case, glued to other words", () => {
    expect(redactTokenShapes(`ENV TOKEN_${token} is set`)).toBe("ENV TOKEN_ghp_… is set");
    expect(redactTokenShapes(`TOKEN_${token.toUpperCase()}_FILE=/run/secrets/x`)).toBe("TOKEN_GHP_…=/run/secrets/x");
    expect(redactTokenShapes("ENV GITHUB_TOKEN is set; ghp_ is a prefix")).toBe("ENV GITHUB_TOKEN is set; ghp_ is a prefix");
  });

  it("no output of a finding carries a token that sits in an ENV name", async () => {
    const source = `FROM alpine\nENV TOKEN_${token}=x\nENV ${token}=EngineNameVal9Qx\n`;
    const report = await lintTargets([{ file: "Dockerfile", absPath: "/nonexistent/Dockerfile", kind: "dockerfile", source }]);
    expect(report.findings.length).toBeGreaterThan(0);
    const printed = JSON.stringify(report).toLowerCase();
    expect(printed).not.toContain(token.toLowerCase().slice(0, 12));
  });
});
