// The benchmark corpus generator (bench/lib/corpus.mjs): deterministic, and its labels point at
// the lines holding the planted values. Nothing here is timed; the benchmarks run with `npm run bench`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-ignore -- plain .mjs bench script without type declarations
import { generateCorpus, shardSizes } from "../../bench/lib/corpus.mjs";
// @ts-ignore -- plain .mjs bench script without type declarations
import { score } from "../../bench/lib/score.mjs";

interface Label {
  file: string;
  line: number;
  endLine: number;
  kind: string;
  secret: boolean;
  value: string;
}
interface Labels {
  seed: number;
  shards: string[];
  files: { file: string; kind: string; bytes: number; labelled: boolean }[];
  labels: Label[];
}

const dirs: string[] = [];
function generate(seed: number): { dir: string; labels: Labels } {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-bench-corpus-"));
  dirs.push(dir);
  generateCorpus({ outDir: dir, files: 20, seed });
  return { dir, labels: JSON.parse(readFileSync(join(dir, "labels.json"), "utf8")) as Labels };
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("bench corpus generator", () => {
  const a = generate(7);
  const b = generate(7);

  it("is deterministic: the same seed gives byte-identical files and labels", () => {
    expect([...snapshot(a.dir).entries()]).toEqual([...snapshot(b.dir).entries()]);
    const c = generate(8);
    expect(readFileSync(join(c.dir, "labels.json"), "utf8")).not.toEqual(readFileSync(join(a.dir, "labels.json"), "utf8"));
  });

  it("writes the requested number of files in nested shards", () => {
    expect(a.labels.files).toHaveLength(20);
    expect(shardSizes(20).reduce((x: number, y: number) => x + y, 0)).toBe(20);
    expect(shardSizes(2000)).toEqual([250, 250, 500, 1000]);
    for (const f of a.labels.files) expect(statSync(join(a.dir, f.file)).size).toBe(f.bytes);
  });

  it("labels point at lines that contain the planted values", () => {
    const { dir, labels } = a;
    expect(labels.labels.some((l) => l.secret)).toBe(true);
    expect(labels.labels.some((l) => !l.secret)).toBe(true);
    for (const l of labels.labels) {
      const lines = readFileSync(join(dir, l.file), "utf8").split("\n");
      expect(l.line).toBeGreaterThanOrEqual(1);
      expect(l.endLine).toBeGreaterThanOrEqual(l.line);
      const span = lines.slice(l.line - 1, l.endLine).join("\n");
      expect(span, `${l.file}:${l.line} (${l.kind})`).toContain(l.value);
    }
  });

  it("plants unique secret values", () => {
    const values = a.labels.labels.filter((l) => l.secret).map((l) => l.value);
    expect(new Set(values).size).toBe(values.length);
  });

  it("scores findings by (file, line) against the labels", () => {
    const secrets = a.labels.labels.filter((l) => l.secret);
    const decoy = a.labels.labels.find((l) => !l.secret)!;
    const perfect = score(
      secrets.map((l) => ({ file: l.file, line: l.line })),
      a.labels,
    );
    expect(perfect.precision).toBe(1);
    expect(perfect.recall).toBe(1);
    const noisy = score(
      [
        { file: decoy.file, line: decoy.line },
        { file: secrets[0].file, line: secrets[0].line },
      ],
      a.labels,
    );
    expect(noisy.truePositives).toBe(1);
    expect(noisy.falsePositives).toBe(1);
    expect(noisy.falsePositivesByKind[decoy.kind]).toBe(1);
  });
});
