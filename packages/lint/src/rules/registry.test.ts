import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadHandler } from "../kinds.js";
import { fileRules } from "./stowaway/index.js";

// Meta-tests keep the registry honest: every rule file is registered, its id is its path,
// and it has a docs page and a test beside it.
const RULES_DIR = fileURLToPath(new URL(".", import.meta.url));
const DOCS_DIR = fileURLToPath(new URL("../../", import.meta.url));
const KINDS = ["dockerfile", "compose", "env"] as const;

const ruleFiles = (kind: string) =>
  readdirSync(`${RULES_DIR}/${kind}`).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts" && f !== "tester.ts");

describe("rule registry", () => {
  it.each(KINDS)("registers every %s rule file, with ids matching paths", async (kind) => {
    const handler = await loadHandler(kind);
    const ids = handler.rules.map((r) => r.id).sort();
    expect(ids).toEqual(
      ruleFiles(kind)
        .map((f) => `${kind}/${f.replace(/\.ts$/, "")}`)
        .sort(),
    );
    for (const r of handler.rules) expect(r.kind).toBe(kind);
  });

  it.each(KINDS)("gives every %s rule a docs page, a test and a one-line description", async (kind) => {
    for (const r of (await loadHandler(kind)).rules) {
      expect(existsSync(DOCS_DIR + r.docs), r.docs).toBe(true);
      expect(existsSync(`${RULES_DIR}/${r.id}.test.ts`), `${r.id}.test.ts`).toBe(true);
      expect(r.description).not.toMatch(/\n/);
      expect(r.description.length).toBeGreaterThan(10);
    }
  });

  // stowaway/* rules look at the file and its comments, not at one kind's document.
  it("registers every stowaway file rule, with ids matching paths, a docs page, a test and a description", () => {
    expect(fileRules.map((r) => r.id).sort()).toEqual(
      ruleFiles("stowaway")
        .map((f) => `stowaway/${f.replace(/\.ts$/, "")}`)
        .sort(),
    );
    for (const r of fileRules) {
      expect(existsSync(DOCS_DIR + r.docs), r.docs).toBe(true);
      expect(existsSync(`${RULES_DIR}/${r.id}.test.ts`), `${r.id}.test.ts`).toBe(true);
      expect(r.description).not.toMatch(/\n/);
      expect(r.description.length).toBeGreaterThan(10);
    }
  });

  it("has unique ids across kinds", async () => {
    const ids = [...(await Promise.all(KINDS.map(loadHandler))).flatMap((h) => h.rules.map((r) => r.id)), ...fileRules.map((r) => r.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
