// Bundles the CLI so that a pre-commit hook pays node's start-up plus a handful of file reads,
// not hundreds of module resolutions:
//  - main.js: commander, the lint command, the engine, and the Dockerfile and env kinds, in ONE
//    file (each extra ESM module costs about a millisecond to load);
//  - lint-compose.js (yaml), lint-config.js (zod + yaml), inject.js and exec.js: loaded only when needed;
//  - sidecar.js: the sidecar with node-vault, pino, prom-client and chokidar, loaded by `sidecar`,
//    `exec` and `inject` only.
// The bundle is the whole published `stowaway` package: it needs no dependency at run time.
// vault-dev is a separate package and no command of the CLI imports it.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}packages/cli/dist/bundle`;
// The root package.json is the one source of the version (scripts/set-version.mjs copies it to the workspaces).
const { version } = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
const lintDist = `${root}packages/lint/dist`;

// Dynamic imports that become separate bundles: [importer suffix, specifier] → output file.
const SPLITS = [
  { importer: "/lint/dist/kinds.js", spec: "./kinds/compose.js", out: "./lint-compose.js", entry: `${lintDist}/kinds/compose.js` },
  { importer: "/lint/dist/index.js", spec: "./config.js", out: "./lint-config.js", entry: `${lintDist}/config.js` },
  { importer: "/cli/dist/main.js", spec: "./commands/inject.js", out: "./inject.js", entry: `${root}packages/cli/dist/commands/inject.js` },
  { importer: "/cli/dist/main.js", spec: "./commands/exec.js", out: "./exec.js", entry: `${root}packages/cli/dist/commands/exec.js` },
];
const SIDECAR = { out: "./sidecar.js", entry: `${root}packages/sidecar/dist/index.js` };

const splitPlugin = {
  name: "stowaway-splits",
  setup(b) {
    // Every import of the sidecar package (main's dynamic one, inject's and exec's static ones) is the chunk.
    b.onResolve({ filter: /^@stowaway\/sidecar$/ }, () => ({ path: SIDECAR.out, external: true }));
    b.onResolve({ filter: /^\.\/(kinds\/compose|config|commands\/inject|commands\/exec)\.js$/ }, (args) => {
      const hit = SPLITS.find((s) => args.importer.endsWith(s.importer) && args.path === s.spec && args.kind === "dynamic-import");
      return hit ? { path: hit.out, external: true } : undefined;
    });
    // commander loads child_process at the top for executable subcommands, which we do not use:
    // load it on first use instead (about 2 ms of every start).
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes("/commander/") ? { path: "lazy-child-process", namespace: "stowaway" } : undefined,
    );
    b.onLoad({ filter: /^lazy-child-process$/, namespace: "stowaway" }, () => ({
      contents: 'let m; const load = () => (m ??= require("node:child_process")); module.exports = new Proxy({}, { get: (_, k) => load()[k] });',
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node20",
  // yaml and others use require(); ESM output needs a real one.
  banner: { js: 'import { createRequire as __stowawayCreateRequire } from "node:module"; const require = __stowawayCreateRequire(import.meta.url);' },
  define: { STOWAWAY_VERSION: JSON.stringify(version) },
  logLevel: "warning",
  legalComments: "none",
  plugins: [splitPlugin],
};

rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: { main: `${root}packages/cli/dist/main.js` }, outdir }),
  ...[...SPLITS, SIDECAR].map((s) => build({ ...common, entryPoints: { [s.out.slice(2, -3)]: s.entry }, outdir })),
]);
