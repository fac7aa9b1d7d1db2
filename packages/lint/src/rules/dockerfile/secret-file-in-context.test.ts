import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../../parse/dockerfile.js";
import { DEFAULT_NAME_SETTINGS, type Report } from "../../rule.js";
import type { LintTarget } from "../../types.js";
import { assertReportHygiene } from "../rule-tester.js";
import rule from "./secret-file-in-context.js";

/** The shared rule tester lints virtual files; this rule needs a real context directory. */
function runRule(source: string, target: Pick<LintTarget, "file" | "absPath" | "contextDir">): Array<Report & { severity: string }> {
  const parsed = parseDockerfile(source, target.file);
  if (!parsed.ok) throw new Error("test Dockerfile does not parse");
  const reports: Array<Report & { severity: string }> = [];
  rule.check({
    file: target.file,
    target: { kind: "dockerfile", ...target },
    source,
    doc: parsed.doc,
    names: DEFAULT_NAME_SETTINGS,
    report: (r) => {
      assertReportHygiene(r);
      reports.push({ ...r, severity: r.severity ?? rule.severity });
    },
  });
  return reports;
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "stowaway-sfc-"));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}

/** Lints `dockerfile` as `<root>/<name>` with the context at `root`. */
function lint(root: string, dockerfile: string, name = "Dockerfile") {
  writeFileSync(path.join(root, name), dockerfile);
  return runRule(dockerfile, { file: name, absPath: path.join(root, name), contextDir: root }).map((r) => ({
    line: r.range.start.line,
    column: r.range.start.column,
    severity: r.severity,
    paths: r.value.replace(/^build-context:/, "").split(","),
    message: r.message,
  }));
}

const APP = {
  "package.json": "{}",
  "src/index.js": "",
  ".env": "DB_PASSWORD=ctx-Fixture-Pw9\n",
  ".env.example": "",
  "certs/server.key": "",
  ".ssh/id_ed25519": "",
  ".ssh/known_hosts": "",
  ".npmrc": "",
};

describe("dockerfile/secret-file-in-context", () => {
  it("names every secret file `COPY . .` takes, in one finding at the source argument", () => {
    const root = context(APP);
    const found = lint(root, "FROM node:20\nWORKDIR /app\nCOPY . .\n");
    expect(found.map((f) => [f.line, f.column, f.paths, f.severity])).toEqual([[3, 6, [".env", ".npmrc", ".ssh/", "certs/server.key"], "error"]]);
    for (const p of ["`.env`", "`.npmrc`", "`.ssh/`", "`certs/server.key`"]) expect(found[0].message).toContain(p);
  });

  it("honours .dockerignore with `**` and `!` exceptions", () => {
    const root = context({ ...APP, ".dockerignore": ".env*\n!.env.example\n**/*.key\n.ssh\n" });
    expect(lint(root, "FROM node:20\nCOPY . /app\n").map((f) => f.paths)).toEqual([[".npmrc"]]);
  });

  it("prefers <Dockerfile>.dockerignore over .dockerignore", () => {
    const root = context({ ...APP, ".dockerignore": "*\n", "api.Dockerfile.dockerignore": ".ssh\n.npmrc\ncerts\n" });
    expect(lint(root, "FROM node:20\nCOPY . .\n", "api.Dockerfile").map((f) => f.paths)).toEqual([[".env"]]);
    expect(lint(root, "FROM node:20\nCOPY . .\n")).toEqual([]);
  });

  it("covers ADD of a directory, a directory source and a glob", () => {
    const root = context(APP);
    expect(lint(root, "FROM alpine\nADD ./certs /etc/certs\n").map((f) => [f.column, f.paths])).toEqual([[5, ["certs/server.key"]]]);
    expect(lint(root, "FROM alpine\nCOPY src/ /app/src/\n")).toEqual([]);
    expect(lint(root, "FROM alpine\nCOPY package.json * /app/\n").map((f) => [f.column, f.paths])).toEqual([
      [19, [".env", ".npmrc", ".ssh/", "certs/server.key"]],
    ]);
  });

  it("matches COPY globs as Go's filepath.Match does, segment by segment", () => {
    const root = context(APP);
    const paths = (src: string) => lint(root, `FROM alpine\nCOPY ${src} /app/\n`).flatMap((f) => f.paths);
    expect(paths("cert?/*.key")).toEqual(["certs/server.key"]);
    expect(paths("certs/[rs]erver.key")).toEqual(["certs/server.key"]);
    expect(paths("certs/[!s]erver.key")).toEqual([]);
    expect(paths(".s[s]h")).toEqual([".ssh/"]);
    expect(paths("*/server.key")).toEqual(["certs/server.key"]);
    expect(paths("*.key")).toEqual([]); // `*` does not cross `/`
    expect(paths(".env*")).toEqual([".env"]);
    expect(paths("\\.e*")).toEqual([".env"]); // an escaped character is itself
    expect(paths("c*e*r*t*s")).toEqual(["certs/server.key"]);
  });

  it("matches a glob of many stars against a long name without backtracking", () => {
    // The glob was a regex of `[^/]*`s, run backtracked: 12 stars against a 40-character name
    // took ~15 s in a pre-commit hook, and this test (24 stars, 61 characters) did not finish.
    const long = "a".repeat(60);
    const root = context({ [`${long}c`]: "", [`${long}/.npmrc`]: "" });
    expect(lint(root, `FROM alpine\nCOPY ${"a*".repeat(24)}b /x/\n`)).toEqual([]);
    expect(lint(root, `FROM alpine\nCOPY ${"a*".repeat(24)} /x/\n`).map((f) => f.paths)).toEqual([[`${long}/.npmrc`]]);
  });

  it("ignores copies from other stages, single files and a clean context", () => {
    const root = context({ "package.json": "{}", "src/index.js": "" });
    expect(lint(root, "FROM node:20\nCOPY . .\n")).toEqual([]);
    const dirty = context(APP);
    expect(lint(dirty, "FROM node:20 AS build\nCOPY package.json ./\nFROM alpine\nCOPY --from=build /app /app\n")).toEqual([]);
  });

  it("lowers the severity in a build stage that is not the final image", () => {
    const root = context({ ".env": "API_TOKEN=ctx-Fixture-Tok8\n" });
    expect(lint(root, "FROM node:20 AS build\nCOPY . .\nRUN npm run build\nFROM nginx\nCOPY --from=build /dist /usr/share/nginx/html\n")).toMatchObject([
      { line: 2, paths: [".env"], severity: "warning" },
    ]);
  });

  it("reads what a swept file holds: a CA certificate or an env file of ports is no secret (issue #13)", () => {
    const cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3x\n-----END CERTIFICATE-----\n";
    const root = context({
      ".env": "EXPO_PUBLIC_FRONTEND_PROXY_PORT=8080\nLOG_LEVEL=debug\n",
      "certs/ca.pem": cert,
      "certs/fullchain.pem": cert,
      "package.json": "{}",
    });
    expect(lint(root, "FROM node:20\nCOPY . .\n")).toEqual([]);
    const keyRoot = context({
      "certs/tls.pem": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
      ".env": "POSTGRES_PASSWORD=postgres\n",
    });
    expect(lint(keyRoot, "FROM node:20\nCOPY . .\n").map((f) => f.paths)).toEqual([[".env", "certs/tls.pem"]]);
  });

  it("reports nothing when the context cannot be read", () => {
    expect(runRule("FROM alpine\nCOPY . .\n", { file: "Dockerfile", absPath: "/nonexistent/Dockerfile", contextDir: "/nonexistent" })).toEqual([]);
  });
});
