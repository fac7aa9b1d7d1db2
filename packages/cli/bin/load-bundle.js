// Runs the CLI's bundle (dist/bundle/main.js: CommonJS code, not an ES module) compiled by V8 with
// the code cache that scripts/bundle.mjs made for it at build time. A one-file lint then
// deserialises the bytecode of what it runs instead of parsing 0.25 MB of source and compiling
// each function on its first call (about 25 ms of the 55 ms a one-file lint adds to node's own
// start-up). Without a cache, or with one V8 rejects (another node, other V8 flags), the bundle
// is compiled from source as usual: the cache changes nothing but the time.
"use strict";
const { readFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { basename, dirname, join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { Script } = require("node:vm");

// The bundle's code is the body of this function. The trainer compiles the same text, or V8
// rejects the cache (it must be the same source).
const HEAD = "(function (exports, require, module, __filename, __dirname, __stowawayUrl, __stowawayImport, __stowawayLoad) {";
const TAIL = "\n})";
// scripts/bundle.mjs starts the bundle with its content hash, and names the caches after it, so a
// rebuilt bundle never meets a cache made for another one (V8 only compares the source's length).
const BUILD_ID = /^\/\/ stowaway-build ([0-9a-f]{16})\n/;
// Each chunk is loaded once a process, as an ES module is (the linter asks for compose's for every
// compose file): its exports, by path.
const chunks = new Map();

/** The cache file of a bundle for one kind of run ("lint" or "cli"), or undefined when the bundle has no build id. */
function cachePath(file, source, kind) {
  const id = BUILD_ID.exec(source.slice(0, 64))?.[1];
  return id ? join(dirname(file), `${basename(file, ".js")}-${kind}-${id}.v8cache`) : undefined;
}

/**
 * Compiles and runs the bundle; returns its exports and the compiled script, or undefined when the
 * file is not such a bundle (one built before main.js was CommonJS: an ES module, for the caller to
 * import). `kind` picks the cache: undefined reads none. The chunks it loads the same way get the
 * same kind, and `onLoad` sees each (the trainer writes their caches).
 */
function loadBundle(file, kind, onLoad) {
  const source = readFileSync(file, "utf8");
  if (!BUILD_ID.test(source.slice(0, 64))) return undefined;
  const cacheFile = kind ? cachePath(file, source, kind) : undefined;
  let cachedData;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // No cache for this build: compiled from source.
    }
  }
  const script = new Script(HEAD + source + TAIL, { filename: file, cachedData });
  const url = pathToFileURL(file).href;
  const module = { exports: {} };
  // The sidecar, inject and exec chunks are ES modules: imported from here, since a vm.Script's own
  // import() needs an experimental loader on Node 20. The config parser and the compose linter
  // (lint-config.js, lint-compose.js) are built like main.js, and compiled here with their caches.
  const importChunk = (specifier) => import(new URL(specifier, url).href);
  const loadChunk = (specifier) => {
    const chunk = join(dirname(file), specifier);
    if (!chunks.has(chunk))
      chunks.set(
        chunk,
        Promise.resolve().then(() => loadBundle(chunk, kind, onLoad)?.exports ?? import(pathToFileURL(chunk).href)),
      );
    return chunks.get(chunk);
  };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), url, importChunk, loadChunk);
  const loaded = { file, exports: module.exports, script, source, cacheFile, cacheRejected: cachedData ? script.cachedDataRejected === true : undefined };
  onLoad?.(loaded);
  return loaded;
}

module.exports = { loadBundle, cachePath };
