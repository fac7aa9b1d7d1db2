import { readFileSync } from "node:fs";
import { it } from "vitest";
import { parseDockerfile } from "../../parse/dockerfile.js";
import { DEFAULT_NAME_SETTINGS } from "../../rule.js";
import { dockerfileRules } from "./index.js";
const D = "/work/main/test/fixtures/dockerfile/";
function run(label: string, source: string) {
  const t0 = performance.now();
  const p = parseDockerfile(source, "x");
  const t1 = performance.now();
  let n = 0;
  if (p.ok) for (const rule of dockerfileRules) rule.check({ file: "x", target: { file: "x", absPath: "/nonexistent/x", kind: "dockerfile", source }, source, doc: p.doc, names: DEFAULT_NAME_SETTINGS, report: () => n++ });
  const t2 = performance.now();
  console.log(label, (source.length / 1024).toFixed(0), "KiB parse", (t1 - t0).toFixed(0), "ms rules", (t2 - t1).toFixed(0), "ms findings", n, p.ok ? "" : JSON.stringify(p.errors));
}
it("perf", () => {
  const files = ["clean-node.Dockerfile", "bad-commands.Dockerfile", "bad-heredoc.Dockerfile", "clean-nginx.Dockerfile"].map((f) => readFileSync(D + f, "utf8"));
  let big = "";
  while (big.length < 1000_000) big += files[(big.length / 997 | 0) % files.length] + "\n";
  run("mixed", big);
  run("one huge RUN", "FROM a\nRUN " + "echo hello world && \\\n  ".repeat(40000) + "true\n");
  run("one huge heredoc", "FROM a\nRUN <<EOF\n" + "echo hello world ghp_abc\n".repeat(40000) + "EOF\n");
  run("unterminated heredoc", "FROM a\nRUN <<EOF\n" + "x\n".repeat(300000));
  run("long line", "FROM a\nENV A=" + "x".repeat(1000000) + "\n");
  run("many ENV", "FROM a\n" + "ENV PASSWORD=abcdefgh123\n".repeat(40000));
  run("quotes", "FROM a\nRUN " + "'\"".repeat(300000) + "\n");
});
