/** How many leading characters of a secret a report may show. */
export const REDACT_KEEP = 4;

/**
 * The only view of a secret any output gets: at most its first 4 characters, then `…`.
 * Short values show less, so that a 5-character password is never 80% visible.
 */
export function redact(value: string): string {
  const chars = Array.from(value);
  if (chars.length === 0) return "";
  const keep = Math.min(REDACT_KEEP, Math.floor(chars.length / 3));
  return chars.slice(0, keep).join("") + "…";
}

/** Replace every occurrence of each secret in `text` with its redacted form. */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join(redact(s));
  }
  return out;
}
