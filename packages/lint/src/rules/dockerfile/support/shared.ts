import {
  classifyName,
  classifyValue,
  findCommandLineSecrets,
  findCredentialsInText,
  findKnownTokens,
  interpolationDefault,
  isLikelySecretValue,
  judgeSecretValue,
  splitNameWords,
  type CommandLineMatch,
  type CredentialMatch,
  type TokenMatch,
} from "../../../detect/index.js";
import type { DfInstruction, DfPair, DockerfileDoc } from "../../../parse/dockerfile.js";
import { type MappedText, sliceMapped } from "../../../parse/offsets.js";
import type { NameSettings } from "../../../rule.js";

/**
 * What the Dockerfile rules share: walking instructions (ONBUILD triggers included), the texts
 * each detector reads, and fix wording. The analysis is memoized per document and name settings,
 * so each rule pays for it once.
 *
 * One value, one finding: rules report independently, and the engine keeps one finding per span
 * (the most severe, then the first in `dockerfileRules` order, which runs most specific first:
 * secret-in-env, secret-in-command, url-credentials, known-token). Rules do not skip each other's
 * spans, so turning one rule off never hides a secret another rule would report.
 */

/** Every instruction, with ONBUILD triggers following their ONBUILD. */
export function* walkInstructions(doc: DockerfileDoc): Generator<{ ins: DfInstruction; onbuild: boolean }> {
  for (const ins of doc.instructions) {
    yield { ins, onbuild: false };
    if (ins.trigger) yield { ins: ins.trigger, onbuild: true };
  }
}

/** Texts scanned by the text-level rules: arguments, heredoc bodies, comments, stray lines. */
export function* scannableTexts(doc: DockerfileDoc): Generator<{ text: MappedText; where: string }> {
  for (const ins of doc.instructions) {
    yield { text: ins.args, where: ins.keyword };
    for (const h of ins.heredocs) yield { text: h.body, where: `${ins.trigger?.keyword ?? ins.keyword} heredoc` };
  }
  for (const c of doc.comments) yield { text: c.text, where: "comment" };
  for (const s of doc.strayLines) yield { text: s, where: "line" };
}

export interface Span {
  start: number;
  end: number;
}

function spanOf(text: MappedText, index: number, length: number): Span {
  return { start: text.offsets[index], end: text.offsets[Math.min(index + Math.max(length, 1), text.offsets.length) - 1] + 1 };
}

// ---------------------------------------------------------------------------------------------
// Candidates per rule.

export interface EnvCandidate {
  ins: DfInstruction;
  pair: DfPair;
  /** The secret value (or the `${VAR:-default}` default), as a slice of `pair.value`. */
  value: MappedText;
  placeholder: boolean;
  /** A well-known weak or demo value (`example`, `postgres`, the user name again). */
  weak: boolean;
  /** A known-format token inside the value, to name it in the message. */
  token?: TokenMatch;
  fromDefault: boolean;
  /** Set when the secret is an option inside a neutral variable (`JAVA_OPTS="-Dx.password=…"`). */
  option?: string;
}

export interface TextCandidate<M> {
  text: MappedText;
  match: M;
  span: Span;
  where: string;
  ins?: DfInstruction;
  /** The ENV/ARG/LABEL name whose value holds the match, for `lint.allow` name patterns. */
  name?: string;
}

interface Analysis {
  env: EnvCandidate[];
  commands: TextCandidate<CommandLineMatch>[];
  urls: TextCandidate<CredentialMatch>[];
  tokens: TextCandidate<TokenMatch>[];
}

const memo = new WeakMap<DockerfileDoc, WeakMap<NameSettings, Analysis>>();

export function analyze(doc: DockerfileDoc, names: NameSettings): Analysis {
  let byNames = memo.get(doc);
  if (!byNames) memo.set(doc, (byNames = new WeakMap()));
  let a = byNames.get(names);
  if (!a) byNames.set(names, (a = computeAnalysis(doc, names)));
  return a;
}

/** A value that looks like a list of command-line options. */
const OPTION_LIST_RE = /(?:^|\s)--?[A-Za-z]/;

function slice(text: MappedText, from: number, to = text.text.length): MappedText {
  return sliceMapped(text, from, to);
}

