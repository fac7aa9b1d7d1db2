import { describe, expect, it } from "vitest";
import { composeRelatedTargets, parseCompose, scanInterpolation, type ComposeDoc } from "./compose.js";
import { verbatim } from "./offsets.js";

function parse(source: string): ComposeDoc {
  const r = parseCompose(source, "compose.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.doc;
}

function errorsOf(source: string) {
  const r = parseCompose(source, "compose.yaml");
  if (r.ok) throw new Error("expected parse errors");
  return r.errors;
}

describe("parseCompose: values and positions", () => {
  it("reads map-form environment with value positions", () => {
    const doc = parse("services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter22\n      USER:\n");
    expect(doc.environment.map((e) => e.name)).toEqual(["POSTGRES_PASSWORD", "USER"]);
    const [pw, user] = doc.environment;
    expect(pw.value?.text.text).toBe("hunter22");
    expect(pw.value?.range).toEqual({ start: { line: 4, column: 26 }, end: { line: 4, column: 34 } });
    expect(pw.nameRange.start).toEqual({ line: 4, column: 7 });
    expect(user.value).toBeUndefined();
  });

  it("reads list-form environment, computing the value column from `=` and quotes", () => {
    const doc = parse('services:\n  db:\n    environment:\n      - A=one\n      - "B=two words"\n      - C\n');
    const [a, b, c] = doc.environment;
    expect(a).toMatchObject({ name: "A", form: "list" });
    expect(a.value?.range.start).toEqual({ line: 4, column: 11 });
    expect(b.value?.text.text).toBe("two words");
    expect(b.value?.range).toEqual({ start: { line: 5, column: 12 }, end: { line: 5, column: 21 } });
    expect(c.value).toBeUndefined();
  });

  it("maps double-quoted escapes and single-quote doubling back to the file", () => {
    const doc = parse("services:\n  a:\n    environment:\n      X: \"a\\tb-c\"\n      Y: 'it''s-z'\n");
    const [x, y] = doc.environment;
    const dash = x.value!.text.text.indexOf("-");
    expect(doc.rangeOf(x.value!.text, dash, dash + 1).start).toEqual({ line: 4, column: 15 });
    const z = y.value!.text.text.indexOf("z");
    expect(doc.rangeOf(y.value!.text, z, z + 1).start).toEqual({ line: 5, column: 17 });
  });

  it("reports an anchored value once, at its definition, with every service that uses it", () => {
    const src = [
      "x-env: &common-env",
      "  DB_PASSWORD: defined-once",
      "services:",
      "  a:",
      "    environment:",
      "      <<: *common-env",
      "      OWN: 1",
      "  b:",
      "    environment: *common-env",
      "  c:",
      "    <<: &svc",
      "      environment:",
      "        <<: *common-env",
      "",
    ].join("\n");
    const doc = parse(src);
    const pw = doc.environment.filter((e) => e.name === "DB_PASSWORD");
    expect(pw).toHaveLength(1);
    expect(pw[0].services).toEqual(["a", "b", "c"]);
    expect(pw[0].value?.range.start).toEqual({ line: 2, column: 16 });
  });

  it("lets a service's own key override a merged one", () => {
    const doc = parse("x: &base\n  K: from-base\nservices:\n  a:\n    environment:\n      <<: *base\n      K: own\n");
    expect(doc.environment.map((e) => e.value?.text.text)).toEqual(["own"]);
  });

  it("reads build args, labels, commands and healthcheck tests", () => {
    const src = [
      "services:",
      "  api:",
      "    build:",
      "      context: ./api",
      "      args:",
      "        - NPM_TOKEN=abc",
      "      labels: { team: core }",
      "    labels:",
      "      - com.example.x=1",
      '    command: ["redis-server", "--requirepass", "pw"]',
      "    entrypoint: sh -c run",
      "    healthcheck:",
      '      test: ["CMD-SHELL", "redis-cli -a pw ping"]',
      "",
    ].join("\n");
    const doc = parse(src);
    expect(doc.buildArgs.map((e) => e.name)).toEqual(["NPM_TOKEN"]);
    expect(doc.labels.map((e) => e.name).sort()).toEqual(["com.example.x", "team"]);
    expect(doc.commands.map((c) => [c.field, c.form, c.parts.length])).toEqual([
      ["command", "exec", 3],
      ["entrypoint", "shell", 1],
      ["healthcheck.test", "shell", 1],
    ]);
    expect(doc.services[0].build).toMatchObject({ context: "./api", dockerfile: "Dockerfile" });
  });

  it("collects every scalar once, including x- extensions, in file order", () => {
    const doc = parse("x-a: &a v1\nservices:\n  s:\n    image: *a\n");
    expect(doc.scalars.map((s) => s.text.text)).toEqual(["x-a", "v1", "services", "s", "image"]);
  });

  it("lists `key: scalar` pairs with their key paths, not below merge keys or aliases", () => {
    const src = [
      "x-base: &base",
      "  token: t1",
      "services:",
      "  s:",
      "    <<: *base",
      "    logging:",
      "      options: { splunk-token: t2, splunk-url: u }",
      "    volumes:",
      "      - type: bind",
      "    x: *base",
      "<<: { hidden: h }",
      "",
    ].join("\n");
    const doc = parse(src);
    expect(doc.pairs.map((p) => [[...p.path, p.name].join("."), p.value.text.text])).toEqual([
      ["x-base.token", "t1"],
      ["services.s.logging.options.splunk-url", "u"],
      ["services.s.logging.options.splunk-token", "t2"],
      ["services.s.volumes.0.type", "bind"],
    ]);
    expect(doc.pairs[2].nameRange.start).toEqual({ line: 7, column: 18 });
    expect(doc.pairs[2].value.range.start).toEqual({ line: 7, column: 32 });
  });

  it("finds only the scalars that contain a text, in file order", () => {
    const doc = parse('services:\n  s:\n    image: a${X}\n    command: b\n    labels: ["c${Y}"]\n');
    expect(doc.scalarsContaining("${").map((s) => s.text.text)).toEqual(["a${X}", "c${Y}"]);
    expect(doc.scalarsContaining("${")[1]).toBe(doc.scalars.find((s) => s.text.text === "c${Y}"));
  });

  it("counts columns in UTF-16 code units and handles CRLF", () => {
    const crlf = parse("services:\r\n  s:\r\n    environment:\r\n      DB_PASSWORD: crlf-pass-1\r\n");
    expect(crlf.environment[0].value?.range).toEqual({ start: { line: 4, column: 20 }, end: { line: 4, column: 31 } });
    const emoji = parse('services:\n  s:\n    environment:\n      DB_PASSWORD: "\u{1F600}x"\n');
    expect(emoji.environment[0].value?.range).toEqual({ start: { line: 4, column: 21 }, end: { line: 4, column: 24 } });
  });

  it("merges several merge keys in one mapping", () => {
    const doc = parse("x: &a {A: 1}\ny: &b {B: 2}\nservices:\n  s:\n    environment:\n      <<: *a\n      <<: *b\n");
    expect(doc.environment.map((e) => e.name)).toEqual(["A", "B"]);
  });

  it("maps lines of a block scalar to the key's line for suppressions", () => {
    const doc = parse("services:\n  s:\n    environment:\n      KEY: |\n        line one\n        line two\n      OTHER: x\n");
    expect([4, 5, 6, 7].map((l) => doc.statementStart(l))).toEqual([4, 4, 4, 7]);
  });

  it("accepts an empty file and a comment-only file", () => {
    expect(parse("").services).toEqual([]);
    expect(parse("# nothing\n").services).toEqual([]);
  });
});

describe("parseCompose: problems", () => {
  it("reports malformed YAML with a line", () => {
    const [e] = errorsOf('services:\n  a:\n    image: "unclosed\n');
    expect(e.line).toBeGreaterThan(0);
    expect(e.code).toMatch(/^YAML_/);
  });

  it("reports duplicate keys", () => {
    const errs = errorsOf("services:\n  a:\n    image: x\n    image: y\n");
    expect(errs[0]).toMatchObject({ line: 4, code: "YAML_DUPLICATE_KEY" });
  });

  it("finds duplicate keys by value, as yaml's uniqueKeys does, in small and large mappings", () => {
    const dups = "a: 0\n.nan: 1\n.NaN: 2\n1: a\n0x1: b\ntrue: c\nTrue: d\n'1': e\n";
    for (const filler of ["", Array.from({ length: 12 }, (_, i) => `k${i}: v\n`).join("")]) {
      const errs = errorsOf(`services: {}\n${filler}${dups}`);
      const first = 2 + filler.split("\n").length - 1;
      expect(errs.map((e) => [(e.line ?? 0) - first, e.code])).toEqual([
        [2, "YAML_DUPLICATE_KEY"],
        [4, "YAML_DUPLICATE_KEY"],
        [6, "YAML_DUPLICATE_KEY"],
      ]);
    }
  });

  it("refuses a non-mapping top level", () => {
    expect(errorsOf("- a\n- b\n")[0]).toMatchObject({ line: 1, code: "COMPOSE_NOT_A_MAPPING" });
    expect(errorsOf("just a string\n")[0].code).toBe("COMPOSE_NOT_A_MAPPING");
  });

  it("refuses several documents", () => {
    expect(errorsOf("services: {}\n---\nservices: {}\n")[0]).toMatchObject({ line: 3, code: "COMPOSE_MULTIPLE_DOCUMENTS" });
  });

  it("refuses undefined and recursive aliases", () => {
    expect(errorsOf("services:\n  a:\n    environment: *nope\n")[0]).toMatchObject({ line: 3, code: "COMPOSE_UNDEFINED_ALIAS" });
  });

  it("refuses an alias bomb without expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${"abcdefghij"[i]}: &${"abcdefghij"[i]} [${Array(10)
          .fill(`*${"abcdefghij"[i - 1]}`)
          .join(", ")}]`,
      );
    const errs = errorsOf(levels.join("\n") + "\n");
    expect(errs[0].code).toBe("COMPOSE_ALIAS_BOMB");
    expect(errs[0].line).toBeGreaterThan(1);
  });

  it("accepts many services sharing one anchor (no toJS alias limit)", () => {
    const lines = ["x-env: &env", "  A: 1", "services:"];
    for (let i = 0; i < 300; i++) lines.push(`  s${i}:`, "    environment: *env");
    const doc = parse(lines.join("\n") + "\n");
    expect(doc.environment).toHaveLength(1);
    expect(doc.environment[0].services).toHaveLength(300);
  });

  it("parses a ~500 KB file and refuses one over the size cap", () => {
    const lines = ["services:"];
    for (let i = 0, size = 0; size < 500_000; i++) {
      size += 80;
      lines.push(`  svc${i}:`, "    image: nginx:1.27", "    environment:", `      VAR_${i}: value-${i}`);
    }
    const big = lines.join("\n") + "\n";
    expect(parse(big).services.length).toBeGreaterThan(1000);
    const huge = big.repeat(5);
    expect(errorsOf(huge)[0]).toMatchObject({ line: 1, code: "COMPOSE_TOO_LARGE" });
  });

  it("never quotes values in messages", () => {
    const errs = errorsOf('services:\n  a:\n    environment:\n      P: "sekrit-value-9\n');
    for (const e of errs) expect(e.message).not.toContain("sekrit");
  });
});

describe("scanInterpolation", () => {
  const scan = (s: string) => scanInterpolation(verbatim(s, 0, s.length));
  it("finds references and defaults, and treats `$$` as a literal dollar", () => {
    const r = scan("a${X:-def}b$Y${Z?msg}$$W");
    expect(r.refs.map((x) => [x.name, x.op])).toEqual([
      ["X", ":-"],
      ["Y", ""],
      ["Z", "?"],
    ]);
    const d = r.refs[0].arg!;
    expect("a${X:-def}b$Y${Z?msg}$$W".slice(d.start, d.end)).toBe("def");
    expect(r.unescaped.text).toBe("ab$W");
    expect(scan("pa$$word").interpolated).toBe(false);
    expect(scan("pa$$word").unescaped.text).toBe("pa$word");
  });
  it("handles nested defaults", () => {
    const r = scan("${A:-${B:-x}}");
    expect(r.refs.map((x) => x.name)).toEqual(["A", "B"]);
  });
});

describe("composeRelatedTargets", () => {
  const target = { kind: "compose" as const, file: "deploy/compose.yaml", absPath: "/repo/deploy/compose.yaml" };
  it("returns env files (optional when not required), the project .env and local Dockerfiles", () => {
    const doc = parse(
      [
        "services:",
        "  web:",
        "    env_file: web.env",
        "    build: ./web",
        "  api:",
        "    env_file:",
        "      - ./common.env",
        "      - path: ./local.env",
        "        required: false",
        "    build:",
        "      context: ../api",
        "      dockerfile: docker/Dockerfile.prod",
        "  remote:",
        "    build: https://github.com/example/app.git#main",
        "  inline:",
        "    build:",
        "      dockerfile_inline: FROM alpine",
        "  child:",
        "    extends:",
        "      file: ./common.yaml",
        "      service: base",
        "include:",
        "  - ../infra/db.yaml",
        "  - path: [./a.yaml, ./b.yaml]",
        "  - oci://registry.example/compose:1",
        "",
      ].join("\n"),
    );
    expect(composeRelatedTargets(doc, target)).toEqual([
      { kind: "env", file: "deploy/web.env", absPath: "/repo/deploy/web.env" },
      { kind: "env", file: "deploy/common.env", absPath: "/repo/deploy/common.env" },
      { kind: "env", file: "deploy/local.env", absPath: "/repo/deploy/local.env", optional: true },
      { kind: "env", file: "deploy/.env", absPath: "/repo/deploy/.env", optional: true },
      { kind: "compose", file: "deploy/common.yaml", absPath: "/repo/deploy/common.yaml" },
      { kind: "compose", file: "infra/db.yaml", absPath: "/repo/infra/db.yaml" },
      { kind: "compose", file: "deploy/a.yaml", absPath: "/repo/deploy/a.yaml" },
      { kind: "compose", file: "deploy/b.yaml", absPath: "/repo/deploy/b.yaml" },
      { kind: "dockerfile", file: "deploy/web/Dockerfile", absPath: "/repo/deploy/web/Dockerfile", contextDir: "/repo/deploy/web" },
      { kind: "dockerfile", file: "api/docker/Dockerfile.prod", absPath: "/repo/api/docker/Dockerfile.prod", contextDir: "/repo/api" },
    ]);
  });
});
