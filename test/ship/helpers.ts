import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const cliBin = `${repoRoot}packages/cli/bin/stowaway.js`;

/** Runs the built CLI (`npm test` builds first) from the repository root. */
export function stowaway(args: string[], opts: { cwd?: string } = {}): SpawnSyncReturns<string> {
  if (!existsSync(`${repoRoot}packages/cli/dist/main.js`)) {
    throw new Error("the CLI is not built: run `npm run build` (npm test does it first)");
  }
  return spawnSync(process.execPath, [cliBin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 60_000,
  });
}

/** A Dockerfile's instructions, with line continuations joined and comments dropped. */
export function dockerInstructions(text: string): { keyword: string; args: string }[] {
  const out: { keyword: string; args: string }[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line) && current === "") continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    current += line;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(current);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim() });
    current = "";
  }
  return out;
}
