/** A reason to refuse injection: the command prints it and exits 2, leaving the input untouched. */
export class InjectError extends Error {
  readonly code = "inject";
}
