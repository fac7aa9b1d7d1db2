// Bundles the CLI's lint path into a few ESM chunks: a pre-commit hook pays node's start-up plus
// one file read, not hundreds of module resolutions. The sidecar and vault-dev stay external and
// load from their own dist/ only when their command runs.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}packages/cli/dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}packages/cli/dist/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@stowaway/sidecar", "@stowaway/vault-dev"],
  // yaml and others use require(); ESM output needs a real one.
  banner: { js: 'import { createRequire as __stowawayCreateRequire } from "node:module"; const require = __stowawayCreateRequire(import.meta.url);' },
  logLevel: "warning",
  legalComments: "none",
});
