/** What a command may touch of the outside world; injected so tests call commands directly. */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** For `stowaway lint -`. */
  stdin?: NodeJS.ReadableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** 0 clean, 1 findings at or above the threshold, 2 usage, config or parse error. */
export type ExitCode = 0 | 1 | 2;

export { UsageError } from "./errors.js";
