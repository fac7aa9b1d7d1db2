import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { lintTargets, type FileKind } from "@stowaway/lint";
import { runCli } from "../helpers/cli.js";

// Issue 8: the linter never throws, never hangs, says exit 2 for unparsable input, and keeps
// linting the other files. Generators produce near-valid files, which reach deeper into the
// parsers and rules than random bytes do.

const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
const junk = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }));
const value = fc.oneof(
  junk,
  fc.constantFrom(
    "ghp_0123456789abcdefABCDEF0123456789abcd",
    "$VAR",
    "${A:-b}",
    '"quoted value"',
    "'x'",
    "\\",
    "`",
    "<<EOF",
    '["a",',
    "\u0000",
    "\uFFFD\uD800",
  ),
);

const instruction = fc.oneof(
  fc.tuple(fc.constantFrom("ENV", "ARG", "LABEL"), word, value).map(([k, n, v]) => `${k} ${n}=${v}`),
  fc.tuple(fc.constantFrom("ENV"), word, value).map(([k, n, v]) => `${k} ${n} ${v}`),
  fc.tuple(fc.constantFrom("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK CMD"), fc.array(value, { maxLength: 6 })).map(([k, a]) => `${k} ${a.join(" ")}`),
  fc.tuple(fc.constantFrom("RUN", "CMD"), fc.array(value, { maxLength: 4 })).map(([k, a]) => `${k} ${JSON.stringify(a)}`),
  fc.tuple(fc.constantFrom("COPY", "ADD"), fc.array(value, { minLength: 1, maxLength: 3 })).map(([k, a]) => `${k} ${a.join(" ")} /dst`),
  fc
    .tuple(fc.constantFrom("RUN", "COPY"), word, fc.array(value, { maxLength: 4 }), fc.boolean())
    .map(([k, tag, body, closed]) => `${k} <<${tag}${k === "COPY" ? " /x" : ""}\n${body.join("\n")}${closed ? `\n${tag}` : ""}`),
  fc.tuple(fc.constantFrom("RUN --mount=type=secret,id=", "RUN --mount=type=ssh ", "ONBUILD RUN ", "ONBUILD ENV "), value).map(([a, b]) => a + b),
  value.map((v) => `# ${v}`),
  fc.constantFrom("# escape=`", "# syntax=docker/dockerfile:1.10", "FROM alpine AS a", "\\", "RUN a \\", "  && b"),
  junk,
);
const dockerfile = fc.array(instruction, { maxLength: 25 }).map((l) => `FROM alpine\n${l.join("\n")}\n`);

const yamlKey = fc.oneof(
  word,
  fc.constantFrom("<<", "services", "environment", "build", "args", "command", "healthcheck", "test", "env_file", "secrets", "x-common"),
);
const yamlNode: fc.Memo<string> = fc.memo((depth: number) =>
  depth <= 1
    ? fc.oneof(
        value.map((v) => JSON.stringify(v)),
        value,
        fc.constantFrom("*a", "&a x", "!!binary x", "|\n  x", "[", "{", "- a"),
      )
    : fc.oneof(
        fc.array(fc.tuple(yamlKey, yamlNode(depth - 1)), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
        fc.array(yamlNode(depth - 1), { maxLength: 4 }).map((a) => `[${a.join(", ")}]`),
        fc.array(fc.tuple(yamlKey, yamlNode(depth - 1)), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => `\n${" ".repeat(depth)}${k}: ${v}`).join("")),
      ),
);
const compose = fc
  .tuple(yamlNode(4), fc.boolean())
  .map(([body, anchored]) => `${anchored ? "x-common: &a\n  PASSWORD: literal-secret-1\n" : ""}services:\n  app: ${body}\n`);
const envFile = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom("", "export "), word, value).map(([e, k, v]) => `${e}${k}=${v}`),
      value,
    ),
    { maxLength: 20 },
  )
  .map((l) => l.join("\n"));

const lintOne = (kind: FileKind, source: string) =>
  lintTargets([
    { file: kind === "compose" ? "compose.yaml" : kind === "env" ? ".env" : "Dockerfile", absPath: "/nonexistent-stowaway-ctx/file", kind, source },
  ]);

