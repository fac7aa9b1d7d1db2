/**
 * Every rule id, without loading any rule: config validation and suppression comments check ids
 * against this on the hot path. A test keeps it equal to the rules the handlers register.
 */
export const RULE_IDS: readonly string[] = [
  "compose/known-token",
  "compose/secret-in-build-args",
  "compose/secret-in-command",
  "compose/secret-in-environment",
  "compose/secret-in-labels",
  "compose/secret-interpolation-default",
  "compose/secret-named-value",
  "compose/url-credentials",
  "dockerfile/copy-secret-file",
  "dockerfile/known-token",
  "dockerfile/secret-build-arg",
  "dockerfile/secret-file-in-context",
  "dockerfile/secret-in-command",
  "dockerfile/secret-in-env",
  "dockerfile/url-credentials",
  "env/known-token",
  "env/secret-value",
  "env/url-credentials",
  "stowaway/parse-warning",
  "stowaway/unknown-rule",
  "stowaway/unused-suppression",
];

const KNOWN = new Set(RULE_IDS);

export function isKnownRuleId(id: string): boolean {
  return KNOWN.has(id);
}

/** The closest known id, for "did you mean …"; undefined when nothing is close. */
export function suggestRuleId(id: string): string | undefined {
  const lower = id.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const known of RULE_IDS) {
    // `secret-in-env` without its kind, or with the wrong kind, still points at the rule.
    const name = known.slice(known.indexOf("/") + 1);
    const score = Math.min(distance(lower, known), lower.includes("/") ? distance(lower.slice(lower.indexOf("/") + 1), name) + 1 : distance(lower, name));
    if (score < bestScore) {
      bestScore = score;
      best = known;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(id.length / 4)) ? best : undefined;
}

/** ` (did you mean \`x\`?)` or nothing. */
export function didYouMean(id: string): string {
  const s = suggestRuleId(id);
  return s ? ` (did you mean \`${s}\`?)` : "";
}

// Levenshtein distance; ids are short, so the quadratic table is fine.
function distance(a: string, b: string): number {
  if (a.length > 200 || b.length > 200) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
