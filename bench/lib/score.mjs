// Precision and recall of a tool's findings against the corpus labels, matched by (file, line).

/**
 * @param {{ file: string, line: number }[]} findings  already restricted to what the tool "reports"
 * @param {{ files: { file: string, labelled: boolean }[], labels: { file: string, line: number, endLine?: number, kind: string, secret: boolean }[] }} corpus
 *
 * A finding is counted once per (file, line). It is a true positive when the line falls inside a
 * secret's span (line..endLine: multi-line values such as PEM blocks), otherwise a false positive,
 * attributed to the look-alike on that line when there is one. A finding on a fixture's neutral
 * label (an expected finding whose value is no secret: an ARG name, a copied path) counts as neither.
 * A planted secret is found when any finding lands in its span. Only labelled files count.
 */
export function score(findings, corpus) {
  const labelled = new Set(corpus.files.filter((f) => f.labelled).map((f) => f.file));
  const byFile = new Map();
  for (const l of corpus.labels) {
    if (!labelled.has(l.file)) continue;
    const list = byFile.get(l.file) ?? [];
    list.push({ ...l, endLine: l.endLine ?? l.line });
    byFile.set(l.file, list);
  }
  const seen = new Set();
  const found = new Set();
  let tp = 0;
  let fp = 0;
  let neutral = 0;
  const fpByKind = {};
  const fpByRule = {};
  for (const f of findings) {
    if (!labelled.has(f.file)) continue;
    const key = `${f.file}\0${f.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const here = (byFile.get(f.file) ?? []).filter((l) => f.line >= l.line && f.line <= l.endLine);
    const secrets = here.filter((l) => l.secret);
    if (!secrets.length && here.some((l) => l.neutral)) {
      neutral++;
      continue;
    }
    if (secrets.length) {
      tp++;
      for (const s of secrets) found.add(s);
    } else {
      fp++;
      const kind = here[0]?.kind ?? "unlabelled line";
      fpByKind[kind] = (fpByKind[kind] ?? 0) + 1;
      if (f.ruleId) fpByRule[f.ruleId] = (fpByRule[f.ruleId] ?? 0) + 1;
    }
  }
  const allSecrets = [...byFile.values()].flat().filter((l) => l.secret);
  const recallByKind = {};
  for (const s of allSecrets) {
    const r = (recallByKind[s.kind] ??= { planted: 0, found: 0 });
    r.planted++;
    if (found.has(s)) r.found++;
  }
  const decoys = [...byFile.values()].flat().filter((l) => !l.secret && !l.neutral).length;
  return {
    findings: seen.size,
    truePositives: tp,
    falsePositives: fp,
    neutralFindings: neutral,
    secretsPlanted: allSecrets.length,
    secretsFound: found.size,
    lookAlikes: decoys,
    precision: tp + fp ? tp / (tp + fp) : NaN,
    recall: allSecrets.length ? found.size / allSecrets.length : NaN,
    falsePositivesByKind: fpByKind,
    falsePositivesByRule: fpByRule,
    recallByKind,
  };
}

export const f1 = (s) => (s.precision + s.recall ? (2 * s.precision * s.recall) / (s.precision + s.recall) : 0);
