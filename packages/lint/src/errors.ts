/** Every code a thrown lint error can carry; the CLI prints these errors' messages and exits 2. */
export type LintErrorCode = "config-invalid" | "git-failed" | "baseline-invalid";

/**
 * Set on every error stowaway's packages throw, so the CLI tells ours (message written for people)
 * from Node's own (`ENOENT` also has a string `code`) without loading every package to use instanceof.
 */
export const STOWAWAY_ERROR: unique symbol = Symbol.for("stowaway.error") as never;

/** Base class of the errors the lint package throws. */
export class StowawayLintError extends Error {
  readonly [STOWAWAY_ERROR] = true;
  constructor(
    readonly code: LintErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
