import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMap, isPair, isScalar, isSeq, parseAllDocuments } from "yaml";
import { readBlockYaml } from "./compose-fast.js";

// The fast reader must build exactly yaml's tree (classes, values, types, sources, all three range
// offsets) or decline. Each case and each generated document is checked against yaml itself.

/** One line per node: what the compose model reads from yaml's tree. */
function describeTree(n: unknown, out: string[] = [], path = "$"): string[] {
  if (n === null || n === undefined) {
    out.push(`${path} ${n}`);
    return out;
  }
  const node = n as { range?: number[]; anchor?: string; tag?: string; flow?: boolean };
  const r = node.range ? node.range.join(",") : "-";
  if (isMap(n) || isSeq(n)) {
    out.push(`${path} ${isMap(n) ? "map" : "seq"} ${r}${n.flow ? " flow" : ""}${node.anchor ? ` &${node.anchor}` : ""}`);
    (n.items as unknown[]).forEach((it, i) => {
      if (isPair(it)) {
        describeTree(it.key, out, `${path}.${i}k`);
        describeTree(it.value, out, `${path}.${i}v`);
      } else describeTree(it, out, `${path}[${i}]`);
    });
    return out;
  }
  if (isScalar(n)) {
    const v = Object.is(n.value, Number.NaN) ? "NaN" : JSON.stringify(n.value);
    out.push(
      `${path} scalar ${r} ${n.type} ${typeof n.value}:${v} src=${JSON.stringify(n.source)}${node.anchor ? ` &${node.anchor}` : ""}${node.tag ? ` !${node.tag}` : ""}`,
    );
    return out;
  }
  out.push(`${path} ${(n as object).constructor.name}`);
  return out;
}

/** "fallback", or "same" when the fast tree equals yaml's; throws (with the first difference) otherwise. */
function check(src: string): "fallback" | "same" {
  const fast = readBlockYaml(src);
  if (fast === undefined) return "fallback";
  const docs = parseAllDocuments(src, { merge: true, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs) || docs.length !== 1) throw new Error(`read a source yaml sees as ${Array.isArray(docs) ? docs.length : 0} documents`);
  if (docs[0].errors.length) throw new Error(`read a source yaml rejects: ${docs[0].errors.map((e) => e.code).join(", ")}`);
  const want = describeTree(docs[0].contents);
  const got = describeTree(fast);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) throw new Error(`differs from yaml at node ${i}:\n  yaml: ${want[i]}\n  fast: ${got[i]}`);
  }
  return "same";
}

