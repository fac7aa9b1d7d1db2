import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WORKER_THRESHOLD } from "@stowaway/lint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

// Issue 16: runs over a few hundred files lint on worker threads. The report must not depend on
// it: same bytes, same exit code, whatever the number of threads. STOWAWAY_LINT_WORKERS=N forces
// N threads (1: none) whatever the file count.

let dir: string;
let hook: string;
let logDir: string;

// Counts `new Worker(…)` in the CLI process (the lint pool takes Worker from the builtin module at
// the time it starts one, so patching the export is seen) and writes the count at exit.
const HOOK = `
import wt from "node:worker_threads";
import { writeFileSync } from "node:fs";
if (wt.isMainThread && process.env.STOWAWAY_TEST_WORKER_LOG) {
  let started = 0;
  const Base = wt.Worker;
  wt.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      started++;
    }
  };
  process.on("exit", () => writeFileSync(process.env.STOWAWAY_TEST_WORKER_LOG, String(started)));
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stowaway-workers-"));
  logDir = join(dir, "logs");
  mkdirSync(logDir);
  hook = join(dir, "count-workers.mjs");
  writeFileSync(hook, HOOK);
  const root = join(dir, "repo");
  // The hand-labelled fixtures: compose files pulling in env files and build contexts.
  cpSync(join(REPO_ROOT, "test/fixtures"), join(root, "fixtures"), { recursive: true });
  // Many small files, so several batches go to each thread, with findings, suppressions and clean ones.
  for (let i = 0; i < 60; i++) {
    const p = join(root, "gen", `p${String(i).padStart(2, "0")}`);
    mkdirSync(p, { recursive: true });
    writeFileSync(
      join(p, "Dockerfile"),
      [
        "FROM alpine:3.20",
        `ENV DB_PASSWORD=Wk${i}rT9qLm2Zp8Xv`,
        i % 3 === 0 ? `RUN curl -u admin:Pz${i}kQ7wLs9Vb https://example.org/x # stowaway-disable-line dockerfile/secret-in-command` : "RUN echo hi",
        i % 4 === 0 ? "ARG NPM_TOKEN" : "ARG VERSION=1",
        "",
      ].join("\n"),
    );
    writeFileSync(join(p, ".env"), `API_KEY=Qm${i}vT8zXr2Lp9Wn4K\nREGION=eu-west-1\n`);
    if (i % 10 === 0)
      writeFileSync(
        join(p, "compose.yaml"),
        `services:\n  app:\n    build: .\n    env_file: .env\n    environment:\n      REDIS_PASSWORD: "Rd${i}pW7xYq3Zk"\n`,
      );
  }
  // A configuration group of its own (rules, allow list), and a file that does not parse (exit 2).
  const team = join(root, "team");
  mkdirSync(team);
  writeFileSync(
    join(team, ".stowaway.yaml"),
    'lint:\n  rules:\n    dockerfile/secret-build-arg: "off"\n  allow:\n    - value: "AllowedDemo1234"\n      reason: demo\n',
  );
  writeFileSync(join(team, "Dockerfile"), "FROM alpine\nARG GITHUB_TOKEN\nENV APP_SECRET=AllowedDemo1234\nENV APP_TOKEN=Tk9mQx7LpZ2vWr\n");
  mkdirSync(join(root, "broken"));
  writeFileSync(join(root, "broken", "compose.yaml"), "services:\n  app: [unclosed\n");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function lint(args: string[], threads: string | undefined, log?: string) {
  const env: NodeJS.ProcessEnv = { STOWAWAY_LINT_WORKERS: threads, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
  if (log) env.STOWAWAY_TEST_WORKER_LOG = join(logDir, log);
  return runCli(["lint", ...args], { cwd: join(dir, "repo"), env });
}

const workersStarted = (log: string) => Number(readFileSync(join(logDir, log), "utf8"));

describe("stowaway lint on worker threads", () => {
  it.each([
    ["json", "."],
    ["stylish", "."],
    ["sarif", "gen"],
  ])("prints the same report and exit code with and without workers (%s, %s)", (format, path) => {
    const one = lint(["--format", format, path], "1", `one-${format}`);
    const three = lint(["--format", format, path], "3", `three-${format}`);
    expect(workersStarted(`one-${format}`)).toBe(0);
    expect(workersStarted(`three-${format}`)).toBe(3);
    expect(three.stdout).toBe(one.stdout);
    expect(three.stderr).toBe(one.stderr);
    expect(three.code).toBe(one.code);
    if (path === ".") {
      // The broken file is a parse error in both.
      expect(one.code).toBe(2);
      expect(one.stdout).toContain("broken/compose.yaml");
    } else expect(one.code).toBe(1);
    expect(one.stdout).not.toContain("Rd0pW7xYq3Zk");
  });

  it("applies a baseline the same way with workers", () => {
    const baseline = join(dir, "baseline.json");
    expect(lint(["--write-baseline", baseline, "gen", "team"], "1").code).toBe(0);
    // One new finding after the baseline was written.
    writeFileSync(join(dir, "repo", "gen", "p01", "extra.env"), "SESSION_SECRET=Ss4kLm9QzXw2Vr\n");
    try {
      const one = lint(["--format", "json", "--baseline", baseline, "gen", "team"], "1");
      const three = lint(["--format", "json", "--baseline", baseline, "gen", "team"], "3");
      expect(three.stdout).toBe(one.stdout);
      expect(three.code).toBe(one.code);
      expect(JSON.parse(one.stdout).findings).toHaveLength(1);
    } finally {
      rmSync(join(dir, "repo", "gen", "p01", "extra.env"));
    }
  });

  it("starts no worker for a one-file run", () => {
    const r = lint(["--format", "json", "gen/p00/Dockerfile"], undefined, "single");
    expect(r.code).toBe(1);
    expect(workersStarted("single")).toBe(0);
  });

  it.skipIf(availableParallelism() < 2)(`uses workers by default over the threshold (${WORKER_THRESHOLD} files), on a machine with more than one core`, () => {
    const many = join(dir, "repo", "many");
    for (let i = 0; i < WORKER_THRESHOLD; i++) {
      mkdirSync(join(many, `d${i}`), { recursive: true });
      writeFileSync(join(many, `d${i}`, "Dockerfile"), `FROM alpine\nENV N=${i}\n`);
    }
    const r = lint(["--format", "json", "many"], undefined, "many");
    expect(r.code).toBe(0);
    expect(workersStarted("many")).toBeGreaterThan(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });
});
