import { describe, expect, it } from "vitest";
import { lintTargets, type LintOptions } from "../../engine.js";

// The Dockerfile rules through the real engine: one value gives one finding (the most specific
// rule's), and turning that rule off lets the next one report it instead.
const GH = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";

async function lint(source: string, options: LintOptions = {}) {
  const report = await lintTargets([{ file: "Dockerfile", absPath: "/nonexistent/Dockerfile", kind: "dockerfile", source }], options);
  return report.findings.map((f) => `${f.ruleId} ${f.line}:${f.column}`);
}

describe("Dockerfile rules in the engine", () => {
  it("reports a token in a secret-named ENV once, as secret-in-env", async () => {
    expect(await lint(`FROM alpine\nENV GITHUB_TOKEN=${GH}\n`)).toEqual(["dockerfile/secret-in-env 2:18"]);
  });

  it("reports a token in an Authorization header once, as secret-in-command", async () => {
    expect(await lint(`FROM alpine\nRUN curl -H "Authorization: Bearer ${GH}" https://api.github.com\n`)).toEqual(["dockerfile/secret-in-command 2:36"]);
  });

  it("reports a token used as a URL password once, as url-credentials", async () => {
    expect(await lint(`FROM alpine\nRUN git clone https://bot:${GH}@github.com/acme/x.git\n`)).toEqual(["dockerfile/url-credentials 2:27"]);
  });

  it("falls back to known-token when the more specific rule is off", async () => {
    expect(await lint(`FROM alpine\nENV GITHUB_TOKEN=${GH}\n`, { rules: { "dockerfile/secret-in-env": "off" } })).toEqual(["dockerfile/known-token 2:18"]);
  });

  it("honours a suppression on the line before a continued instruction", async () => {
    const source = "FROM alpine\n# stowaway-disable-next-line dockerfile/secret-in-env -- demo\nENV A=1 \\\n    DB_PASSWORD=Fx-Suppressed-1\n";
    expect(await lint(source)).toEqual([]);
  });

  it("honours a suppression before a heredoc instruction for findings in its body", async () => {
    const source = "FROM alpine\n# stowaway-disable-next-line dockerfile/secret-in-command -- demo\nRUN <<EOF\nexport API_TOKEN=Fx-Suppressed-2\nEOF\n";
    expect(await lint(source)).toEqual([]);
  });
});