describe("readBlockYaml", () => {
  const same: Array<[string, string]> = [
    ["a plain compose file", 'services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n    environment:\n      LOG_LEVEL: info\n'],
    [
      "scalars of every core type",
      "a: 1\nb: 0o17\nc: 0x1F\nd: 1.50\ne: 1e3\nf: .inf\ng: -.Inf\nh: .nan\ni: true\nj: False\nk: null\nl: ~\nm: yes\nn: 0123\no: +5\np: 1.\nq: tRue\n",
    ],
    ["empty values and named volumes", "services:\n  db:\n    image: postgres\nvolumes:\n  data:\n  logs:\n"],
    ["quoted values with escapes", 'a: "x\\ty \\u00e9 \\"q\\" \\/"\nb: \'it\'\'s\'\nc: ""\n'],
    ["flow collections", "a: [a, \"b\", 'c', 1]\nb: { context: ., dockerfile: Containerfile }\nc: []\nd: {}\ne: [ x ,  y ]  # c\n"],
    ["block scalars", "a: |\n  line 1\n\n  line 2\n\n\nb: |-\n  t\n    more\nc: >\n  f\n  g\n\n  h\nd: >-\n  x\n"],
    [
      "comments and blank lines everywhere",
      "# top\nservices:   # c\n  # before web\n  web:\n    image: x  # c\n      # deeper\n\n    # at the level\n  db:\n    image: y\n    # trailing\n\n# end\n",
    ],
    ["sequences at their key's column", "a:\n- x\n- k: v\n  k2: w\n-\nb:\n  c:\n  - 1\n  # c\n  d: 2\n"],
    ["compact mappings in sequences", "a:\n  - x: 1\n    y: 2\n  -   z: 3\n  - # c\n    w: 4\n"],
    ["a comment ending a nested map before a dedent", "a:\n  b:\n    x: 1\n    # c\n  \n  d: 1\n"],
    ["an empty value with a comment", "a:\n  x:  # d\n  y: 1\nb:  # e\n"],
    ["no final newline", "a:\n  b: c"],
  ];
  it.each(same)("reads %s exactly as yaml does", (_name, src) => {
    expect(check(src)).toBe("same");
  });

  const declined: Array<[string, string]> = [
    ["anchors and aliases", "x: &d\n  a: 1\ny: *d\n"],
    ["merge keys", "y:\n  <<: {a: 1}\n"],
    ["tags", "a: !!str 1\n"],
    ["document markers", "---\na: 1\n"],
    ["directives", "%YAML 1.2\n---\na: 1\n"],
    ["quoted keys", '"a": 1\n'],
    ["multi-line plain scalars", "a: one\n  two\n"],
    ["multi-line quoted scalars", 'a: "one\n  two"\n'],
    ["nested flow collections", "a: [[1], 2]\n"],
    ["a lone `-` in a flow collection (a block sequence there: an error)", "a: [a, -]\nb: {x: -}\n"],
    ["YAML-only escapes", 'a: "\\x41"\n'],
    ["keep chomping", "a: |+\n  t\n\n"],
    ["indentation indicators", "a: |2\n   t\n"],
    ["tabs", "a:\t1\n"],
    ["CRLF line ends", "a: 1\r\nb: 2\r\n"],
    ["a top-level sequence", "- a\n- b\n"],
    ["a mapping in a compact value", "a: b: c\n"],
    ["bad indentation", "a:\n    b: 1\n  c: 2\n"],
    ["an empty file", ""],
    ["comments only", "# nothing here\n"],
  ];
  it.each(declined)("leaves %s to yaml", (_name, src) => {
    expect(readBlockYaml(src)).toBeUndefined();
  });

  it("never builds a tree that differs from yaml's (generated documents)", () => {
    const scalars = [
      "x",
      "1",
      "0o17",
      "0x1F",
      "1.5",
      "1e3",
      ".inf",
      "-.Inf",
      ".nan",
      "true",
      "False",
      "null",
      "~",
      "yes",
      "a b",
      "a:b",
      "a#b",
      "a #b",
      "-1",
      "-x",
      "$VAR",
      "${A:-b}",
      "http://h:80/p",
      "'s'",
      "'it''s'",
      '"d"',
      '"e\\tf"',
      '"\\u00e9"',
      '"\\x41"',
      '"q\\"q"',
      "[a, b]",
      "[ a , 'b' , \"c\" ]",
      "[]",
      "{}",
      "{ a: 1, b: c }",
      "{a: 1}",
      "[a,b,]",
      "&x v",
      "*x",
      "!t v",
      "`x`",
      "8080:80",
      "0123",
      "+5",
      "1.",
      ".5",
      "a  b",
    ];
    const keys = ["a", "b", "svc", "x.y", "1", "true", "null", "-k", "k-1", "<<", '"q"', "a b", "k#", "$k", "~", "(k)", "c", "d"];
    const trivia = fc.constantFrom("", "  ", "   # c", "# c", "      # deep");
    type Item =
      | { kind: "scalar"; key: string; value: string; tail: string }
      | { kind: "nested"; key: string; tail: string; body: Block }
      | { kind: "block"; key: string; header: string; lines: string[] }
      | { kind: "compact"; pairs: Array<[string, string]>; gap: string }
      | { kind: "trivia"; text: string };
    type Block = { seq: boolean; step: number; items: Item[] };
    const { block } = fc.letrec<{ block: Block; item: Item }>((tie) => ({
      block: fc.record({ seq: fc.boolean(), step: fc.constantFrom(1, 2, 2, 4), items: fc.array(tie("item"), { minLength: 1, maxLength: 4 }) }),
      item: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({
          kind: fc.constant("scalar" as const),
          key: fc.constantFrom(...keys),
          value: fc.constantFrom(...scalars),
          tail: fc.constantFrom("", "", " # c", "  ", "#x"),
        }),
        fc.record({ kind: fc.constant("nested" as const), key: fc.constantFrom(...keys), tail: fc.constantFrom("", "", " # c"), body: tie("block") }),
        fc.record({
          kind: fc.constant("block" as const),
          key: fc.constantFrom(...keys),
          header: fc.constantFrom("|", "|-", ">", ">-", "| # h"),
          lines: fc.array(fc.constantFrom("", "line", "  more", "# not a comment", " "), { minLength: 1, maxLength: 3 }),
        }),
        fc.record({
          kind: fc.constant("compact" as const),
          pairs: fc.array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...scalars, "|", ">-")), { minLength: 1, maxLength: 3 }),
          gap: fc.constantFrom(" ", " ", "   "),
        }),
        fc.record({ kind: fc.constant("trivia" as const), text: trivia }),
      ),
    })) as { block: fc.Arbitrary<Block> };
    const render = (b: Block, indent: number, out: string[]) => {
      const pad = " ".repeat(indent);
      for (const it of b.items) {
        if (it.kind === "trivia") {
          out.push(it.text);
          continue;
        }
        if (it.kind === "compact") {
          // `- k: v` in a sequence (a mapping entry `k: v` elsewhere), its other keys lined up.
          const col = indent + (b.seq ? 1 + it.gap.length : 0);
          it.pairs.forEach(([k, v], n) => {
            const lead = n === 0 ? (b.seq ? `${pad}-${it.gap}` : pad) : " ".repeat(col);
            out.push(`${lead}${k}: ${v}`);
            if (v === "|" || v === ">-") out.push(`${" ".repeat(col + 2)}text`);
          });
          continue;
        }
        const head = b.seq ? `${pad}- ` : `${pad}${it.key}: `;
        if (it.kind === "scalar") out.push(head + it.value + it.tail);
        else if (it.kind === "nested") {
          out.push(head.trimEnd() + it.tail);
          render(it.body, indent + (b.seq ? 2 : it.body.seq && it.body.step === 1 ? 0 : it.body.step), out);
        } else {
          out.push(head + it.header);
          for (const l of it.lines) out.push(l === "" || l === " " ? l : " ".repeat(indent + 2) + l);
        }
      }
    };
    const doc = fc.record({
      root: block.map((b) => ({ ...b, seq: false })),
      end: fc.constantFrom("\n", "", "\n\n", "\n  # end\n"),
      edit: fc.option(fc.record({ at: fc.nat(), text: fc.constantFrom(" ", ":", "-", "#", "'", '"', "\n", "  ", ""), replace: fc.boolean() }), { freq: 4 }),
    });
    const tally = { same: 0, fallback: 0 };
    fc.assert(
      fc.property(doc, ({ root, end, edit }) => {
        const lines: string[] = [];
        render(root, 0, lines);
        let src = lines.join("\n") + end;
        if (edit) {
          const at = edit.at % (src.length + 1);
          src = src.slice(0, at) + edit.text + src.slice(at + (edit.replace ? 1 : 0));
        }
        tally[check(src)]++;
      }),
      { numRuns: 3000, seed: 16 },
    );
    // The generator must reach the reader, not only its refusals.
    expect(tally.same).toBeGreaterThan(300);
  });

  it("declines instead of failing on a source it cannot read", () => {
    for (const src of ["a:\n  - - x\n", "a: |\n", "a: [1\n", "a: 'x\n", "a:\n- x\n# c\nb: 1\n", "? a\n: b\n"]) {
      expect(() => readBlockYaml(src)).not.toThrow();
    }
  });
});
