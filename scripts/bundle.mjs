// Bundles the CLI so that a pre-commit hook pays node's start-up plus a handful of file reads,
// not hundreds of module resolutions:
//  - main.js: commander and the command table (each extra ESM module costs about a millisecond to
//    load). It is CommonJS code that packages/cli/bin/load-bundle.js compiles with V8's code cache,
//    which this script makes by running it (makeCodeCache): main-lint-*.v8cache for lint and rules,
//    main-cli-*.v8cache for help, inject and the like, none for the long-running sidecar and exec;
//  - lint-command.js: the lint command, the engine, and the Dockerfile and env kinds, in ONE file,
//    built like main.js (lint-command-lint-*.v8cache), so that a sidecar never compiles the linter
//    (0.2 MB of source, about 0.7 MB off its start-up RSS); rules-command.js the same for `rules`;
//  - lint-config.js (zod + yaml) and lint-compose.js (yaml): loaded only when needed, and built like
//    main.js, each with its own cache (lint-config-lint-*.v8cache, lint-compose-lint-*.v8cache);
//  - inject.js: an ES module, loaded only when needed; exec.cjs: CommonJS (it runs as long as the app);
//  - lint-worker.js: a lint worker thread (with the compose linter in it), started only by runs over a few hundred files;
//  - sidecar.cjs (and its sidecar-shared-*.cjs): the sidecar with node-vault (without axios) and pino, loaded by
//    `sidecar`, `exec` and `inject` only; its lazy parts are chunks of their own (SIDECAR_LAZY, sidecar-config.cjs).
//    CommonJS (toCommonJs): node's ESM loader alone adds about 1.8 MB to the RSS of a process that lives for days.
// The bundle is the whole published `stowaway` package: it needs no dependency at run time.
// vault-dev is a separate package and no command of the CLI imports it.
import { build, transform } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
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
  {
    importer: "/cli/dist/main.js",
    spec: "./commands/lint.js",
    out: "./lint-command.js",
    entry: `${root}packages/cli/dist/commands/lint.js`,
    chunks: ["./lint-compose.js", "./lint-config.js"],
  },
  {
    importer: "/cli/dist/main.js",
    spec: "./commands/rules.js",
    out: "./rules-command.js",
    entry: `${root}packages/cli/dist/commands/rules.js`,
    chunks: ["./lint-compose.js"],
  },
  { importer: "/cli/dist/main.js", spec: "./commands/inject.js", out: "./inject.js", entry: `${root}packages/cli/dist/commands/inject.js` },
  { importer: "/cli/dist/main.js", spec: "./commands/exec.js", out: "./exec.cjs", entry: `${root}packages/cli/dist/commands/exec.js` },
];
const YAML_BROWSER = `${dirname(createRequire(import.meta.url).resolve("yaml/package.json"))}/browser/index.js`;
const SIDECAR = { out: "./sidecar.cjs", entry: `${root}packages/sidecar/dist/index.js` };
// The sidecar's code that a config or a command may not need, each a chunk that its dynamic
// import() loads on first use: prom-client (the first scrape of /metrics), chokidar (a running
// sidecar's config watch; not --once, not exec), mustache (a template), the PKI source, and exec.
// Code they share with sidecar.cjs goes to sidecar-shared-*.cjs.
const sidecarDist = `${root}packages/sidecar/dist`;
const SIDECAR_LAZY = {
  "sidecar-metrics": `${sidecarDist}/server/exposition.js`,
  "sidecar-watch": `${sidecarDist}/config/watch.js`,
  "sidecar-template": `${sidecarDist}/render/template.js`,
  "sidecar-pki": `${sidecarDist}/sources/pki.js`,
  "sidecar-exec": `${sidecarDist}/exec/run.js`,
};
// The sidecar's config parser (yaml, zod and the schema: about 3 MB of heap) runs at start and at
// a reload only, and an ES module is never unloaded. So it is sidecar-config.cjs, a CommonJS file
// required for each parse and dropped after it; in sidecar.cjs, config/load.js is this stand-in.
const SIDECAR_CONFIG = `${sidecarDist}/config/load.js`;
const SIDECAR_CONFIG_STANDIN = `
import { createRequire } from "node:module";
function withParser(use) {
  const require = createRequire(import.meta.url);
  const file = require.resolve("./sidecar-config.cjs");
  // zod keeps its settings on globalThis, and through them its whole file: gone with the file.
  const zodGlobals = ["__zod_globalConfig", "__zod_globalRegistry"].filter((k) => !(k in globalThis));
  try {
    return use(require(file));
  } finally {
    delete require.cache[file];
    for (const k of zodGlobals) delete globalThis[k];
  }
}
export const parseConfigText = (...args) => withParser((p) => p.parseConfigText(...args));
export const parseConfig = (...args) => withParser((p) => p.parseConfig(...args));
`;
// Built-in modules that a dependency requires at its top but calls late or never: splitPlugin loads
// each on first use (commander's child_process; node-vault's https, routed here by sidecarPlugin).
const LAZY_BUILTIN = "lazy-builtin";
const sidecarPlugin = {
  name: "stowaway-sidecar",
  setup(b) {
    b.onResolve({ filter: /\/load\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === SIDECAR_CONFIG ? { path: SIDECAR_CONFIG, namespace: "sidecar-config" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "sidecar-config" }, () => ({ contents: SIDECAR_CONFIG_STANDIN, loader: "js" }));
    // node-vault's generated commands (its command table, and mustache to fill in their paths) are
    // never used: vault/client.ts gives it an empty table and calls read, write and request only.
    // So mustache is loaded by a template alone (sidecar-template.js).
    b.onResolve({ filter: /^(mustache|\.\/commands\.js)$/ }, (args) =>
      args.importer.includes("/node-vault/") ? { path: `node-vault: ${args.path}`, namespace: "sidecar-unused" } : undefined,
    );
    // Nor are pino's transports (worker threads with thread-stream): the sidecar logs to its own streams.
    b.onResolve({ filter: /^\.\/(lib\/)?transport$/ }, (args) =>
      args.importer.includes("/node_modules/pino/") ? { path: `pino: ${args.path}`, namespace: "sidecar-unused" } : undefined,
    );
    // Node's modules that a plain-http sidecar never calls, which its dependencies load at the top:
    // node-vault's https (its own agents; ours are made on first https use), sonic-boom's assert
    // (pino's file destination, which the sidecar does not use: it logs to its own streams) are
    // loaded on first use; pino reads worker_threads' isMainThread at load only for that same
    // destination, and the sidecar never runs in a worker thread. About 0.7 MB of RSS together.
    b.onResolve({ filter: /^https$/ }, (args) =>
      args.importer.includes("/node_modules/node-vault/") ? { path: "https", namespace: LAZY_BUILTIN } : undefined,
    );
    b.onResolve({ filter: /^(assert|worker_threads)$/ }, (args) => {
      const stub =
        (args.path === "assert" && args.importer.includes("/node_modules/sonic-boom/")) ||
        (args.path === "worker_threads" && args.importer.includes("/node_modules/pino/"));
      return stub ? { path: args.path, namespace: "sidecar-builtin-stub" } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "sidecar-builtin-stub" }, (args) => ({
      contents:
        args.path === "worker_threads"
          ? "module.exports = { isMainThread: true };"
          : 'module.exports = function assert(...a) { return require("node:assert")(...a); };',
      loader: "js",
    }));
    b.onLoad({ filter: /.*/, namespace: "sidecar-unused" }, (args) => ({
      contents: `module.exports = new Proxy({}, { get() { throw new Error(${JSON.stringify(`${args.path} is not bundled in stowaway`)}); } });`,
      loader: "js",
    }));
  },
};
// The lint worker thread's entry (packages/lint/src/parallel.ts starts it as `./lint-worker.js`
// beside main.js): the engine with the Dockerfile, env and compose kinds (workerPlugin).
const LINT_WORKER = { out: "./lint-worker.js", entry: `${lintDist}/lint-worker.js` };
// The worker bundles the compose linter in: lint-compose.js is built for main.js's loader (a
// function body, not an ES module), and a run big enough for workers has compose files anyway.
const workerPlugin = {
  name: "stowaway-worker",
  setup(b) {
    b.onResolve({ filter: /^\.\/kinds\/compose\.js$/ }, (args) =>
      args.importer.endsWith("/lint/dist/kinds.js") ? { path: resolve(args.resolveDir, args.path) } : undefined,
    );
  },
};

const splitPlugin = {
  name: "stowaway-splits",
  setup(b) {
    // Every import of the sidecar package (main's dynamic one, inject's and exec's static ones) is the chunk.
    b.onResolve({ filter: /^@stowaway\/sidecar$/ }, () => ({ path: SIDECAR.out, external: true }));
    b.onResolve({ filter: /^\.\/(kinds\/compose|config|commands\/(?:lint|rules|inject|exec))\.js$/ }, (args) => {
      const hit = SPLITS.find((s) => args.importer.endsWith(s.importer) && args.path === s.spec && args.kind === "dynamic-import");
      return hit ? { path: hit.out, external: true } : undefined;
    });
    // commander loads child_process at the top for executable subcommands, which we do not use:
    // load it on first use instead (about 2 ms of every start).
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes("/commander/") ? { path: "child_process", namespace: LAZY_BUILTIN } : undefined,
    );
    // node-vault's own request path (axios and its follow-redirects, mime-types, form-data, proxy
    // agents: about 3 MB of heap in every sidecar) is never taken: the sidecar gives it its request
    // layer (vault/transport.ts). Its `debug` output stays off (it would print login bodies).
    b.onResolve({ filter: /^(axios|debug|tv4)$/ }, (args) =>
      args.importer.includes("/node-vault/") ? { path: args.path, namespace: "stowaway-stub" } : undefined,
    );
    b.onLoad({ filter: /^axios$/, namespace: "stowaway-stub" }, () => ({
      contents: 'module.exports = { create() { throw new Error("node-vault without request-promise: not bundled in stowaway"); } };',
      loader: "js",
    }));
    b.onLoad({ filter: /^debug$/, namespace: "stowaway-stub" }, () => ({
      contents: "module.exports = () => Object.assign(() => {}, { enabled: false });",
      loader: "js",
    }));
    // tv4 (a JSON Schema validator: 0.3 MB of heap once it has run) validates the parameters of
    // node-vault's generated commands, which the sidecar never uses; its request check is
    // vault/request-check.ts, given to node-vault as its tv4.
    b.onLoad({ filter: /^tv4$/, namespace: "stowaway-stub" }, () => ({
      contents: 'module.exports = { validate() { throw new Error("node-vault without its tv4: not bundled in stowaway"); } };',
      loader: "js",
    }));
    // zod's namespace exports every locale (about 300 kB of source, kept in memory by V8 in every
    // process that loads the config schema); its messages are English, the only one it configures.
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/") ? { path: `${args.resolveDir}/${args.path}`, namespace: "zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
    // The compose linter parses with yaml's ESM build for browsers: the same code, but its Parser
    // does not read `process.env.LOG_TOKENS` once per token (a native call; about a tenth of the
    // CPU of linting compose files).
    b.onResolve({ filter: /^yaml$/ }, (args) => (args.importer.includes("/lint/dist/parse/compose") ? { path: YAML_BROWSER } : undefined));
    // A built-in module (its name is the path) required on first use of one of its exports.
    b.onLoad({ filter: /.*/, namespace: LAZY_BUILTIN }, (args) => ({
      contents: `let m; const load = () => (m ??= require("node:${args.path}")); module.exports = new Proxy({}, { get: (_, k) => load()[k] });`,
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
  // No comments and no indentation: V8 keeps every loaded module's source in memory for its whole
  // life, and one non-ASCII character in a comment (zod's locales, our own "→") makes it two bytes a
  // character. Names are kept, so stack traces and error class names read as before.
  minifyWhitespace: true,
  charset: "ascii",
  plugins: [splitPlugin],
};

// main.js: CommonJS, so that the entry needs no ESM loader and V8 can cache its compiled code. It
// is the body of a function (load-bundle.js) that is given `import.meta.url`, an import() of the
// lazy chunks that are ES modules, and a loader of those built like main.js (BODY_CHUNKS: the lint
// and rules commands; the config parser, zod and yaml, 0.5 MB that every lint of a project with a
// .stowaway.yaml compiles; the compose linter with yaml, 0.2 MB that a lint of a compose file compiles).
const MAIN_CHUNKS = ["./lint-command.js", "./rules-command.js", "./inject.js", "./exec.cjs", "./sidecar.cjs"];
const BODY_CHUNKS = ["./lint-command.js", "./rules-command.js", "./lint-config.js", "./lint-compose.js"];
// CommonJS chunks: main.js's own require() loads them.
const isCommonJs = (chunk) => chunk.endsWith(".cjs");
/** In place of `import(spec)` (spec as quoted source): the same promise, without node's ESM loader. */
const requireLater = (quotedSpec) => `Promise.resolve().then(() => require(${quotedSpec}))`;
async function buildBody(name, entry, chunks) {
  const out = await build({
    ...common,
    format: "cjs",
    banner: {},
    define: { ...common.define, "import.meta.url": "__stowawayUrl" },
    entryPoints: { [name]: entry },
    outdir,
    write: false,
  });
  let text = out.outputFiles[0].text;
  for (const chunk of chunks) {
    const call = `import(${JSON.stringify(chunk)})`;
    if (text.split(call).length !== 2) throw new Error(`bundle: expected one ${call} in ${name}.js`);
    const load = isCommonJs(chunk)
      ? requireLater(JSON.stringify(chunk))
      : `${BODY_CHUNKS.includes(chunk) ? "__stowawayLoad" : "__stowawayImport"}(${JSON.stringify(chunk)})`;
    text = text.replace(call, load);
  }
  if (/\bimport\(/.test(text)) throw new Error(`bundle: ${name}.js has an import() that load-bundle.js does not provide`);
  // The content hash names the code caches (V8 checks a cache against the source's length only).
  const id = createHash("sha256").update(text).digest("hex").slice(0, 16);
  writeFileSync(`${outdir}/${name}.js`, `// stowaway-build ${id}\n${text}`);
}

if (process.argv[2] === "--code-cache") {
  await makeCodeCache(process.argv[3]);
  process.exit(0);
}

rmSync(outdir, { recursive: true, force: true });
// buildBody writes its file itself, and may finish before any esbuild build has made the folder.
mkdirSync(outdir, { recursive: true });
await Promise.all([
  buildBody("main", `${root}packages/cli/dist/main.js`, MAIN_CHUNKS),
  ...SPLITS.map((s) => {
    const name = s.out.slice(2).replace(/\.c?js$/, "");
    if (BODY_CHUNKS.includes(s.out)) return buildBody(name, s.entry, s.chunks ?? []);
    return isCommonJs(s.out)
      ? build({
          ...common,
          format: "cjs",
          banner: {},
          entryPoints: { [name]: s.entry },
          outExtension: { ".js": ".cjs" },
          outdir,
        })
      : build({ ...common, entryPoints: { [name]: s.entry }, outdir });
  }),
  build({ ...common, entryPoints: { [LINT_WORKER.out.slice(2, -3)]: LINT_WORKER.entry }, outdir, plugins: [workerPlugin, splitPlugin] }),
  build({
    ...common,
    banner: {},
    splitting: true,
    chunkNames: "sidecar-shared-[hash]",
    entryPoints: { sidecar: SIDECAR.entry, ...SIDECAR_LAZY },
    outdir,
    write: false,
    plugins: [sidecarPlugin, splitPlugin],
  }).then(toCommonJs),
  build({ ...common, format: "cjs", banner: {}, entryPoints: { "sidecar-config": SIDECAR_CONFIG }, outExtension: { ".js": ".cjs" }, outdir }),
]);

/**
 * The sidecar's chunks as CommonJS files (.cjs). esbuild splits ES modules only, so each chunk it
 * made is transformed on its own: its imports of the other chunks become require() calls (the
 * lazy ones inside the same promise as before), and it runs in strict mode as an ES module does.
 */
async function toCommonJs(result) {
  const chunkName = /(["'])\.\/(sidecar(?:-[A-Za-z0-9_-]+)?)\.js\1/g;
  const names = new Set(result.outputFiles.map((f) => basename(f.path, ".js")));
  await Promise.all(
    result.outputFiles.map(async (file) => {
      const esm = file.text
        .replace(chunkName, (whole, q, name) => {
          if (!names.has(name)) throw new Error(`bundle: ${basename(file.path)} names ${whole}, which is no chunk`);
          return `${q}./${name}.cjs${q}`;
        })
        // A dynamic import() goes through the ESM loader even in CommonJS: require() on first use instead.
        .replace(/\bimport\(("(?:\.\/sidecar[A-Za-z0-9_-]*\.cjs|node:[a-z_/]+)")\)/g, (_, spec) => requireLater(spec));
      const out = await transform(esm, {
        format: "cjs",
        platform: "node",
        target: common.target,
        charset: "ascii",
        minifyWhitespace: true,
        legalComments: "none",
        define: { "import.meta.url": "__stowawayUrl" },
        banner: '"use strict";var __stowawayUrl=require("node:url").pathToFileURL(__filename).href;',
      });
      if (/\bimport\(/.test(out.code)) throw new Error(`bundle: ${basename(file.path)} still imports an ES module`);
      writeFileSync(join(outdir, `${basename(file.path, ".js")}.cjs`), out.code);
    }),
  );
}

// The code caches are made by running the bundle (this script again, with --code-cache), in a
// node without our flags (V8 rejects a cache made under other flags), once for each kind of run.
for (const kind of ["lint", "cli"]) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--code-cache", kind], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bundle: making the ${kind} code cache failed: ${r.stderr || r.stdout}`);
}

/**
 * `--code-cache <lint|cli>`: compiles main.js as packages/cli/bin/load-bundle.js does, runs what
 * that kind of start runs, and writes V8's cache of the code compiled by then beside it. "lint":
 * one-file lints of a Dockerfile, an env file and a compose file, with findings (stylish and json),
 * and of a Dockerfile under a .stowaway.yaml. "cli": help, version and commander's parsing. The
 * cache is bytecode: what runs is the bundle's own code either way.
 */
async function makeCodeCache(kind) {
  const { loadBundle, cachePath } = createRequire(import.meta.url)("../packages/cli/bin/load-bundle.js");
  // main.js and the chunks it loads like itself (the config parser, the compose linter), each with its own cache.
  const bodies = [];
  const loaded = loadBundle(`${outdir}/main.js`, undefined, (b) => bodies.push(b));
  const sink = { write: () => true, isTTY: false, columns: 80 };
  const work = mkdtempSync(join(tmpdir(), "stowaway-code-cache-"));
  try {
    const io = { stdout: sink, stderr: sink, cwd: work, env: {} };
    const runs = {
      lint: () => {
        // A Dockerfile of the usual shapes (stages, RUN chains, heredocs, ENV and ARG blocks, exec
        // form), with made-up values: name-flagged literals, a credential in a command line and
        // one in a URL, a placeholder, a checksum, a public key and a secret mount.
        writeFileSync(
          join(work, "Dockerfile"),
          [
            "# syntax=docker/dockerfile:1",
            "# api service: build and runtime",
            "ARG PYTHON_VERSION=3.12",
            "FROM python:${PYTHON_VERSION}-slim AS build",
            "ARG NPM_TOKEN",
            "ARG PIP_INDEX_URL=https://ci:Pq7wXn2vRt5k@pypi.example.invalid/simple",
            "ENV APP_HOME=/app \\",
            "    DB_PASSWORD=Zq8vTx2mLw5pRc \\",
            "    API_TOKEN=<your-api-token> \\",
            "    TZ=UTC",
            "WORKDIR /app",
            "RUN apt-get update \\",
            "    && apt-get install -y --no-install-recommends curl ca-certificates gnupg \\",
            "    && curl -fsSL -u deploy:Hk3mQx9wVt7b https://example.invalid/pkg.tgz -o /tmp/pkg.tgz \\",
            '    && echo "9f2c6d1e8b7a5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d  /tmp/pkg.tgz" | sha256sum -c - \\',
            "    && gpg --keyserver hkps://keys.example.invalid --recv-keys 0x4F2A9C1B7D3E5F60 \\",
            '    && echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx7example ci@build" >> /root/.ssh/authorized_keys \\',
            "    && rm -rf /var/lib/apt/lists/*",
            "COPY requirements.txt .",
            "RUN --mount=type=secret,id=pip_token,env=PIP_TOKEN pip install --no-cache-dir -r requirements.txt",
            "RUN <<EOF",
            "set -eux",
            "export SECRET_KEY=Jn4xBq8rWm2tYc6v",
            "mysql -uroot -pWd5sKx8nQz2r -e 'select 1'",
            "useradd --system --uid 1001 app",
            "EOF",
            "COPY <<EOF /etc/app/settings.conf",
            "[server]",
            "port = 8080",
            "password = Vb7nRt3qXw9zLm",
            "EOF",
            "",
            "FROM python:${PYTHON_VERSION}-slim",
            'LABEL org.opencontainers.image.revision="3f1c2b7a9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"',
            "COPY --from=build /app /app",
            "COPY . .",
            "USER app",
            "EXPOSE 8080",
            'HEALTHCHECK CMD ["curl", "-f", "http://localhost:8080/healthz"]',
            'ENTRYPOINT ["/usr/bin/tini", "--"]',
            'CMD ["gunicorn", "-c", "gunicorn.conf.py", "app.wsgi"]',
            "",
          ].join("\n"),
        );
        writeFileSync(
          join(work, ".env"),
          "# local settings\nAPI_KEY=Vb7nRt3qXw9z\nexport DEBUG=1\nDATABASE_URL=postgres://app:Mx4vBn8qWz2t@db:5432/app\nSECRET=changeme\n",
        );
        // And a project with a .stowaway.yaml, which loads the config parser.
        mkdirSync(join(work, "configured"));
        writeFileSync(
          join(work, "configured/.stowaway.yaml"),
          [
            "lint:",
            "  failOn: error",
            "  rules:",
            "    dockerfile/secret-build-arg: off",
            "  ignorePaths: [vendor/**]",
            "  allow:",
            "    - { value: Zq8vTx2mLw5pRc, reason: a test fixture }",
            "  secretNames:",
            "    secret: [passphrase]",
            "",
          ].join("\n"),
        );
        writeFileSync(join(work, "configured/Dockerfile"), readFileSync(join(work, "Dockerfile")));
        // A compose file: map and list environments, build args, an env_file, a healthcheck and
        // top-level secrets.
        writeFileSync(
          join(work, "compose.yaml"),
          [
            "services:",
            "  api:",
            "    build:",
            "      context: .",
            "      args:",
            "        NPM_TOKEN: Tq5wNz8xKv3m",
            "    env_file: .env",
            "    environment:",
            "      DATABASE_URL: postgres://app:Rf6tYh2nBv9c@db:5432/app",
            "      JWT_SECRET_FILE: /run/secrets/jwt",
            "      LOG_LEVEL: info",
            "    secrets: [jwt]",
            "    depends_on: [db]",
            "  db:",
            "    image: postgres:16",
            "    environment:",
            "      - POSTGRES_USER=app",
            "      - POSTGRES_PASSWORD=Lc8mWq3zXp7d",
            "      - PGDATA=/var/lib/postgresql/data",
            "    healthcheck:",
            '      test: ["CMD-SHELL", "pg_isready -U app"]',
            "      interval: 5s",
            "secrets:",
            "  jwt:",
            "    file: ./jwt.txt",
            "",
          ].join("\n"),
        );
        return [
          ["lint", "Dockerfile"],
          ["lint", ".env"],
          ["lint", "--format", "json", "Dockerfile"],
          ["lint", "compose.yaml"],
          ["lint", "configured/Dockerfile"],
        ];
      },
      cli: () => [["--help"], ["sidecar", "--help"], ["exec", "--help"], ["--version"]],
    };
    if (!runs[kind]) throw new Error(`unknown kind ${kind}; use lint or cli`);
    for (const args of runs[kind]()) await loaded.exports.main(args, io);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const body of bodies) {
    const cacheFile = cachePath(body.file, body.source, kind);
    if (!cacheFile) throw new Error(`${body.file} has no build id`);
    writeFileSync(cacheFile, body.script.createCachedData());
  }
}
