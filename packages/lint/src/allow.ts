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
 * Greedy two-pointer match: a later `*` supersedes an earlier one, so one restart point suffices.
 */
export function compileNameGlob(glob: string): (name: string) => boolean {
  const pattern = glob.toLowerCase();
  return (input) => {
    const name = input.toLowerCase();
    let p = 0;
    let n = 0;
    let star = -1;
    let resume = 0;
    while (n < name.length) {
      const c = pattern[p];
      if (p < pattern.length && (c === "?" || c === name[n]) && c !== "*") {
        p++;
        n++;
      } else if (c === "*") {
        star = p++;
        resume = n;
      } else if (star >= 0) {
        p = star + 1;
        n = ++resume;
      } else {
        return false;
      }
    }
    while (pattern[p] === "*") p++;
    return p === pattern.length;
  };
}

/** One matcher for the whole list: values by exact equality, names by anchored glob. */
export function compileAllowList(entries: readonly AllowEntry[]): (subject: AllowSubject) => boolean {
  const values = new Set(entries.flatMap((a) => (a.value !== undefined ? [a.value] : [])));
  const names = entries.flatMap((a) => (a.name !== undefined ? [compileNameGlob(a.name)] : []));
  return (s) => values.has(s.value) || (s.name !== undefined && names.some((match) => match(s.name!)));
}
