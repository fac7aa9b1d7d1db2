import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ruleCatalog } from "../index.js";
import { lintTargets } from "../engine.js";
import type { FileKind } from "../types.js";

// The docs meta-test: every rule page has the same sections, and its examples are true. The
// "Bad" example must fire the rule and the "Good" example must not, so a page cannot drift from
// what the rule does.
const PKG_DIR = fileURLToPath(new URL("../../", import.meta.url));
const REQUIRED_SECTIONS = ["## Why it matters", "## Bad", "## Good", "## How to fix", "## Suppress"];
const LANG_OF_KIND: Record<FileKind, string> = { dockerfile: "dockerfile", compose: "yaml", env: "sh" };
const FILE_OF_KIND: Record<FileKind, string> = { dockerfile: "Dockerfile", compose: "compose.yaml", env: ".env" };

/** The fenced code blocks of one `## ` section, with their info strings. */
function codeBlocks(page: string, heading: string): Array<{ lang: string; code: string }> {
  const start = page.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const rest = page.slice(start + heading.length + 2);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
}

// A build context for the examples: dockerfile/secret-file-in-context looks at the files a COPY
// sweeps in, and its page's example names these.
const context = mkdtempSync(path.join(tmpdir(), "stowaway-docs-"));
afterAll(() => rmSync(context, { recursive: true, force: true }));
mkdirSync(path.join(context, "certs"));
mkdirSync(path.join(context, "src"));
writeFileSync(path.join(context, ".env"), "APP_MODE=dev\n");
writeFileSync(path.join(context, ".npmrc"), "registry=https://registry.npmjs.org/\n");
writeFileSync(path.join(context, "certs", "server.key"), "not a key, only its name matters here\n");
writeFileSync(path.join(context, "package.json"), "{}\n");
writeFileSync(path.join(context, "src", "index.js"), "\n");

async function findingsOf(kind: FileKind, source: string, ruleId: string) {
  const file = FILE_OF_KIND[kind];
  const report = await lintTargets([{ file, absPath: path.join(context, file), kind, source }], {
    reportUnusedSuppressions: ruleId === "stowaway/unused-suppression",
  });
  expect(report.files.flatMap((f) => f.errors)).toEqual([]);
  return report.files.flatMap((f) => f.findings).filter((f) => f.ruleId === ruleId);
}

const catalog = await ruleCatalog();

describe("rule docs pages", () => {
  it.each(catalog.map((r) => [r.id, r] as const))("%s: headings, severity and examples", async (id, rule) => {
    const page = readFileSync(path.join(PKG_DIR, rule.docs), "utf8");
    expect(page.split("\n")[0]).toBe(`# ${id}`);
    expect(page).toMatch(new RegExp(`^\\*\\*Severity:\\*\\* ${rule.severity}\\b`, "m"));
    for (const heading of REQUIRED_SECTIONS) expect(page, `${rule.docs} lacks "${heading}"`).toContain(`\n${heading}\n`);

    const kind: FileKind = id.startsWith("stowaway/") ? "dockerfile" : (id.split("/")[0] as FileKind);
    const lang = LANG_OF_KIND[kind];
    const bad = codeBlocks(page, "## Bad").filter((b) => b.lang === lang);
    const good = codeBlocks(page, "## Good").filter((b) => b.lang === lang);
    expect(bad.length, `${rule.docs}: a \`\`\`${lang} block under "## Bad"`).toBeGreaterThan(0);
    expect(good.length, `${rule.docs}: a \`\`\`${lang} block under "## Good"`).toBeGreaterThan(0);
    for (const b of bad) expect((await findingsOf(kind, b.code, id)).length, `Bad example fires ${id}:\n${b.code}`).toBeGreaterThan(0);
    for (const g of good) expect(await findingsOf(kind, g.code, id), `Good example is clean of ${id}:\n${g.code}`).toEqual([]);
  });
});
