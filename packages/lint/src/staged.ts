import { resolve } from "node:path";
import { kindOfName } from "./discover.js";
import { StowawayLintError } from "./errors.js";
import type { LintTarget } from "./types.js";

export class GitError extends StowawayLintError {
  constructor(message: string) {
    super("git-failed", message);
  }
}

function git(cwd: string, args: string[]): Buffer {
  // Loaded here, not at the top: only --staged needs it, and every pre-commit run pays an import.
  const { execFileSync } = process.getBuiltinModule("node:child_process");
  try {
    return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "")
      .trim()
      .split("\n")[0];
    throw new GitError(`git ${args[0]} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

/**
 * The files staged in git that are ours (Dockerfiles, compose and env files), with their staged
 * content (`git show :path`), not the working tree: that is what the commit will hold.
 */
export function stagedTargets(cwd: string): LintTarget[] {
  const top = git(cwd, ["rev-parse", "--show-toplevel"]).toString().trim();
  const names = git(cwd, ["diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"]).toString().split("\0").filter(Boolean);
  const targets: LintTarget[] = [];
  for (const name of names) {
    const kind = kindOfName(name);
    if (!kind) continue;
    const source = git(top, ["show", `:${name}`]).toString("utf8");
    targets.push({ file: name, absPath: resolve(top, name), kind, source });
  }
  return targets;
}
