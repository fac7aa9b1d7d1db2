#!/usr/bin/env node
// `node bench/lib/lint-snapshot.mjs <out-dir>`: runs the built CLI with `--format json` over the
// bench corpus (the files of bench/corpus/labels.json, as the bench names them) and over
// test/fixtures (a directory walk), and writes each report with its findings sorted, plus the exit
// codes, to <out-dir>. Two snapshots taken before and after a change to the linter's speed must
// be byte-identical (`diff -r before after`): a faster linter that finds something else is a bug.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node bench/lib/lint-snapshot.mjs <out-dir>");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const cli = join(root, "packages/cli/bin/stowaway.js");
const corpusDir = join(root, "bench/corpus");
const files = JSON.parse(readFileSync(join(corpusDir, "labels.json"), "utf8")).files.map((f) => f.file);

const key = (f) => `${f.file}\0${String(f.line).padStart(8, "0")}\0${String(f.column).padStart(8, "0")}\0${f.ruleId}\0${f.fingerprint}`;
function snapshot(name, cwd, args) {
  const r = spawnSync(process.execPath, [cli, "lint", "--format", "json", ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env } });
  if (r.status !== 0 && r.status !== 1 && r.status !== 2) throw new Error(`${name}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  const report = JSON.parse(r.stdout);
  // The raw report too: its order is part of the output (and must not change either).
  writeFileSync(join(outDir, `${name}.raw.json`), r.stdout);
  report.findings?.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  writeFileSync(join(outDir, `${name}.sorted.json`), JSON.stringify(report, null, 1));
  writeFileSync(join(outDir, `${name}.exit`), `${r.status}\n${r.stderr}`);
  console.log(`${name}: exit ${r.status}, ${report.findings?.length ?? "?"} findings, ${report.errors?.length ?? "?"} errors`);
}
snapshot("corpus", corpusDir, ["--fail-on", "none", ...files]);
snapshot("corpus-fail", corpusDir, files.slice(0, 300));
snapshot("fixtures", root, ["test/fixtures"]);
