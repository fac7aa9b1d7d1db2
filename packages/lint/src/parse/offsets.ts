import type { Position, SourceRange } from "../types.js";

/** Turns string offsets (UTF-16 code units) into 1-based line/column positions. */
export interface LineIndex {
  position(offset: number): Position;
  /** `end` is exclusive, like SourceRange's. */
  range(start: number, end: number): SourceRange;
}

export function lineIndex(source: string): LineIndex {
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  const position = (offset: number): Position => {
    const clamped = Math.max(0, Math.min(offset, source.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - starts[lo] + 1 };
  };
  return { position, range: (start, end) => ({ start: position(start), end: position(Math.max(start, end)) }) };
}

/**
 * A value as a program sees it, with the file offset each character came from.
 * Escapes, quotes and folding make value indexes and file offsets drift apart;
 * this keeps findings on the exact characters in the file.
 */
export interface MappedText {
  text: string;
  /** `offsets[i]` is the file offset of `text[i]`; same length as `text`. */
  offsets: readonly number[];
  /** File offset just past the value's last character. */
  end: number;
}

/** A mapped text from its characters' offsets; `emptyAt` places it in the file when it is empty. */
export function mapped(text: string, offsets: readonly number[], emptyAt: number): MappedText {
  return { text, offsets, end: offsets.length > 0 ? offsets[offsets.length - 1] + 1 : emptyAt };
}

/** A slice of the file copied verbatim. */
export function verbatim(source: string, start: number, end: number): MappedText {
  const offsets = new Array<number>(end - start);
  for (let i = 0; i < offsets.length; i++) offsets[i] = start + i;
  return { text: source.slice(start, end), offsets, end };
}

/** The file range of `text[start, end)`. */
export function mappedRange(lines: LineIndex, m: MappedText, start: number, end: number): SourceRange {
  if (m.text.length === 0) return lines.range(m.end, m.end);
  const s = Math.max(0, Math.min(start, m.text.length - 1));
  const from = m.offsets[s];
  const to = end >= m.text.length ? m.end : end <= s ? from : m.offsets[end - 1] + 1;
  return lines.range(from, Math.max(from, to));
}

/** The file text behind `text[start, end)`: what a reader of the file sees (escapes and all). */
export function mappedSource(source: string, m: MappedText, start: number, end: number): string {
  if (m.text.length === 0 || end <= start) return "";
  const from = m.offsets[Math.max(0, start)];
  const to = end >= m.text.length ? m.end : m.offsets[end - 1] + 1;
  return source.slice(from, Math.max(from, to));
}

/** Concatenate mapped texts with a separator that maps to the next piece's start. */
export function joinMapped(parts: readonly MappedText[], separator: string): MappedText {
  let text = "";
  const offsets: number[] = [];
  parts.forEach((p, i) => {
    if (i > 0) {
      text += separator;
      for (let k = 0; k < separator.length; k++) offsets.push(p.offsets[0] ?? p.end);
    }
    text += p.text;
    offsets.push(...p.offsets);
  });
  return { text, offsets, end: parts.length ? parts[parts.length - 1].end : 0 };
}

/** The sub-text `m.text[start, end)` with its offsets. */
export function sliceMapped(m: MappedText, start: number, end: number): MappedText {
  const offsets = m.offsets.slice(start, end);
  const last = end >= m.text.length ? m.end : m.offsets[end - 1] + 1;
  return { text: m.text.slice(start, end), offsets, end: offsets.length ? last : (m.offsets[start] ?? m.end) };
}
