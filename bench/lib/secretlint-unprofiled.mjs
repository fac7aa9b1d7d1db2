// Runs the installed secretlint CLI with @secretlint/profiler's mark() turned into a no-op.
// secretlint ≤ 13.0.4 records a performance mark per rule per file even without --profile, and
// its observer scans every earlier mark each time: O(n²) in the number of files
// (secretlint/secretlint#1633, #1653; fixed by #1673 in a release that needs Node 22). This is
// what that fix does by default, so it stands in for a current secretlint on Node 20.
// Usage: node secretlint-unprofiled.mjs <secretlint arguments…>
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const { secretLintProfiler } = await import(pathToFileURL(require.resolve("@secretlint/profiler")).href);
secretLintProfiler.mark = () => {};
// The bin is not in secretlint's "exports": locate it from the package.json, which is.
const pkg = require.resolve("secretlint/package.json");
await import(new URL("bin/secretlint.js", pathToFileURL(pkg)).href);
