// Every regex in the linter's sources that can see input is checked with recheck (a ReDoS checker):
// none may be exponential or polynomial. Regex literals are read from the sources with the
// TypeScript parser; regexes built with `new RegExp` when a module loads (token formats,
// placeholders) are captured by wrapping the RegExp constructor while those modules load.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { check } from "recheck";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../packages/lint/src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && e.name !== "rule-tester.ts" ? [p] : [];
  });
}

interface Found {
  where: string;
  source: string;
  flags: string;
}

function literals(): Found[] {
  const out: Found[] = [];
  for (const file of sources(SRC)) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(sf);
        const slash = text.lastIndexOf("/");
        out.push({
          where: `${relative(SRC, file)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`,
          source: text.slice(1, slash),
          flags: text.slice(slash + 1),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

async function builtAtLoad(): Promise<Found[]> {
  const out: Found[] = [];
  const Original = globalThis.RegExp;
  globalThis.RegExp = new Proxy(Original, {
    construct(target, args: [string | RegExp, string?]) {
      const re = Reflect.construct(target, args) as RegExp;
      out.push({ where: "new RegExp", source: re.source, flags: re.flags });
      return re;
    },
  });
  try {
    for (const file of sources(SRC)) {
      if (readFileSync(file, "utf8").includes("new RegExp(")) await import(/* @vite-ignore */ `${file}?regex-scan`);
    }
  } finally {
    globalThis.RegExp = Original;
  }
  return [...new Map(out.map((f) => [`${f.source}/${f.flags}`, f])).values()];
}

/**
 * Polynomial regexes whose input is cut to a fixed length before they run, so their worst case is a
 * constant. Keyed by the regex source (line numbers move); each names the bound.
 */
const BOUNDED: Record<string, string> = {
  [/(?:^|[;\s])\s*(?:user\s*id|uid|user(?:name)?)\s*=\s*([^;&"'\s]*)/.source]: "detect/urls.ts: the 200 characters before a password key",
  [/((?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*):\/\/[^\s'"`]*$/.source]: "rules/support/fix-examples.ts: the 300 characters before a secret",
  [/(--?[A-Za-z][\w.-]*)(=|\s+)['"]?$/.source]: "rules/support/fix-examples.ts: the 80 characters before a secret",
};

/**
 * Flagged by recheck's fuzzer, linear in fact: the lookbehind rules out every start inside a run of
 * scheme characters, which the fuzzer does not model. lint-linear-time.test.ts times the shape it
 * reports (`A-A-A-…`, 1 MiB).
 */
const MEASURED_LINEAR: Record<string, string> = {
  [/(?<![A-Za-z0-9+.]|[A-Za-z0-9+.]-)([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s/?#@:'"`<>]*):([^\s/?#'"`<>]*)@(?=[^\s/?#@'"`<>]*[A-Za-z0-9\]])/.source]:
    "detect/urls.ts URL_USERINFO_RE",
};

/** Step limits only, no wall-clock ones: under load a timed-out fuzzing step changed the verdict. */
const DETERMINISTIC = { randomSeed: 0, timeout: null, attackTimeout: null, incubationTimeout: null, seedingTimeout: null, recallTimeout: -1 };

const LITERALS = literals().filter((f) => !(f.source in BOUNDED) && !(f.source in MEASURED_LINEAR));

describe("every linter regex is linear (recheck)", () => {
  it("finds the regexes to check", () => {
    expect(LITERALS.length).toBeGreaterThan(100);
  });

  it.each(LITERALS.map((f) => [f.where, f] as const))(
    "%s",
    async (_where, f) => {
      const r = await check(f.source, f.flags.replace(/[gy]/g, ""), DETERMINISTIC);
      expect(r.status === "vulnerable" ? `${r.complexity.type}: /${f.source}/ e.g. ${r.attack.pattern}` : r.status).toBe("safe");
    },
    60_000,
  );

  it("regexes built when the modules load", async () => {
    const built = await builtAtLoad();
    expect(built.length).toBeGreaterThan(10);
    const verdicts = await Promise.all(built.map(async (f) => ({ f, r: await check(f.source, f.flags.replace(/[gy]/g, ""), DETERMINISTIC) })));
    expect(verdicts.filter(({ r }) => r.status !== "safe").map(({ f, r }) => `${r.status}: /${f.source}/`)).toEqual([]);
  }, 300_000);
});
