import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** How many hashes a process computes in JavaScript before it loads node:crypto. */
export const JS_HASHES = 64;

let hashed = 0;
let native: ((text: string) => string) | undefined;

/**
 * SHA-256 of the UTF-8 text in hex, as node:crypto's createHash("sha256").update(text).digest("hex")
 * gives it. The first hashes of a process are computed in JavaScript: node:crypto loads 15 modules
 * and a stream stack, about 7 ms of a one-file run's start-up, for a few dozen bytes. A run with
 * many findings then switches to node:crypto, about four times faster a hash.
 */
export function sha256Hex(text: string): string {
  if (native) return native(text);
  if (++hashed > JS_HASHES) {
    const { createHash } = process.getBuiltinModule("node:crypto");
    native = (t) => createHash("sha256").update(t).digest("hex");
    return native(text);
  }
  return sha256HexJs(text);
}

/** The JavaScript path of sha256Hex (@noble/hashes). */
export function sha256HexJs(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
