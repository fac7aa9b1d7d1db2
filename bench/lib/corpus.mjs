// Generates bench/corpus/: synthesised projects (Dockerfiles, compose files, env files) with
// planted secrets and look-alikes, plus the repository's own labelled fixtures, and writes
// bench/corpus/labels.json. Deterministic: the same options give byte-identical output.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { createRng } from "./rng.mjs";
import { createSynth } from "./synth.mjs";
import { createValues } from "./values.mjs";

export const DEFAULT_SEED = 20261122;
export const DEFAULT_FILES = 2000;

const DOCKERFILE_NAMES = [
  ["Dockerfile", 14],
  ["Dockerfile.prod", 2],
  ["api.Dockerfile", 1],
  ["Containerfile", 1],
  ["worker.dockerfile", 1],
];
const COMPOSE_NAMES = [
  ["compose.yaml", 6],
  ["docker-compose.yml", 6],
  ["compose.prod.yaml", 1],
  ["docker-compose.override.yml", 1],
  ["compose.dev.yml", 1],
];
const ENV_NAMES = [
  [".env", 8],
  [".env.production", 2],
  ["app.env", 1],
  [".env.local", 1],
  ["worker.env", 1],
];

/**
 * Shard sizes for the scaling runs: shards 0..k together hold 1/8, 1/4, 1/2 and all of the
 * synthesised files (250, 500, 1,000 and 2,000 for the default size).
 */
export function shardSizes(files) {
  const a = Math.max(1, Math.round(files / 8));
  const b = Math.max(1, Math.round(files / 4)) - a;
  const c = Math.max(1, Math.round(files / 2)) - a - b;
  return [a, b, c, files - a - b - c];
}

/**
 * @param {{ outDir: string, files?: number, seed?: number, fixturesRoot?: string, sizeScale?: number }} opts
 * @returns {{ files: number, bytes: number, synthFiles: number, fixtureFiles: number, labels: number, secrets: number, decoys: number, shards: string[][] }}
 */
