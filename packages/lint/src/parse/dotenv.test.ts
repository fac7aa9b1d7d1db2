import { describe, expect, it } from "vitest";
import { parseDotenv, type DotenvDoc } from "./dotenv.js";

function parse(source: string): DotenvDoc {
  const r = parseDotenv(source, ".env");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.doc;
}

function entry(doc: DotenvDoc, name: string) {
  const e = doc.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no ${name}`);
  return { value: e.value?.text, range: e.valueRange, quote: e.quote, exported: e.exported, nameRange: e.nameRange };
}

describe("parseDotenv", () => {
  it("reads plain, exported and spaced assignments with positions", () => {
    const doc = parse("A=1\nexport B=two\n  C = three  \n");
    expect(entry(doc, "A")).toMatchObject({ value: "1", range: { start: { line: 1, column: 3 }, end: { line: 1, column: 4 } } });
    expect(entry(doc, "B")).toMatchObject({ value: "two", exported: true, range: { start: { line: 2, column: 10 } } });
    expect(entry(doc, "C")).toMatchObject({ value: "three", range: { start: { line: 3, column: 7 }, end: { line: 3, column: 12 } } });
  });

  it("skips comments and blank lines, keeping comment text for token scans", () => {
    const doc = parse("# header\n\n   \nA=1 # trailing note\n#B=2\n");
    expect(doc.entries.map((e) => e.name)).toEqual(["A"]);
    expect(entry(doc, "A").value).toBe("1");
    expect(doc.comments.map((c) => c.text.text)).toEqual([" header", " trailing note", "B=2"]);
    expect(doc.comments[1].range.start).toEqual({ line: 4, column: 5 });
  });

  it("keeps `#` inside an unquoted value when not preceded by whitespace", () => {
    expect(entry(parse("A=pa#ss\n"), "A").value).toBe("pa#ss");
  });

  it("reads single quotes literally and double quotes with escapes", () => {
    const doc = parse(`S='a \\n b' # c\nD="x\\ny \\"q\\""\n`);
    expect(entry(doc, "S")).toMatchObject({ value: "a \\n b", quote: "single", range: { start: { line: 1, column: 4 } } });
    expect(entry(doc, "D")).toMatchObject({ value: 'x\ny "q"', quote: "double" });
  });

  it("reads multi-line double-quoted values with a multi-line range", () => {
    const doc = parse('KEY="-----BEGIN\nline2\n-----END"\nNEXT=1\n');
    const k = entry(doc, "KEY");
    expect(k.value).toBe("-----BEGIN\nline2\n-----END");
    expect(k.range).toEqual({ start: { line: 1, column: 6 }, end: { line: 3, column: 9 } });
    expect(entry(doc, "NEXT").value).toBe("1");
    expect([1, 2, 3, 4].map((l) => doc.statementStart(l))).toEqual([1, 1, 1, 4]);
  });

  it("maps value indexes back to file positions through escapes", () => {
    const doc = parse('K="ab\\"cdef"\n');
    const e = doc.entries[0];
    // `d` is value index 4; in the file it sits after the escaped quote, column 9.
    expect(doc.rangeOf(e.value!, 4, 5).start).toEqual({ line: 1, column: 9 });
  });

  it("treats a bare KEY as pass-through and an empty value as empty", () => {
    const doc = parse("BARE\nEMPTY=\nQ=''\n");
    expect(entry(doc, "BARE").value).toBeUndefined();
    expect(entry(doc, "EMPTY").value).toBe("");
    expect(entry(doc, "Q").value).toBe("");
  });

  it("accepts the yaml-style `KEY: value` that compose also reads", () => {
    expect(entry(parse("KEY: value\n"), "KEY").value).toBe("value");
  });

  it("handles CRLF line endings and a BOM", () => {
    const doc = parse("\ufeffA=1\r\nB=2\r\n");
    expect(entry(doc, "A").value).toBe("1");
    expect(entry(doc, "B")).toMatchObject({ value: "2", range: { start: { line: 2, column: 3 } } });
  });

  it("reports unterminated quotes and bad names with positions, without quoting values", () => {
    const r = parseDotenv('OK=1\nBAD="never closed\n', ".env");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ line: 2, column: 5, code: "ENV_UNTERMINATED_QUOTE" });
    expect(r.errors[0].message).not.toContain("never");
    const r2 = parseDotenv("A B=1\n", ".env");
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.errors[0]).toMatchObject({ line: 1, code: "ENV_BAD_NAME" });
  });
});
