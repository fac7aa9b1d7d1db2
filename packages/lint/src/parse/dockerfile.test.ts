import { DockerfileParser, Keyword } from "dockerfile-ast";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDirectives, parseDockerfile, type DockerfileDoc } from "./dockerfile.js";
import type { MappedText } from "./offsets.js";

function parse(source: string): DockerfileDoc {
  const r = parseDockerfile(source, "Dockerfile");
  if (!r.ok) throw new Error(`parse failed: ${JSON.stringify(r.errors)}`);
  return r.doc;
}

/** Where `needle` (the first occurrence inside `text.text`) starts in the source, 1-based. */
function at(doc: DockerfileDoc, text: MappedText, needle: string) {
  const i = text.text.indexOf(needle);
  expect(i).toBeGreaterThanOrEqual(0);
  const r = doc.rangeOf(text, i, needle.length);
  return [r.start.line, r.start.column, r.end.line, r.end.column];
}

describe("parseDockerfile", () => {
  it("reads instructions, stages and keywords", () => {
    const doc = parse("ARG BASE=alpine\nFROM ${BASE} AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n");
    expect(doc.instructions.map((i) => [i.keyword, i.line, i.stage])).toEqual([
      ["ARG", 1, -1],
      ["FROM", 2, 0],
      ["RUN", 3, 0],
      ["FROM", 4, 1],
      ["COPY", 5, 1],
    ]);
    expect(doc.stages).toEqual([
      { index: 0, image: "${BASE}", name: "build", line: 2 },
      { index: 1, image: "scratch", name: undefined, line: 4 },
    ]);
    expect(doc.instructions[4].flags).toEqual([{ name: "from", value: "build", options: {} }]);
    expect(doc.instructions[4].words.map((w) => w.text)).toEqual(["/out", "/"]);
  });

  it("reads several ENV pairs, quoting and continuations with physical positions", () => {
    const doc = parse('FROM a\nENV A=1 B="two words" \\\n  C=thr\\ ee\n');
    const env = doc.instructions[1];
    expect(env.pairs.map((p) => [p.name, p.value?.text])).toEqual([
      ["A", "1"],
      ["B", "two words"],
      ["C", "thr ee"],
    ]);
    expect(at(doc, env.pairs[1].value!, "two")).toEqual([2, 12, 2, 15]);
    expect(at(doc, env.pairs[2].value!, "thr")).toEqual([3, 5, 3, 8]);
  });

  it("reads the legacy ENV form and ARG without default", () => {
    const doc = parse('FROM a\nENV LEGACY some "quoted" value\nARG TOKEN\nARG PW=\n');
    expect(doc.instructions[1].pairs.map((p) => [p.name, p.value?.text])).toEqual([["LEGACY", "some quoted value"]]);
    expect(doc.instructions[2].pairs).toMatchObject([{ name: "TOKEN", value: null }]);
    expect(doc.instructions[3].pairs[0].value?.text).toBe("");
  });

  it("honours # escape=` and maps continued values to their physical line", () => {
    const doc = parse("# escape=`\nFROM mcr.microsoft.com/windows\nENV A=x `\n    B=C:\\path\\here\nRUN echo one `\n    two\n");
    expect(doc.escapeChar).toBe("`");
    const env = doc.instructions[1];
    expect(env.pairs.map((p) => [p.name, p.value?.text])).toEqual([
      ["A", "x"],
      ["B", "C:\\path\\here"],
    ]);
    expect(at(doc, env.pairs[1].value!, "C:")).toEqual([4, 7, 4, 9]);
    expect(doc.instructions[2].command?.text).toBe("echo one     two");
    expect(at(doc, doc.instructions[2].command!, "two")).toEqual([6, 5, 6, 8]);
  });

  it("drops comment lines inside continuations and records them as comments", () => {
    const doc = parse("FROM a\nRUN --mount=type=secret,id=npm,env=NPM_TOKEN \\\n  # install\n  npm ci\n");
    const run = doc.instructions[1];
    expect(run.flags[0]).toEqual({ name: "mount", value: "type=secret,id=npm,env=NPM_TOKEN", options: { type: "secret", id: "npm", env: "NPM_TOKEN" } });
    expect(run.command?.text).toBe("npm ci");
    expect(doc.comments.map((c) => [c.line, c.text.text])).toEqual([[3, "install"]]);
    expect(doc.statementStart(4)).toBe(2);
  });

  it("decodes JSON exec form with spaces and escapes, keeping offsets", () => {
    const doc = parse('FROM a\nCMD ["my app", "--name=a\\"b", "x"]\nENTRYPOINT ["sh", "-c", "curl -u u:p https://h"]\n');
    const cmd = doc.instructions[1];
    expect(cmd.exec?.map((a) => a.text)).toEqual(["my app", '--name=a"b', "x"]);
    expect(at(doc, cmd.exec![0], "app")).toEqual([2, 10, 2, 13]);
    expect(cmd.command?.text).toBe("'my app' '--name=a\"b' 'x'");
    const ep = doc.instructions[2];
    expect(ep.command?.text).toBe("curl -u u:p https://h");
    expect(at(doc, ep.command!, "u:p")).toEqual([3, 34, 3, 37]);
  });

  it("falls back to shell form for invalid JSON", () => {
    const doc = parse("FROM a\nCMD [not json]\n");
    expect(doc.instructions[1].exec).toBeUndefined();
    expect(doc.instructions[1].command?.text).toBe("[not json]");
  });

  it("reads RUN and COPY heredocs with body line numbers", () => {
    const doc = parse("FROM a\nRUN <<EOF\necho one\necho two\nEOF\nCOPY <<-CONF /etc/app.conf\n\tkey=value\n\tCONF\nENV AFTER=1\n");
    const run = doc.instructions[1];
    expect(run.heredocs).toMatchObject([{ name: "EOF", startLine: 3, terminated: true, stripTabs: false }]);
    expect(run.heredocs[0].body.text).toBe("echo one\necho two\n");
    expect(at(doc, run.heredocs[0].body, "two")).toEqual([4, 6, 4, 9]);
    const copy = doc.instructions[2];
    expect(copy.keyword).toBe("COPY");
    expect(copy.heredocs[0]).toMatchObject({ name: "CONF", startLine: 7, stripTabs: true });
    expect(copy.words.map((w) => w.text)).toEqual(["<<-CONF", "/etc/app.conf"]);
    expect(doc.instructions[3].pairs[0].name).toBe("AFTER");
    expect(doc.instructions).toHaveLength(4);
    expect(doc.statementStart(4)).toBe(2);
  });

  it("reads heredoc bodies raw when a line ends with the escape character", () => {
    const doc = parse("FROM a\nRUN <<EOF\nfoo \\\nEOF\nENV NEXT=1\n");
    expect(doc.instructions[1].heredocs[0]).toMatchObject({ terminated: true });
    expect(doc.instructions[1].heredocs[0].body.text).toBe("foo \\\n");
    expect(doc.instructions.map((i) => i.keyword)).toEqual(["FROM", "RUN", "ENV"]);
  });

  it("reads an unterminated heredoc to the end of file with a warning", () => {
    const doc = parse("FROM a\nRUN <<EOF\necho hi\nENV X=1\n");
    expect(doc.instructions.map((i) => i.keyword)).toEqual(["FROM", "RUN"]);
    expect(doc.instructions[1].heredocs[0]).toMatchObject({ terminated: false, startLine: 3 });
    expect(doc.instructions[1].heredocs[0].body.text).toBe("echo hi\nENV X=1\n");
    expect(doc.warnings).toMatchObject([{ code: "unterminated-heredoc", line: 2 }]);
  });

  it("reads several heredocs on one instruction", () => {
    const doc = parse("FROM a\nCOPY <<A <<B /dst/\none\nA\ntwo\nB\n");
    expect(doc.instructions[1].heredocs.map((h) => [h.name, h.body.text, h.startLine])).toEqual([
      ["A", "one\n", 3],
      ["B", "two\n", 5],
    ]);
  });

  it("unwraps ONBUILD triggers", () => {
    const doc = parse("FROM a\nONBUILD RUN --mount=type=ssh git clone x\nONBUILD ENV TOKEN=abc\n");
    const t1 = doc.instructions[1].trigger!;
    expect(t1.keyword).toBe("RUN");
    expect(t1.flags[0].options).toEqual({ type: "ssh" });
    expect(t1.command?.text).toBe("git clone x");
    const t2 = doc.instructions[2].trigger!;
    expect(t2.pairs.map((p) => [p.name, p.value?.text])).toEqual([["TOKEN", "abc"]]);
    expect(at(doc, t2.pairs[0].value!, "abc")).toEqual([3, 19, 3, 22]);
  });

  it("reads HEALTHCHECK CMD in shell and exec form", () => {
    const doc = parse('FROM a\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/\nHEALTHCHECK CMD ["curl", "-f", "x"]\nHEALTHCHECK NONE\n');
    expect(doc.instructions[1].command?.text).toBe("curl -f http://localhost/");
    expect(doc.instructions[2].command?.text).toBe("'curl' '-f' 'x'");
    expect(doc.instructions[3].command).toBeUndefined();
  });

  it("keeps garbage lines as stray lines but refuses files with no instruction", () => {
    const doc = parse("FROM a\nhello world\n");
    expect(doc.instructions).toHaveLength(1);
    expect(doc.strayLines.map((l) => l.text)).toEqual(["hello world"]);
    expect(parseDockerfile("just some text\nand more", "x")).toMatchObject({ ok: false, errors: [{ code: "not-a-dockerfile" }] });
    expect(parseDockerfile("FROM a\u0000b", "x")).toMatchObject({ ok: false, errors: [{ code: "binary" }] });
    expect(parseDockerfile("", "x")).toMatchObject({ ok: true });
    expect(parseDockerfile("# only a comment\n", "x")).toMatchObject({ ok: true });
  });

  // Timing of many stages and of one long continuation: test/faults/lint-linear-time.test.ts, relative
  // to an ordinary file of the same size (absolute bounds here failed on a loaded machine).

  it("treats a line ending in an escaped escape character as a continuation, like BuildKit", () => {
    const doc = parse("FROM a\nRUN echo a\\\\\n  b\nENV X=1\n");
    expect(doc.instructions.map((i) => i.keyword)).toEqual(["FROM", "RUN", "ENV"]);
    expect(doc.instructions[1].command?.text).toBe("echo a\\  b");
  });

  it("maps a quoted value continued over two lines to the second line", () => {
    const doc = parse('FROM a\nENV A="first \\\nsecond" B=x\n');
    expect(doc.instructions[1].pairs.map((p) => [p.name, p.value?.text])).toEqual([
      ["A", "first second"],
      ["B", "x"],
    ]);
    expect(at(doc, doc.instructions[1].pairs[0].value!, "second")).toEqual([3, 1, 3, 7]);
  });

  it("reads FROM flags, tabs after keywords and lower-case keywords", () => {
    const doc = parse("from --platform=$BUILDPLATFORM golang:1.23 AS build\nenv\tA=b\n");
    expect(doc.stages[0]).toMatchObject({ image: "golang:1.23", name: "build" });
    expect(doc.instructions[0].flags[0]).toMatchObject({ name: "platform", value: "$BUILDPLATFORM" });
    expect(doc.instructions[1]).toMatchObject({ keyword: "ENV", pairs: [{ name: "A" }] });
  });

  it("handles CRLF line endings", () => {
    const doc = parse("FROM a\r\nENV A=b \\\r\n  C=d\r\n");
    expect(doc.instructions[1].pairs.map((p) => [p.name, p.value?.text])).toEqual([
      ["A", "b"],
      ["C", "d"],
    ]);
    expect(at(doc, doc.instructions[1].pairs[1].value!, "d")).toEqual([3, 5, 3, 6]);
  });

  it("reads parser directives like BuildKit (and like dockerfile-ast where it agrees)", () => {
    const cases: [string, string, string | undefined][] = [
      ["# escape=`\nFROM a\n", "`", undefined],
      ["# syntax=docker/dockerfile:1.10\n#escape = `\nFROM a\n", "`", "docker/dockerfile:1.10"],
      ["\uFEFF# escape=`\nFROM a\n", "`", undefined],
      ["# a comment\n# escape=`\nFROM a\n", "\\", undefined],
      ["\n# escape=`\nFROM a\n", "\\", undefined],
      ["FROM a\n# escape=`\n", "\\", undefined],
      ["# escape=x\nFROM a\n", "\\", undefined],
    ];
    for (const [source, escapeChar, syntax] of cases) {
      expect(parseDirectives(source)).toEqual(syntax === undefined ? { escapeChar } : { escapeChar, syntax });
      if (!source.startsWith("\uFEFF")) expect(DockerfileParser.parse(source).getEscapeCharacter()).toBe(escapeChar);
    }
  });

  it("knows exactly dockerfile-ast's keywords", () => {
    const doc = parse(
      Object.values(Keyword)
        .map((k) => `${k} x`)
        .join("\n"),
    );
    expect(doc.instructions.map((i) => i.keyword).sort()).toEqual([...Object.values(Keyword)].sort());
  });

  it("never throws on arbitrary input", () => {
    const alphabet = fc.constantFrom(
      "FROM a\n",
      "RUN ",
      "ENV ",
      "ARG ",
      "COPY ",
      "<<EOF",
      "EOF\n",
      "\\\n",
      "`",
      '"',
      "'",
      "[",
      "]",
      "=",
      " ",
      "\n",
      "#",
      "ONBUILD ",
      "--mount=type=secret",
      "x",
      "ghp_",
      "$",
      "{",
      "}",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")),
        ),
        (s) => {
          const r = parseDockerfile(s, "x");
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 300 },
    );
  });
});
