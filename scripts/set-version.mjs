// Sets the version of every package from one number: `node scripts/set-version.mjs 0.2.0`.
// The root package.json (the published `stowaway`) is the source; the workspaces and their
// dependencies on each other follow it, and the CLI's bundle inlines it at build time.
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const version = process.argv[2];
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) {
  console.error("usage: node scripts/set-version.mjs <major.minor.patch>");
  process.exit(2);
}
const edit = (path, change) => {
  const pkg = JSON.parse(readFileSync(path, "utf8"));
  change(pkg);
  writeFileSync(path, JSON.stringify(pkg, null, 2) + "\n");
};
const rootPkg = `${root}package.json`;
edit(rootPkg, (p) => (p.version = version));
const { workspaces } = JSON.parse(readFileSync(rootPkg, "utf8"));
for (const ws of workspaces) {
  edit(`${root}${ws}/package.json`, (p) => {
    p.version = version;
    for (const deps of [p.dependencies, p.devDependencies]) {
      for (const name of Object.keys(deps ?? {})) if (name.startsWith("@stowaway/")) deps[name] = version;
    }
  });
}
execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
console.log(`every package is now ${version}`);
