#!/usr/bin/env node
// The longer randomized run of every property test (not part of `npm test`, which uses one fixed
// seed): FUZZ_ROUNDS rounds (default 10), each with a fresh random seed that is printed first, so a
// failure is reproduced with `FC_SEED=<seed> npx vitest run <file>`.
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const rounds = Number(process.env.FUZZ_ROUNDS ?? 10);

function propertyTests(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...propertyTests(p));
    else if (e.name.endsWith(".test.ts") && /from "fast-check"/.test(readFileSync(p, "utf8"))) out.push(relative(root, p));
  }
  return out;
}

const files = [...propertyTests(join(root, "packages")), ...propertyTests(join(root, "test"))].sort();
console.log(`fuzz: ${rounds} rounds over ${files.length} property test files`);
for (let round = 1; round <= rounds; round++) {
  const seed = randomInt(2 ** 31 - 1);
  console.log(`fuzz round ${round}/${rounds}: FC_SEED=${seed}`);
  const r = spawnSync(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, FC_SEED: String(seed) },
  });
  if (r.status !== 0) {
    console.error(`fuzz: round ${round} failed; reproduce with FC_SEED=${seed} npx vitest run ${files.join(" ")}`);
    process.exit(1);
  }
}
console.log("fuzz: all rounds green");
