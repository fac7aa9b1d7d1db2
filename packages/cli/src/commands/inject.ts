import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { isMap, LineCounter, parseAllDocuments, type Document } from "yaml";
import type { CommandIO } from "../io.js";
import { injectCompose } from "../inject/compose.js";
import { DEFAULT_IMAGE, readSidecarConfig } from "../inject/config.js";
import { InjectError } from "../inject/errors.js";
import { looksLikeDockerfile, yamlProblem } from "../inject/input-check.js";
import { injectKubernetes, isKubernetesDoc } from "../inject/kubernetes.js";
import { deepEqual, detectStyle } from "../inject/yaml-edit.js";

export interface InjectCommandOptions {
  /** A compose file or (multi-document) Kubernetes YAML. */
  file: string;
  /** Compose: the app service (default: the only service). */
  service?: string;
  /** Kubernetes: the only app container to mount the secrets into (default: every container). */
  container?: string;
  /** The sidecar configuration (YAML) to ship with the sidecar. */
  config: string;
  /** The sidecar image. Default ghcr.io/stowaway/sidecar:0.1.0, or the image an earlier injection chose. */
  image?: string;
  /** Write here instead of stdout (may be the input file). */
  output?: string;
}

/**
 * `stowaway inject`: prints the file with the sidecar added. 0 done, 2 refused (nothing written).
 * Running it on its own output changes nothing.
 */
export async function injectCommand(opts: InjectCommandOptions, io: Pick<CommandIO, "stdout" | "stderr" | "cwd" | "env">): Promise<0 | 1 | 2> {
  try {
    const { text, warnings } = inject(opts, io.cwd);
    for (const w of warnings) io.stderr.write(`stowaway inject: warning: ${w}\n`);
    if (opts.output) {
      const out = resolve(io.cwd, opts.output);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
    } else {
      io.stdout.write(text);
    }
    return 0;
  } catch (err) {
    if (err instanceof InjectError) {
      io.stderr.write(`stowaway inject: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function inject(opts: InjectCommandOptions, cwd: string): { text: string; warnings: string[] } {
  const file = resolve(cwd, opts.file);
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch (err) {
    throw new InjectError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (looksLikeDockerfile(file, src)) throw new InjectError(`${opts.file}: this is a Dockerfile; inject takes compose or Kubernetes YAML`);
  const lineCounter = new LineCounter();
  // merge: compose files share settings through `<<: *anchor`, and inherited keys matter here.
  const docs = parseAllDocuments(src, { prettyErrors: false, lineCounter, merge: true });
  if (!Array.isArray(docs) || docs.length === 0) throw new InjectError(`${opts.file} is empty: expected a compose file or Kubernetes YAML`);
  for (const doc of docs) {
    const e = doc.errors[0];
    if (e) {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      throw new InjectError(`${opts.file}:${line}:${col}: invalid YAML (${e.code}): ${yamlProblem(e.code)}`);
    }
  }

  const kubernetes = docs.some(isKubernetesDoc);
  const compose = !kubernetes && docs.length === 1 && isMap(docs[0].contents) && isMap(docs[0].get("services", true));
  if (!kubernetes && !compose) {
    throw new InjectError(`${opts.file} is neither a compose file (top-level services:) nor Kubernetes YAML (apiVersion and kind)`);
  }
  if (compose && opts.container !== undefined) throw new InjectError("--container is for Kubernetes files; for compose use --service");
  if (kubernetes && opts.service !== undefined) throw new InjectError("--service is for compose files; for Kubernetes use --container");

  const plan = readSidecarConfig(resolve(cwd, opts.config), opts.config);
  const style = detectStyle(src);
  // The printer writes \n; a CRLF file stays CRLF.
  const print = (doc: Document) => (src.includes("\r\n") ? doc.toString(style).replace(/\r?\n/g, "\r\n") : doc.toString(style));

  if (compose) {
    const doc = docs[0];
    const before = doc.toJS();
    // Compose resolves configs.file against the directory of the compose file that is run.
    const composeDir = dirname(opts.output ? resolve(cwd, opts.output) : file);
    let configRef = relative(composeDir, resolve(cwd, opts.config)).split(sep).join("/");
    if (!configRef.startsWith("../") && !configRef.startsWith("/")) configRef = `./${configRef}`;
    const warnings = injectCompose(doc, { service: opts.service, image: opts.image, defaultImage: DEFAULT_IMAGE, plan, configRef });
    return { text: deepEqual(before, doc.toJS()) ? src : print(doc), warnings: [...plan.warnings, ...warnings] };
  }

  const before = docs.map((d) => d.toJS());
  const result = injectKubernetes(docs, { container: opts.container, image: opts.image, defaultImage: DEFAULT_IMAGE, plan });
  const first = result.inserts.find((x) => x.before === 0);
  if (first) moveHeaderComment(docs[0], first.doc);
  const segments = documentSegments(src, docs);
  const pieces: string[] = [];
  docs.forEach((doc, i) => {
    for (const insert of result.inserts.filter((x) => x.before === i)) pieces.push(print(insert.doc));
    // Unchanged documents are copied from the source, byte for byte.
    pieces.push(deepEqual(before[i], doc.toJS()) ? segments[i] : print(doc));
  });
  return { text: joinDocuments(pieces), warnings: [...plan.warnings, ...result.warnings] };
}

/** A comment at the top of the file stays at the top when a document is inserted before the first. */
function moveHeaderComment(from: Document, to: Document): void {
  const contents = isMap(from.contents) ? from.contents : undefined;
  const firstKey = contents?.items[0]?.key as { commentBefore?: string | null } | undefined;
  const holder = [from, contents, firstKey].find((n) => n?.commentBefore);
  if (!holder || !isMap(to.contents)) return;
  to.contents.commentBefore = `${holder.commentBefore}\n\n${to.contents.commentBefore ?? ""}`;
  holder.commentBefore = undefined;
}

/**
 * The source text of each document: from its `---` (the file's start for the first) to the next
 * document's. Comments between documents stay with the one before.
 */
function documentSegments(src: string, docs: Document[]): string[] {
  const starts = docs.map((d, i) => (i === 0 ? 0 : d.range![0]));
  return starts.map((start, i) => src.slice(start, i + 1 < starts.length ? starts[i + 1] : src.length));
}

/** Joins documents, adding the `---` separators and final newlines that inserted documents lack. */
function joinDocuments(pieces: string[]): string {
  let out = "";
  pieces.forEach((piece, i) => {
    if (i > 0) {
      const eol = out.endsWith("\r\n") || piece.includes("\r\n") ? "\r\n" : "\n";
      if (!out.endsWith("\n")) out += eol;
      if (!startsWithMarker(piece)) out += `---${eol}`;
    }
    out += piece;
  });
  return out;
}

function startsWithMarker(text: string): boolean {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith("%")) continue;
    return /^---(\s|$)/.test(t);
  }
  return false;
}
