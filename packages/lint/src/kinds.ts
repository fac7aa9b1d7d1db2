import type { Rule } from "./rule.js";
import type { FileKind, LintTarget, ParseProblem, ParseResult } from "./types.js";

/** Everything the engine needs to lint one kind of file. Loaded lazily, one kind at a time. */
export interface KindHandler<D = any> {
  kind: FileKind;
  parse(source: string, file: string): ParseResult<D>;
  rules: readonly Rule<D>[];
  /** Files this one pulls in: a compose file's env files and Dockerfiles with their build contexts. */
  related?(doc: D, target: LintTarget): LintTarget[];
  /** The first line of the statement holding `line` (a Dockerfile instruction spans continuations). */
  statementStart?(doc: D, line: number): number;
  /** Problems that did not stop parsing (an unterminated heredoc): reported as info findings. */
  warnings?(doc: D): ParseProblem[];
  /** Whether `KEY=v  # stowaway-disable-line` is a comment (YAML, env) or an argument (Dockerfile). */
  trailingComments: boolean;
}

/** Dynamic imports keep yaml out of a Dockerfile-only run and the Dockerfile scanner out of a compose-only run. */
export async function loadHandler(kind: FileKind): Promise<KindHandler> {
  switch (kind) {
    case "dockerfile":
      return (await import("./kinds/dockerfile.js")).dockerfileHandler;
    case "compose":
      return (await import("./kinds/compose.js")).composeHandler;
    case "env":
      return (await import("./kinds/env.js")).envHandler;
  }
}
