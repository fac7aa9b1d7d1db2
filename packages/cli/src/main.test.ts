import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { BaselineError, ConfigError, GitError } from "@stowaway/lint";
import { SidecarError } from "@stowaway/sidecar";
import { afterAll, describe, expect, it } from "vitest";
import { InjectError, isStowawayError, UsageError } from "./errors.js";
import { describeFailure, main } from "./main.js";

const nodeError = (): Error => {
  try {
    readFileSync(path.join(tmpdir(), "stowaway-no-such-dir", "x"));
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected ENOENT");
};

describe("the CLI's own errors and Node's", () => {
  it.each([
    ["UsageError", new UsageError("unknown --format")],
    ["InjectError", new InjectError("no services")],
    ["lint ConfigError", new ConfigError(".stowaway.yaml", [{ key: "lint.failOn", message: "bad level" }])],
    ["lint GitError", new GitError("git diff failed")],
    ["lint BaselineError", new BaselineError("b.json", "not JSON")],
    ["SidecarError", new SidecarError("CONFIG_INVALID", "bad config")],
  ])("%s is ours: its message, no 'unexpected'", (_, err) => {
    expect(isStowawayError(err)).toBe(true);
    expect(describeFailure(err)).toBe(`stowaway: ${err.message}`);
  });

  it("Node's ENOENT (a string code, syscall and errno) is an unexpected error, with its message", () => {
    const err = nodeError();
    expect((err as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(isStowawayError(err)).toBe(false);
    expect(describeFailure(err)).toBe(`stowaway: unexpected error: ${err.message}`);
  });

  it("a Node ERR_* error and a plain Error are unexpected too", () => {
    const err = Object.assign(new TypeError("bad argument"), { code: "ERR_INVALID_ARG_TYPE" });
    expect(describeFailure(err)).toBe("stowaway: unexpected error: bad argument");
    expect(describeFailure(new Error("boom"))).toBe("stowaway: unexpected error: boom");
  });
});

describe("main", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stowaway-main-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "Dockerfile"), "FROM alpine\n");
  writeFileSync(path.join(dir, "a-file"), "");

  const run = async (argv: string[]) => {
    let err = "";
    const stderr = new Writable({
      write(chunk, _enc, done) {
        err += chunk;
        done();
      },
    });
    const stdout = new Writable({ write: (_c, _e, done) => done() });
    const code = await main(argv, { stdout, stderr, cwd: dir, env: {} });
    return { code, err };
  };

  it("prints a usage error as ours", async () => {
    const { code, err } = await run(["lint", "--staged", "Dockerfile"]);
    expect(code).toBe(2);
    expect(err).toBe("stowaway: --staged lints what git has staged; do not also name paths\n");
  });

  it("prints a Node error from the file system (ENOTDIR) as unexpected, with its message", async () => {
    const { code, err } = await run(["lint", "--output", "a-file/report.txt", "Dockerfile"]);
    expect(code).toBe(2);
    expect(err).toMatch(/^stowaway: unexpected error: .*(ENOTDIR|EEXIST)/);
  });
});
