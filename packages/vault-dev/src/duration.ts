/**
 * Durations the way Vault takes and prints them.
 *
 * Vault accepts an integer number of seconds, a numeric string, or a Go
 * duration string with an optional `d` unit (`90`, `"90"`, `"1h30m"`, `"2d"`).
 * It prints durations in warnings with Go's `time.Duration.String()`, trimmed
 * of a trailing `0s`/`0m` (its `humanDuration`), e.g. `768h`, `4h46m41s`, `5m`.
 */

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Parse a Vault duration into whole seconds (fractions are truncated, as Vault does). Throws on garbage. */
export function parseDuration(value: unknown): number {
  if (value === undefined || value === null || value === "") return 0;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${value}`);
    return Math.floor(value);
  }
  if (typeof value !== "string") throw new Error(`invalid duration ${JSON.stringify(value)}`);
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw new Error(`time: invalid duration "${s}"`);
  return Math.floor(total + 1e-9);
}

/** Go's `time.Duration.String()` for whole seconds. */
export function goDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const neg = seconds < 0;
  let s = Math.abs(Math.floor(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out: string;
  if (h > 0) out = `${h}h${m}m${s}s`;
  else if (m > 0) out = `${m}m${s}s`;
  else out = `${s}s`;
  return (neg ? "-" : "") + out;
}

/** Vault's `humanDuration`: Go's format with a trailing `0s` and an inner `h0m` trimmed. */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let s = goDuration(seconds);
  if (s.endsWith("m0s")) s = s.slice(0, -2);
  const idx = s.indexOf("h0m");
  if (idx > 0) s = s.slice(0, idx + 1) + s.slice(idx + 3);
  return s;
}
