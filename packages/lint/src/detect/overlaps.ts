/**
 * Matches without overlaps: sorted by start, and where two overlap the earlier one wins (the
 * longer one when they start together). Sorts `matches` in place.
 */
export function removeOverlaps<T extends { index: number; length: number }>(matches: T[]): T[] {
  matches.sort((a, b) => a.index - b.index || b.length - a.length);
  const out: T[] = [];
  let reach = -1;
  for (const m of matches) {
    if (m.index < reach) continue;
    out.push(m);
    reach = m.index + m.length;
  }
  return out;
}
