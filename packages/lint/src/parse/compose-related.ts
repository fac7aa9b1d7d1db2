import path from "node:path";
import type { LintTarget } from "../types.js";
import type { ComposeDoc } from "./compose.js";

// The files a compose file pulls in: env files, included and extended compose files, Dockerfiles.

const REMOTE_CONTEXT = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i;

/** Paths we cannot resolve without the environment (`${VAR}`) are left out. */
function isInterpolated(p: string): boolean {
  return /\$(?!\$)/.test(p);
}

function displayJoin(displayDir: string, ...parts: string[]): string {
  const joined = path.posix.normalize(path.posix.join(displayDir.replace(/\\/g, "/"), ...parts.map((p) => p.replace(/\\/g, "/"))));
  return joined;
}

/**
 * Files a compose file pulls in, for the engine to lint next: each service's `env_file`s,
 * the project's `.env` (interpolation source, optional), compose files it `include`s or
 * `extends` from, and each local build's Dockerfile together with its build context.
 */
export function composeRelatedTargets(doc: ComposeDoc, target: LintTarget): LintTarget[] {
  const out: LintTarget[] = [];
  const seen = new Set<string>();
  const absDir = path.dirname(target.absPath);
  const displayDir = path.posix.dirname(target.file.replace(/\\/g, "/"));
  const add = (t: LintTarget) => {
    const key = `${t.kind}\0${t.absPath}\0${t.contextDir ?? ""}`;
    if (seen.has(key)) {
      // A file one service requires and another marks optional is required.
      if (!t.optional) {
        const prev = out.find((o) => `${o.kind}\0${o.absPath}\0${o.contextDir ?? ""}` === key);
        if (prev) delete prev.optional;
      }
      return;
    }
    seen.add(key);
    out.push(t);
  };

  for (const svc of doc.services) {
    for (const ef of svc.envFiles) {
      if (isInterpolated(ef.path)) continue;
      const rel = ef.path.replace(/\$\$/g, "$");
      const t: LintTarget = { kind: "env", file: displayJoin(displayDir, rel), absPath: path.resolve(absDir, rel) };
      if (!ef.required) t.optional = true;
      add(t);
    }
  }
  add({ kind: "env", file: displayJoin(displayDir, ".env"), absPath: path.resolve(absDir, ".env"), optional: true });

  for (const f of doc.composeFiles) {
    if (REMOTE_CONTEXT.test(f) || /^oci:/i.test(f) || isInterpolated(f)) continue;
    const rel = f.replace(/\$\$/g, "$");
    add({ kind: "compose", file: path.isAbsolute(rel) ? rel : displayJoin(displayDir, rel), absPath: path.resolve(absDir, rel) });
  }

  for (const svc of doc.services) {
    const b = svc.build;
    if (!b || b.inline || REMOTE_CONTEXT.test(b.context) || isInterpolated(b.context) || isInterpolated(b.dockerfile)) continue;
    if (REMOTE_CONTEXT.test(b.dockerfile)) continue;
    const contextDir = path.resolve(absDir, b.context);
    const absPath = path.resolve(contextDir, b.dockerfile);
    const file = path.isAbsolute(b.dockerfile) ? b.dockerfile : displayJoin(displayDir, b.context, b.dockerfile);
    add({ kind: "dockerfile", file, absPath, contextDir });
  }
  return out;
}
