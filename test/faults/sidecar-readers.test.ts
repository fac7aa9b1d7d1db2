import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { writeAtomic } from "../../packages/sidecar/src/write/index.js";
import { faultEnv, fileText, leaks, makeTmpfs, readyz, spawnSidecar, until } from "./sidecar-helpers.js";

/** Self-checking content: a reader can tell a whole version from a torn, truncated or empty one. */
function version(k: number, tag: string): Buffer {
  const payload = randomBytes(256 + ((k * 7919) % 8000)).toString("base64url");
  return Buffer.from(`BEGIN:${tag}:${k}:${payload.length}:${payload}:END:${k}`);
}

// Reader threads: `readers` async loops re-reading `file` until told to stop. A read is good when
// it parses as one whole version. A watcher loop also records the mode of every temp file it sees
// (and counts them in shared memory, so the writer can tell whether any was seen yet).
const READER = `
const { workerData, parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const { file, readers, stop, watchTemps } = workerData;
const flag = new Int32Array(stop);
const RE = /^BEGIN:[^:]+:(\\d+):(\\d+):([A-Za-z0-9_-]*):END:(\\d+)$/;
let reads = 0, bad = 0, missing = 0, versions = new Set(), worldReadableTemps = 0, tempsSeen = 0;
const example = [];
async function reader() {
  while (Atomics.load(flag, 0) === 0) {
    let text;
    try { text = await fs.promises.readFile(file, "utf8"); } catch (e) { missing++; continue; }
    reads++;
    const m = RE.exec(text);
    if (!m || m[1] !== m[4] || Number(m[2]) !== m[3].length) { bad++; if (example.length < 3) example.push(text.length); }
    else versions.add(m[1]);
  }
}
async function watcher() {
  const dir = path.dirname(file);
  while (Atomics.load(flag, 0) === 0) {
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(".stowaway-tmp-")) continue;
      try { const st = fs.lstatSync(path.join(dir, name)); tempsSeen++; Atomics.add(flag, 1, 1); if (st.mode & 0o077) worldReadableTemps++; } catch {}
    }
    await new Promise((r) => setImmediate(r));
  }
}
Promise.all([...Array.from({ length: readers }, reader), ...(watchTemps ? [watcher()] : [])]).then(() =>
  parentPort.postMessage({ reads, bad, missing, versions: versions.size, worldReadableTemps, tempsSeen, example }));
`;

interface ReaderResult {
  reads: number;
  bad: number;
  missing: number;
  versions: number;
  worldReadableTemps: number;
  tempsSeen: number;
  example: number[];
}

function startReaders(file: string, threads: number, perThread: number): { tempsSeen(): number; stop(): Promise<ReaderResult> } {
  // [0]: stop flag, [1]: temp files seen so far.
  const stop = new SharedArrayBuffer(8);
  const workers = Array.from(
    { length: threads },
    (_, i) => new Worker(READER, { eval: true, workerData: { file, readers: perThread, stop, watchTemps: i === 0 } }),
  );
  const results = workers.map(
    (w) =>
      new Promise<ReaderResult>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      }),
  );
  return {
    tempsSeen: () => Atomics.load(new Int32Array(stop), 1),
    async stop() {
      Atomics.store(new Int32Array(stop), 0, 1);
      const all = await Promise.all(results);
      await Promise.all(workers.map((w) => w.terminate()));
      return all.reduce((a, r) => ({
        reads: a.reads + r.reads,
        bad: a.bad + r.bad,
        missing: a.missing + r.missing,
        versions: Math.max(a.versions, r.versions),
        worldReadableTemps: a.worldReadableTemps + r.worldReadableTemps,
        tempsSeen: a.tempsSeen + r.tempsSeen,
        example: [...a.example, ...r.example],
      }));
    },
  };
}

// Issue 8: 1,000 concurrent readers while the file rotates 1,000 times: zero torn or empty reads.
describe("sidecar fault: readers during rotation", () => {
  let tmpfs: { dir: string; cleanup(): void };
  beforeAll(() => {
    tmpfs = makeTmpfs();
  });
  afterAll(() => tmpfs?.cleanup());

  it("in-process: 1,000 readers on 4 threads, 1,000 atomic rotations, zero torn, empty or missing reads; temps never group/world-readable", async () => {
    const root = path.join(tmpfs.dir, "readers");
    mkdirSync(root, { mode: 0o700 });
    const file = path.join(root, "secret");
    await writeAtomic(root, "secret", version(0, "ip"), { mode: 0o400 }, 0o700);
    const readers = startReaders(file, 4, 250);
    await new Promise((r) => setTimeout(r, 100)); // let every reader start
    for (let k = 1; k <= 1000; k++) await writeAtomic(root, "secret", version(k, "ip"), { mode: 0o400 }, 0o700);
    const r = await readers.stop();
    expect(r.bad, `torn reads (lengths ${r.example.join(", ")})`).toBe(0);
    expect(r.missing).toBe(0);
    expect(r.reads).toBeGreaterThan(5000);
    expect(r.versions).toBeGreaterThan(50);
    // The mode check means something only if temp files were seen (hundreds are, in 1,000 rotations).
    expect(r.tempsSeen).toBeGreaterThan(0);
    expect(r.worldReadableTemps).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^BEGIN:ip:1000:/);
  }, 60_000);
});

describe("sidecar fault: readers during rotation (end to end)", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  beforeAll(async () => {
    env = await faultEnv({});
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  it("the real sidecar rotating a file 15 times (and on until a temp file was seen) under 200 readers: zero torn or empty reads; temps 0600", async () => {
    const first = version(0, "e2e").toString();
    leaks.secret(first);
    await env.kvPut("rot/x", { v: first });
    const { file, out } = env.config(`  - path: secret/data/rot/x\n    file: x\n    format: raw\n    key: v\n`, { refresh: "100ms" });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const readers = startReaders(path.join(out, "x"), 2, 100);
      // A temp file lives for well under a millisecond, so the watcher catches one in a few
      // rotations only: keep rotating (up to 150) until it has, so the mode check never passes empty.
      let k = 0;
      while (k < 15 || (readers.tempsSeen() === 0 && k < 150)) {
        const v = version(++k, "e2e").toString();
        leaks.secret(v);
        await env.kvPut("rot/x", { v });
        await until(`rotation ${k}`, () => fileText(path.join(out, "x")) === v, 3000, 5);
      }
      const r = await readers.stop();
      expect(r.bad, `torn reads (lengths ${r.example.join(", ")})`).toBe(0);
      expect(r.missing).toBe(0);
      expect(r.versions).toBeGreaterThanOrEqual(8);
      expect(r.tempsSeen, `no temp file seen in ${k} rotations`).toBeGreaterThan(0);
      expect(r.worldReadableTemps).toBe(0);
    } finally {
      await p.stop();
      rmSync(path.join(out, "x"), { force: true });
    }
  }, 90_000);
});
