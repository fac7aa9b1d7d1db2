import { matchWildcard } from "./wildcard.js";

/** A value or name pattern the team has declared not secret (`.stowaway.yaml` `lint.allow`). */
export interface AllowEntry {
  /** Exact value that is not a secret (never a substring: `demo` does not allow `demo-Xy9…`). */
  value?: string;
  /** Name glob, anchored at both ends (`*` any run, `?` one character, case-insensitive), e.g. `DEMO_*`. */
  name?: string;
  reason: string;
}

/** What the allow list looks at in a finding. */
export interface AllowSubject {
  value: string;
  name?: string;
}

/**
 * Compiles a name glob to a matcher that runs in O(name × glob) time whatever the pattern: a regex
 * (`^.*_.*_.*…$`) backtracks exponentially on `*_*_*_*_*_*_TEST` against a long name.
 */
export function compileNameGlob(glob: string): (name: string) => boolean {
  const pattern = glob.toLowerCase();
  return (input) => matchWildcard(pattern, input.toLowerCase(), isStar, (c, ch) => c === "?" || c === ch);
}

const isStar = (c: string) => c === "*";

/** One matcher for the whole list: values by exact equality, names by anchored glob. */
export function compileAllowList(entries: readonly AllowEntry[]): (subject: AllowSubject) => boolean {
  const values = new Set(entries.flatMap((a) => (a.value !== undefined ? [a.value] : [])));
  const names = entries.flatMap((a) => (a.name !== undefined ? [compileNameGlob(a.name)] : []));
  return (s) => values.has(s.value) || (s.name !== undefined && names.some((match) => match(s.name!)));
}
