/** Every code a thrown CLI error can carry. */
export type CliErrorCode = "usage" | "inject";

// The same registered symbol as @stowaway/lint's and @stowaway/sidecar's STOWAWAY_ERROR.
const STOWAWAY_ERROR = Symbol.for("stowaway.error");

/** Base class of the CLI's own errors: the message is printed as is and the exit code is 2. */
export class CliError extends Error {
  readonly [STOWAWAY_ERROR] = true;
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad flag or argument: exit 2 with the message. */
export class UsageError extends CliError {
  constructor(message: string) {
    super("usage", message);
  }
}

/** A reason to refuse injection: the command prints it and exits 2, leaving the input untouched. */
export class InjectError extends CliError {
  constructor(message: string) {
    super("inject", message);
  }
}

/**
 * Whether `err` is one of stowaway's own errors (lint, sidecar or CLI), whose message is written for
 * people. Node's errors (`ENOENT`, `ERR_*`) also carry a string `code` but are not ours.
 */
export function isStowawayError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && (err as unknown as Record<symbol, unknown>)[STOWAWAY_ERROR] === true;
}
