#!/usr/bin/env node
// Regenerates bench/corpus/ (gitignored). `node bench/generate-corpus.mjs [--files N] [--seed S] [--out DIR]`
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_FILES, DEFAULT_SEED, generateCorpus } from "./lib/corpus.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    files: { type: "string", default: String(DEFAULT_FILES) },
    seed: { type: "string", default: String(DEFAULT_SEED) },
    out: { type: "string", default: `${root}bench/corpus` },
    "no-fixtures": { type: "boolean", default: false },
  },
});
const t0 = performance.now();
const r = generateCorpus({
  outDir: values.out,
  files: Number(values.files),
  seed: Number(values.seed),
  fixturesRoot: values["no-fixtures"] ? undefined : `${root}test/fixtures`,
});
console.log(
  `corpus: ${r.files} files (${r.synthFiles} synthesised, ${r.fixtureFiles} fixtures), ${(r.bytes / 1e6).toFixed(1)} MB, ` +
    `${r.secrets} planted secrets, ${r.decoys} look-alikes, in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${values.out}`,
);
