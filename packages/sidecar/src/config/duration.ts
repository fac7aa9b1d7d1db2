const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** True for `200ms`, `30s`, `5m`, `1h` and sums like `1m30s`. */
export function isDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

/** Parses a duration into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (!DURATION.test(t)) throw new Error(`not a duration: expected e.g. 200ms, 30s, 5m or 1h`);
  let total = 0;
  for (const m of t.matchAll(PART)) total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
