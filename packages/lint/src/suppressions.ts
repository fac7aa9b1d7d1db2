/**
 * Inline suppressions. Dockerfiles have no trailing comments (a `#` after an instruction is an
 * argument), so they only take the own-line forms; YAML and env files also take a trailing one.
 *
 *   # stowaway-disable-next-line [rule-id[,rule-id]] [-- reason]
 *   KEY=value  # stowaway-disable-line [rule-id] [-- reason]
 *   # stowaway-disable [rule-id]          (whole file)
 */
export interface Suppression {
  /** Line of the comment itself. */
  line: number;
  column: number;
  /** The line whose findings it silences; 0 for the whole file. */
  target: number;
  /** Empty means every rule. */
  rules: string[];
  reason?: string;
  used: boolean;
  /** A trailing `# stowaway-disable-line` in a Dockerfile: an argument of the instruction, so it silences nothing. */
  inert?: boolean;
}

const DIRECTIVE = /#\s*stowaway-disable(-next-line|-line)?(?=\s|$)([^\n]*)/;

export function parseSuppressions(source: string, allowTrailing: boolean): Suppression[] {
  const out: Suppression[] = [];
  // Most files have none: skip splitting every file into lines on the hot path.
  if (!source.includes("stowaway-disable")) return out;
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (!text.includes("stowaway-disable")) continue;
    const m = DIRECTIVE.exec(text);
    if (!m) continue;
    const ownLine = text.slice(0, m.index).trim() === "";
    const kind = m[1] ?? "";
    if (!ownLine && !allowTrailing && kind === "-line") {
      // Users write it from habit; it must be reported, not ignored in silence.
      out.push({ line: i + 1, column: m.index + 1, target: -1, rules: [], used: false, inert: true });
      continue;
    }
    if (!ownLine && (!allowTrailing || kind !== "-line")) continue;
    if (ownLine && kind === "-line" && !allowTrailing) continue;
    const [ruleText, ...reasonParts] = m[2].split(/\s--\s?|^--\s?/);
    const rules = ruleText
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean);
    const reason = reasonParts.join(" -- ").trim() || undefined;
    const line = i + 1;
    const target = kind === "-next-line" ? nextContentLine(lines, i) : kind === "-line" ? line : 0;
    out.push({ line, column: m.index + 1, target, rules, reason, used: false });
  }
  return out;
}

// The "next line" is the next one that is not blank and not another comment, so stacked
// directives (`# disable-next-line a` / `# disable-next-line b`) both apply to the same line.
function nextContentLine(lines: string[], from: number): number {
  for (let j = from + 1; j < lines.length; j++) {
    const t = lines[j].trim();
    if (t === "" || t.startsWith("#")) continue;
    return j + 1;
  }
  return from + 2;
}

/** Is a finding of `ruleId` spanning `startLine..endLine` silenced? Marks the suppression used. */
export function isSuppressed(sups: Suppression[], ruleId: string, startLine: number, statementStart = startLine): boolean {
  let hit = false;
  for (const s of sups) {
    if (s.rules.length > 0 && !s.rules.includes(ruleId)) continue;
    if (s.target === 0 || s.target === startLine || s.target === statementStart) {
      s.used = true;
      hit = true;
    }
  }
  return hit;
}
