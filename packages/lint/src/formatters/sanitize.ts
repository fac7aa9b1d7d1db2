/**
 * Control characters from file names or file content must never reach a terminal or a log
 * viewer raw: an ESC can clear the screen and print a forged "no problems", a newline can forge
 * a line of output. C0, DEL, C1, the line/paragraph separators and the bidi overrides
 * ("Trojan Source") are shown as visible escapes instead.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// What JSON.stringify leaves raw (outside strings only its own whitespace, which must stay).
const UNSAFE_AFTER_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, "0");

/** For text output: `\x1b`, `\n` → `\x0a`, `\u202e`. */
export function escapeControl(s: string): string {
  return s.replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/**
 * For JSON output: JSON.stringify already escapes C0; this escapes the rest as `\uXXXX`, which
 * parses back to exactly the same string.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_AFTER_JSON, (c) => `\\u${hex(c, 4)}`);
}
