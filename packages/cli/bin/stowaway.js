#!/usr/bin/env node
// The published entry: the esbuild bundle when built (fast cold start), else tsc's output.
// CommonJS (bin/package.json): an ES module entry costs node's ESM loader, about 6 ms a start.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

// `stowaway rules | head`: a closed pipe ends the output, not with a stack trace.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const args = process.argv.slice(2);
const io = {
  stdout: process.stdout,
  // A getter: touching process.stdin sets up a handle, which only `lint -` needs.
  get stdin() {
    return process.stdin;
  },
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
};

async function loadMain() {
  const bundle = join(__dirname, "../dist/bundle/main.js");
  if (!existsSync(bundle)) return (await import(pathToFileURL(join(__dirname, "../dist/main.js")).href)).main;
  // The code cache is made for a kind of run: lint and rules get the linter's; a sidecar or exec
  // (long-running, where memory counts more than milliseconds: a cache's bytecode is made up front,
  // used or not) none; the other commands commander's (help, parsing).
  const long = args[0] === "sidecar" || args[0] === "exec";
  const kind = args[0] === "lint" || args[0] === "rules" ? "lint" : long ? undefined : "cli";
  const loaded = require("./load-bundle.js").loadBundle(bundle, kind);
  // A bundle from before main.js was CommonJS is an ES module.
  const exported = loaded ? loaded.exports : await import(pathToFileURL(bundle).href);
  return exported.dispatch ?? exported.main;
}

// dispatch() returns a long-running command (sidecar, exec) as a function to call: it is called in
// a step of its own, which holds no reference to dispatch and so none to the CLI's code.
loadMain()
  .then((dispatch) => dispatch(args, io))
  .then((outcome) => (typeof outcome === "function" ? outcome() : outcome))
  .then((code) => {
    process.exitCode = code;
  });