function computeAnalysis(doc: DockerfileDoc, names: NameSettings): Analysis {
  const env: EnvCandidate[] = [];
  // A demo password often repeats a user name set nearby (`ENV DB_USER=app DB_PASSWORD=app`).
  const users: string[] = [];
  for (const { ins } of walkInstructions(doc)) {
    for (const pair of ins.pairs) if (pair.value && /(?:^|_)(?:USER|USERNAME|LOGIN)$/i.test(pair.name)) users.push(pair.value.text);
  }
  for (const { ins } of walkInstructions(doc)) {
    if (ins.keyword !== "ENV" && ins.keyword !== "ARG" && ins.keyword !== "LABEL") continue;
    for (const pair of ins.pairs) {
      if (!pair.value) continue;
      const nameClass = classifyName(pair.name, names);
      if (nameClass === "neutral" && ins.keyword !== "LABEL" && OPTION_LIST_RE.test(pair.value.text)) {
        // `ENV JAVA_OPTS="-Dspring.datasource.password=…"`, `NODE_OPTIONS`, `*_ARGS`: options inside a value.
        for (const m of findCommandLineSecrets(pair.value.text, names)) {
          env.push({
            ins,
            pair,
            value: slice(pair.value, m.index, m.index + m.length),
            placeholder: false,
            weak: m.weak === true,
            fromDefault: false,
            option: m.label,
            token: findKnownTokens(m.value)[0],
          });
        }
        continue;
      }
      if (nameClass !== "secret") continue;
      let value = pair.value;
      let fromDefault = false;
      const kind = classifyValue(value.text);
      if (kind === "reference") {
        const d = interpolationDefault(value.text);
        if (!d || !isLikelySecretValue(d.default)) continue;
        value = slice(value, d.index, d.index + d.default.length);
        fromDefault = true;
      }
      const verdict = judgeSecretValue(value.text, [...splitNameWords(pair.name), ...users]);
      if (!verdict) continue;
      const placeholder = verdict === "placeholder";
      // A placeholder ARG default is reported by secret-build-arg (the ARG itself), not twice.
      if (placeholder && ins.keyword === "ARG") continue;
      const token = findKnownTokens(value.text)[0];
      const weak = verdict === "weak" && !token;
      env.push({ ins, pair, value, placeholder, weak, token, fromDefault });
    }
  }

  const commands: TextCandidate<CommandLineMatch>[] = [];
  for (const { ins } of walkInstructions(doc)) {
    const texts: { text: MappedText; where: string }[] = [];
    if (ins.command) texts.push({ text: ins.command, where: ins.keyword });
    // ONBUILD's heredocs belong to its trigger; list them once, on the trigger.
    if (!ins.trigger) for (const h of ins.heredocs) texts.push({ text: h.body, where: `${ins.keyword} heredoc` });
    for (const { text, where } of texts) {
      for (const match of findCommandLineSecrets(text.text, names)) {
        const span = spanOf(text, match.index, match.length);
        commands.push({ text, match, span, where, ins });
      }
    }
  }

  const urls: TextCandidate<CredentialMatch>[] = [];
  const tokens: TextCandidate<TokenMatch>[] = [];
  for (const { text, where } of scannableTexts(doc)) {
    for (const match of findCredentialsInText(text.text)) {
      const span = spanOf(text, match.index, match.length);
      urls.push({ text, match, span, where });
    }
  }
  for (const { text, where } of scannableTexts(doc)) {
    for (const match of findKnownTokens(text.text)) {
      const span = spanOf(text, match.index, match.length);
      tokens.push({ text, match, span, where });
    }
  }
  // Name the ENV/ARG/LABEL pair a text-level finding sits in.
  const pairSpans: { span: Span; name: string }[] = [];
  for (const { ins } of walkInstructions(doc)) {
    for (const pair of ins.pairs)
      if (pair.value && pair.value.offsets.length > 0) pairSpans.push({ span: spanOf(pair.value, 0, pair.value.text.length), name: pair.name });
  }
  pairSpans.sort((a, b) => a.span.start - b.span.start);
  for (const c of [...urls, ...tokens]) {
    // The last pair starting at or before the finding is the only one that can contain it.
    let lo = 0;
    let hi = pairSpans.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pairSpans[mid].span.start <= c.span.start) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at >= 0 && c.span.end <= pairSpans[at].span.end) c.name = pairSpans[at].name;
  }
  return { env, commands, urls, tokens };
}

// ---------------------------------------------------------------------------------------------
// Fix wording.

export const ROTATE = "Rotate the secret: it is already in git history and in any image built from this file.";

/** A secret id derived from a name: `DB_PASSWORD` → `db_password`, `.npmrc` → `npmrc`. */
export function secretId(name: string | undefined): string {
  const id = (name ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|(?<!_)_+$/g, "");
  return id || "build_secret";
}

/** An environment variable name for a secret: the name itself when it is one, else `ID` upper-cased. */
export function secretVar(name: string | undefined): string {
  return name && /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : secretId(name).toUpperCase();
}

/** Does the `# syntax=` directive allow `RUN --mount=type=secret,env=` (dockerfile 1.10+)? */
export function supportsSecretEnv(doc: DockerfileDoc): boolean {
  const m = /dockerfile:(\d+)(?:\.(\d+))?/.exec(doc.syntax ?? "");
  if (!m) return false;
  const major = Number(m[1]);
  return major > 1 || m[2] === undefined || Number(m[2]) >= 10;
}

/** Build time: a secret mount exposed as an environment variable, and the matching `docker build` flag. */
export function buildSecretFix(doc: DockerfileDoc, name: string | undefined): string {
  const id = secretId(name);
  const v = secretVar(name);
  const mount = supportsSecretEnv(doc)
    ? `\`RUN --mount=type=secret,id=${id},env=${v} <command>\``
    : `\`RUN --mount=type=secret,id=${id} ${v}="$(cat /run/secrets/${id})" <command>\` (on \`# syntax=docker/dockerfile:1.10\`: \`--mount=type=secret,id=${id},env=${v}\`)`;
  return `Build time: ${mount}, built with \`docker build --secret id=${id},env=${v}\`.`;
}

/** Build time, for a whole file: mount it where the step expects it. */
export function fileSecretFix(id: string, target: string): string {
  return `Build time: \`RUN --mount=type=secret,id=${id},target=${target} <command>\`, built with \`docker build --secret id=${id},src=<file>\`.`;
}

/** Run time: the `*_FILE` convention fed by a compose `secrets:` entry. */
export function runtimeSecretFix(name: string | undefined): string {
  const id = secretId(name);
  return `Run time: \`${secretVar(name)}_FILE=/run/secrets/${id}\` with a compose \`secrets: [${id}]\` entry.`;
}
