import { describe, expect, it } from "vitest";
import { simpleCommands, tokenizeShell, type ShellToken } from "./shell-words.js";

const words = (input: string) =>
  tokenizeShell(input)
    .filter((t): t is Extract<ShellToken, { type: "word" }> => t.type === "word")
    .map((t) => t.word.text);
const ops = (input: string) =>
  tokenizeShell(input)
    .filter((t) => t.type === "op")
    .map((t) => (t as { op: string }).op);

describe("tokenizeShell", () => {
  it("removes quotes and escapes, keeping each character's offset", () => {
    const input = `echo 'a b' "c \\"d\\"" e\\ f`;
    expect(words(input)).toEqual(["echo", "a b", 'c "d"', "e f"]);
    const w = tokenizeShell(input).find((t) => t.type === "word" && t.word.text === 'c "d"');
    expect(w?.type === "word" && w.word.offsets.map((o) => input[o]).join("")).toBe('c "d"');
  });

  it("keeps substitutions and parameter expansions whole", () => {
    expect(words(`x=$(cat "/run/secrets/a b") y="\${A:-b c}" \`date +%s\``)).toEqual(['x=$(cat "/run/secrets/a b")', "y=${A:-b c}", "`date +%s`"]);
  });

  it("splits on control operators and newlines, and recognises redirections", () => {
    expect(ops("a && b || c; d | e & f\ng > out 2>&1 <<EOF")).toEqual(["&&", "||", ";", "|", "&", "\n", ">", ">&", "<<"]);
    expect(words("a 2>/dev/null")).toEqual(["a", "/dev/null"]);
  });

  it("joins line continuations and drops comments", () => {
    expect(words("apt-get \\\n  install x # a comment\ny")).toEqual(["apt-get", "install", "x", "y"]);
  });

  it("never throws on unbalanced input", () => {
    for (const s of ["'open", '"open', "$(open", "${open", "`open", "\\", "a\\"]) expect(() => tokenizeShell(s)).not.toThrow();
  });
});

describe("simpleCommands", () => {
  it("groups words into commands, dropping redirection targets", () => {
    const cmds = simpleCommands(tokenizeShell("echo hi > /tmp/x && cat /tmp/x | wc -l"));
    expect(cmds.map((c) => [c.words.map((w) => w.text), c.terminator])).toEqual([
      [["echo", "hi"], "&&"],
      [["cat", "/tmp/x"], "|"],
      [["wc", "-l"], ""],
    ]);
  });
});