export function generateCorpus(opts) {
  const files = opts.files ?? DEFAULT_FILES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const scale = opts.sizeScale ?? 0.82; // tuned so the default corpus is about 20 MB
  const outDir = opts.outDir;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const rng = createRng(seed);
  const values = createValues(rng);
  const synth = createSynth(rng, values);
  const lognormal = (median, sigma, lo, hi) => {
    // Box-Muller on the seeded generator.
    const u = Math.max(rng.next(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    return Math.round(Math.min(hi, Math.max(lo, median * Math.exp(sigma * z))) * scale);
  };
  const plantCounts = () => [
    rng.weighted([
      [0, 35],
      [1, 35],
      [2, 20],
      [3, 10],
    ]),
    rng.int(1, 5),
  ];

  const fileRows = [];
  const labels = [];
  const shardDirs = [];
  let bytes = 0;
  const write = (rel, text, kind, extra = {}) => {
    const abs = join(outDir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    const size = Buffer.byteLength(text);
    bytes += size;
    fileRows.push({ file: rel, kind, bytes: size, labelled: true, ...extra });
  };

  const sizes = shardSizes(files);
  let project = 0;
  sizes.forEach((count, shard) => {
    const shardDir = `synth/s${shard}`;
    shardDirs.push(shardDir);
    let left = count;
    while (left > 0) {
      let kinds = rng.weighted([
        [["D"], 30],
        [["D", "C"], 20],
        [["D", "C", "E"], 20],
        [["C"], 10],
        [["C", "E"], 10],
        [["E"], 4],
        [["D", "D"], 6],
      ]);
      kinds = kinds.slice(0, left);
      left -= kinds.length;
      const dir = `${shardDir}/p${String(project++).padStart(4, "0")}`;
      const ctx = { hasDockerfile: false, dockerfileName: "Dockerfile", hasEnv: false, envName: ".env" };
      const names = new Set();
      // Dockerfiles and env files first so the compose file can refer to them.
      for (const k of [...kinds].sort((a, b) => "DEC".indexOf(a) - "DEC".indexOf(b))) {
        let name;
        if (k === "D") name = names.has("Dockerfile") || ctx.hasDockerfile ? "Dockerfile.dev" : rng.weighted(DOCKERFILE_NAMES);
        else if (k === "C") name = rng.weighted(COMPOSE_NAMES);
        else name = rng.weighted(ENV_NAMES);
        while (names.has(name)) name = `x${name}`;
        names.add(name);
        const rel = `${dir}/${name}`;
        const [nSecrets, nDecoys] = plantCounts();
        let out;
        if (k === "D") {
          out = synth.dockerfile(lognormal(5000, 0.8, 700, 60000), nSecrets, nDecoys);
          if (!ctx.hasDockerfile) Object.assign(ctx, { hasDockerfile: true, dockerfileName: name });
        } else if (k === "E") {
          out = synth.envFile(lognormal(1500, 0.7, 150, 20000), nSecrets, nDecoys);
          Object.assign(ctx, { hasEnv: true, envName: name });
        } else {
          const big = rng.chance(0.1);
          out = synth.compose(
            big ? lognormal(110000, 0.5, 40000, 300000) : lognormal(9000, 0.7, 800, 40000),
            nSecrets + (big ? rng.int(0, 4) : 0),
            nDecoys + (big ? rng.int(0, 8) : 0),
            ctx,
          );
        }
        write(rel, out.text, { D: "dockerfile", C: "compose", E: "env" }[k], { shard });
        for (const l of out.labels) labels.push({ file: rel, ...l });
      }
      if (ctx.hasDockerfile) {
        // Keeps env files out of `COPY . .`, as a maintained project does. The build-context
        // rules are exercised by the hand-labelled fixtures instead. Not a scored file.
        const ignore = [
          "# keep local state and secrets out of the build context",
          ".git",
          "node_modules",
          ".env",
          ".env.*",
          "*.env",
          "**/.env",
          "**/.env.*",
          "**/*.env",
          ...(rng.chance(0.5) ? ["**/*.key", "**/*.pem", ".npmrc"] : []),
        ];
        writeFileSync(join(outDir, dir, ".dockerignore"), ignore.join("\n") + "\n");
      }
    }
  });
  const synthFiles = fileRows.length;

  // The repository's own fixtures: copied as they are, labelled from their SECRETS.json.
  const fixtures = opts.fixturesRoot ? collectFixtures(opts.fixturesRoot) : [];
  for (const fx of fixtures) {
    const rel = `fixtures/${fx.rel}`;
    const abs = join(outDir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    cpSync(fx.abs, abs);
    const size = statSync(abs).size;
    if (!fx.kind) continue; // copied for build contexts, but not a file either tool is scored on
    bytes += size;
    fileRows.push({ file: rel, kind: fx.kind, bytes: size, labelled: fx.labelled, fixture: true });
    for (const l of fx.labels) labels.push({ file: rel, ...l });
  }

  const secrets = labels.filter((l) => l.secret).length;
  const doc = {
    version: 1,
    seed,
    files: fileRows,
    shards: shardDirs,
    summary: { files: fileRows.length, bytes, synthFiles, fixtureFiles: fileRows.length - synthFiles, secrets, decoys: labels.length - secrets },
    labels,
  };
  writeFileSync(join(outDir, "labels.json"), JSON.stringify(doc) + "\n");
  return {
    files: fileRows.length,
    bytes,
    synthFiles,
    fixtureFiles: fileRows.length - synthFiles,
    labels: labels.length,
    secrets,
    decoys: labels.length - secrets,
    shards: shardDirs,
  };
}

/**
 * What `stowaway lint <dir>` picks up by name (mirrors packages/lint's discovery): Dockerfiles,
 * compose files and env files. Both tools are scored on these files only.
 */
export function lintKindOfName(name) {
  const lower = name.toLowerCase();
  if (lower.endsWith(".dockerignore")) return undefined;
  if (name === "Dockerfile" || name === "Containerfile" || lower.endsWith(".dockerfile") || /^(Dockerfile|Containerfile)\./.test(name)) return "dockerfile";
  if (/^(docker-)?compose\.ya?ml$/.test(lower) || /\.compose\.ya?ml$/.test(lower) || /^(docker-)?compose\.[^/]+\.ya?ml$/.test(lower)) return "compose";
  if (/^\.env\.(example|sample|template|dist)$|\.env\.(example|sample|template)$/.test(lower)) return undefined;
  if (lower === ".env" || lower.endsWith(".env") || lower.startsWith(".env.")) return "env";
  return undefined;
}

/**
 * Files under `root` (test/fixtures). A directory with a SECRETS.json labels the files below it:
 * `{ "<path relative to that directory>": [{ line, value, ruleId }] }` (also accepted: a list of
 * `{ file, line, kind?, secret? }`). Everything is copied (build-context rules need the other files),
 * but only lintable files below a SECRETS.json are labelled, and unlisted lines there hold no secret.
 */
export function collectFixtures(root) {
  const out = [];
  if (!existsSync(root)) return out;
  const walk = (dir, scope) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (entries.some((e) => e.isFile() && e.name === "SECRETS.json")) {
      try {
        scope = { base: dir, byFile: parseSecretsJson(JSON.parse(readFileSync(join(dir, "SECRETS.json"), "utf8"))) };
      } catch {
        scope = undefined;
      }
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs, scope);
      else if (e.isFile() && e.name !== "SECRETS.json") {
        const rel = relative(root, abs).split("\\").join("/");
        const kind = lintKindOfName(e.name);
        const labels = scope && kind ? (scope.byFile.get(relative(scope.base, abs).split("\\").join("/")) ?? []) : [];
        out.push({ abs, rel, kind, labelled: Boolean(scope && kind), labels });
      }
    }
  };
  walk(root, undefined);
  return out;
}

function parseSecretsJson(json) {
  const byFile = new Map();
  const add = (file, entry) => {
    const e = typeof entry === "number" ? { line: entry } : entry;
    if (!file || !Number.isInteger(e?.line)) return;
    const list = byFile.get(file) ?? [];
    // A fixture entry with "secret": false is a finding the rule must make whose value is not a
    // secret (an ARG name, a copied file path): neutral, neither a hit nor a false positive.
    const secret = e.secret === undefined ? true : Boolean(e.secret);
    list.push({
      line: e.line,
      endLine: e.endLine ?? e.line,
      kind: e.kind ?? e.ruleId ?? "fixture",
      secret,
      ...(secret ? {} : { neutral: true }),
      value: typeof e.value === "string" ? e.value : "",
    });
    byFile.set(file, list);
  };
  const list = Array.isArray(json) ? json : Array.isArray(json?.secrets) ? json.secrets : null;
  if (list) for (const e of list) add(e.file, e);
  else if (json && typeof json === "object") {
    for (const [file, entries] of Object.entries(json)) if (Array.isArray(entries)) for (const e of entries) add(file, e);
  }
  return byFile;
}
