/**
 * Shannon entropy in bits per character. Supporting evidence only: a detector may use it to
 * pick a severity or to tell a real key from a documentation stub, never to flag on its own.
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = Array.from(text).length;
  let bits = 0;
  for (const c of counts.values()) {
    const p = c / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True for strings that look machine-generated: long enough, varied characters and high entropy.
 * Hex has at most 4 bits per char, so it gets a lower bar than base64.
 */
export function looksRandom(text: string): boolean {
  if (text.length < 16) return false;
  const entropy = shannonEntropy(text);
  if (/^[0-9a-f]+$/i.test(text)) return entropy >= 3.0;
  return entropy >= 3.5 && new Set(text).size >= 10;
}

/**
 * True when a token body is a documentation stub rather than a key: `xxxx`, `0000000`,
 * `EXAMPLE`, `your_token`, or too few distinct characters to be random.
 */
export function looksLikeDocStub(body: string): boolean {
  if (/x{4,}|X{4,}|(.)\1{5,}|example|your[_-]?|redacted|placeholder|dummy|changeme/i.test(body)) return true;
  if (/0123456789|123456789|abcdefgh/i.test(body)) return true;
  return body.length >= 16 && new Set(body.toLowerCase()).size < 8;
}
