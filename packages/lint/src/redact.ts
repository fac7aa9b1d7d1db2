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

/**
 * Literal prefixes of vendor token formats (see detect/tokens.ts for each format's reference).
 * Matched case-insensitively and without word boundaries, because names and the `_FILE` names
 * derived from them glue a token to other words (`TOKEN_ghp_…`, `TOKEN_GHP_…_FILE`).
 */
const TOKEN_PREFIXES = [
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "github_pat_",
  "glpat-",
  "gldt-",
  "glrt-",
  "glptt-",
  "glft-",
  "glcbt-",
  "xoxb-",
  "xoxp-",
  "xoxa-",
  "xoxo-",
  "xoxs-",
  "xoxr-",
  "xoxe-",
  "sk_live_",
  "sk_test_",
  "rk_live_",
  "rk_test_",
  "akia",
  "asia",
  "abia",
  "acca",
  "aiza",
  "npm_",
  "pypi-",
  "sk-ant-",
  "sk-proj-",
  "sk-svcacct-",
  "sk-admin-",
  "sg.",
  "dckr_pat_",
  "dckr_oat_",
  "hvs.",
  "hvb.",
  "hvr.",
  "hf_",
  "dop_v1_",
  "doo_v1_",
  "dor_v1_",
  "eyj",
];
/** Characters a token body is made of; a run this long after a prefix is taken to be a token. */
const TOKEN_CHAR = /[A-Za-z0-9_.-]/;
const MIN_TOKEN_BODY = 16;

/** Redacts every token-shaped run (a known prefix and at least 16 token characters) in `text`. */
export function redactTokenShapes(text: string): string {
  const lower = text.toLowerCase();
  const cuts: Array<[number, number]> = [];
  for (const prefix of TOKEN_PREFIXES) {
    for (let at = lower.indexOf(prefix); at >= 0; at = lower.indexOf(prefix, at + 1)) {
      let end = at + prefix.length;
      while (end < text.length && TOKEN_CHAR.test(text[end])) end++;
      if (end - at - prefix.length >= MIN_TOKEN_BODY) cuts.push([at, end]);
    }
  }
  if (cuts.length === 0) return text;
  cuts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = "";
  let from = 0;
  for (const [start, end] of cuts) {
    if (start < from) continue;
    out += text.slice(from, start) + redact(text.slice(start, end));
    from = end;
  }
  return out + text.slice(from);
}