describe("the linter on generated bad input", () => {
  it.each([
    ["dockerfile", dockerfile],
    ["compose", compose],
    ["env", envFile],
  ] as const)("never throws on generated %s files", async (kind, arb) => {
    await fc.assert(
      fc.asyncProperty(arb as fc.Arbitrary<string>, async (src) => {
        const r = await lintOne(kind, src);
        expect(r.files).toHaveLength(1);
        // Errors are for people: a message, never a stack.
        for (const e of r.errors) expect(e.message).not.toMatch(/\n\s+at /);
      }),
      { numRuns: 250 },
    );
  });

  it("survives very long lines, deep nesting and alias bombs", async () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
      );
    // Each case ends in the one outcome it should: linted clean, or a named error, never a crash.
    // (How many errors the parser stacks up after exhausting its resources depends on the stack size.)
    const cases: Array<[FileKind, string, { errors: unknown; rules: string[] }]> = [
      ["dockerfile", `FROM alpine\nRUN ${"x".repeat(500_000)}\n`, { errors: [], rules: [] }],
      ["dockerfile", `FROM alpine\nRUN ${"a \\\n".repeat(50_000)}true\n`, { errors: [], rules: [] }],
      ["dockerfile", `FROM alpine\nRUN <<EOF\n${"line\\\n".repeat(10_000)}`, { errors: [], rules: ["stowaway/parse-warning"] }],
      ["compose", `services:\n  app:\n    command: ${"[".repeat(50_000)}\n`, { errors: expect.arrayContaining(["YAML_RESOURCE_EXHAUSTION"]), rules: [] }],
      ["compose", `services:\n${Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i + 2)}k${i}:`).join("\n")}\n`, { errors: ["too-large"], rules: [] }],
      ["compose", `${bomb.join("\n")}\nservices:\n  app:\n    environment: *j\n`, { errors: ["COMPOSE_ALIAS_BOMB"], rules: [] }],
      ["env", `A="${"x".repeat(500_000)}`, { errors: ["ENV_UNTERMINATED_QUOTE"], rules: [] }],
    ];
    for (const [kind, src, want] of cases) {
      const r = await lintOne(kind, src);
      expect(r.files).toHaveLength(1);
      expect({ errors: r.errors.map((e) => e.code), rules: r.findings.map((f) => f.ruleId) }).toEqual(want);
      for (const e of r.errors) expect(e.message.length).toBeLessThan(200);
    }
    const bombed = await lintOne("compose", `${bomb.join("\n")}\nservices:\n  app:\n    environment: *j\n`);
    expect(bombed.errors[0]).toMatchObject({ line: 6, message: expect.stringMatching(/alias bomb/) });
  });
});

describe("the CLI on bad files", () => {
  it("says which file is bad, exits 2, and still lints the good ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "stowaway-badinput-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
      );
    writeFileSync(join(dir, "bomb.compose.yaml"), `${bomb.join("\n")}\nservices:\n  app:\n    environment: *j\n`);
    writeFileSync(join(dir, "broken.compose.yaml"), "services:\n  app:\n    environment:\n      PASSWORD: [unclosed\n");
    writeFileSync(join(dir, "dup.compose.yaml"), "services:\n  app: {}\n  app: {}\n");
    writeFileSync(join(dir, "list.compose.yaml"), "- not\n- a mapping\n");
    writeFileSync(join(dir, "nul.Dockerfile"), Buffer.concat([Buffer.from("FROM alpine\nENV A=b\u0000c\n")]));
    writeFileSync(
      join(dir, "latin1.Dockerfile"),
      Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0x61, 0x0a, 0x45, 0x4e, 0x56, 0x20, 0x58, 0x3d, 0xff, 0xfe, 0x0a]),
    );
    writeFileSync(join(dir, "ten-mb.Dockerfile"), "FROM alpine\n" + "RUN echo 0123456789\n".repeat(500_000));
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=BadInputNeighbourPw7\n");
    const r = runCli(["lint", "--format", "json", "."], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { findings: Array<{ file: string }>; errors: Array<{ file: string; line?: number; message: string }> };
    const bad = new Map(out.errors.map((e) => [e.file, e]));
    for (const f of ["bomb.compose.yaml", "broken.compose.yaml", "dup.compose.yaml", "list.compose.yaml", "nul.Dockerfile", "ten-mb.Dockerfile"]) {
      expect(bad.has(f), f).toBe(true);
    }
    expect(bad.get("broken.compose.yaml")!.line).toBeGreaterThan(0);
    expect(bad.get("dup.compose.yaml")!.line).toBe(3);
    expect(bad.has("latin1.Dockerfile")).toBe(false);
    expect(out.findings.map((f) => f.file)).toContain("Dockerfile");
    const stylish = runCli(["lint", "."], { cwd: dir });
    expect(stylish.stdout).not.toContain("BadInputNeighbourPw7");
    expect(stylish.stdout + stylish.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("never prints a secret from a malformed file in its error message", () => {
    const dir = mkdtempSync(join(tmpdir(), "stowaway-badinput-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const secrets = ["MalformedLeakCheckPw11", "ghp_MalformedLeak0123456789abcdefABCDEFgh"];
    writeFileSync(join(dir, "compose.yaml"), `services:\n  db:\n    environment:\n      PASSWORD: ${secrets[0]}\n     bad: [${secrets[1]}\n`);
    writeFileSync(join(dir, ".env"), `TOKEN="${secrets[1]}\nPASSWORD=${secrets[0]}'\n`);
    writeFileSync(join(dir, "Dockerfile"), `FROM alpine\nRUN <<EOF\nexport PASSWORD=${secrets[0]}\n`);
    for (const format of ["stylish", "json", "sarif", "github"]) {
      const r = runCli(["lint", "--format", format, "."], { cwd: dir });
      for (const s of secrets) expect((r.stdout + r.stderr).includes(s), `${format} leaks`).toBe(false);
    }
  });
});
