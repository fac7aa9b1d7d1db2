/**
 * The classic wildcard walk: a `*` element matches any run, every other element one character, and
 * a mismatch backs up to the last `*` (a later `*` supersedes an earlier one, so one restart point
 * suffices). Time is O(text × pattern) whatever the pattern, where a regex of `.*`s backtracks
 * exponentially: allow-list name globs and COPY source globs both use it.
 */
export function matchWildcard<T>(
  pattern: ArrayLike<T>,
  text: string,
  isStar: (element: T) => boolean,
  matchesChar: (element: T, ch: string) => boolean,
): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < text.length) {
    if (p < pattern.length && isStar(pattern[p])) {
      star = p++;
      resume = i;
    } else if (p < pattern.length && matchesChar(pattern[p], text[i])) {
      p++;
      i++;
    } else if (star >= 0) {
      p = star + 1;
      i = ++resume;
    } else return false;
  }
  while (p < pattern.length && isStar(pattern[p])) p++;
  return p === pattern.length;
}
