#!/usr/bin/env node
// The published entry: the esbuild bundle when built (fast cold start), else tsc's output.
import { existsSync } from "node:fs";

// `stowaway rules | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const bundle = new URL("../dist/bundle/main.js", import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : new URL("../dist/main.js", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  // A getter: touching process.stdin sets up a handle, which only `lint -` needs.
  get stdin() {
    return process.stdin;
  },
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
