/**
 * The torn-pair test: 1,000 readers open the certificate and then the key by
 * their stable paths while the writer rotates the pair 500 times.
 *
 * A reader confirms its pair by opening the certificate once more: when the
 * two certificate reads agree, the key it read in between must belong to
 * them. With the unit writer (one symlink swap per rotation) a confirmed pair
 * always matches. With the two files renamed one by one (what a per-file
 * atomic write does) the state "new certificate, old key" is itself visible,
 * so readers confirm torn pairs: the same test fails, as it must.
 *
 * The readers run in worker threads with synchronous reads, so they really
 * interleave with the writer's renames instead of queueing behind it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeAtomic } from "./atomic.js";
import { fsTypeOf } from "./tmpfs.js";
import { writeUnit } from "./unit.js";

const READERS = 1000;
const THREADS = 4;
const ROTATIONS = 500;

const shmIsTmpfs = (() => {
  try {
    return fsTypeOf("/dev/shm") === "tmpfs";
  } catch {
    return false;
  }
})();

// Each thread steps its share of the readers round-robin: read cert, read key, re-read cert.
const READER_CODE = `
const { workerData, parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const { cert, key, readers, stop } = workerData;
const flag = new Int32Array(stop);
const version = (b) => /#(\\d+)#/.exec(b.toString("latin1", 0, 64))?.[1];
const st = Array.from({ length: readers }, () => ({ step: 0, c1: "", k: "" }));
const out = { pairs: 0, confirmed: 0, confirmedMismatch: 0, naiveMismatch: 0, unconfirmed: 0, errors: 0, errorCodes: {} };
let rounds = 0;
while (Atomics.load(flag, 0) === 0 || rounds < 3) {
  for (const r of st) {
    try {
      if (r.step === 0) { r.c1 = version(fs.readFileSync(cert)); r.step = 1; }
      else if (r.step === 1) { r.k = version(fs.readFileSync(key)); r.step = 2; }
      else {
        const c2 = version(fs.readFileSync(cert));
        out.pairs++;
        if (r.c1 !== r.k) out.naiveMismatch++;
        if (r.c1 === c2) { out.confirmed++; if (r.k !== r.c1) out.confirmedMismatch++; } else out.unconfirmed++;
        r.step = 0;
      }
    } catch (e) {
      out.errors++;
      out.errorCodes[e.code] = (out.errorCodes[e.code] || 0) + 1;
      r.step = 0;
    }
  }
  rounds++;
}
parentPort.postMessage(out);
`;

interface Tally {
  pairs: number;
  confirmed: number;
  confirmedMismatch: number;
  naiveMismatch: number;
  unconfirmed: number;
  errors: number;
  errorCodes: Record<string, number>;
}

const pem = (label: string, n: number, size: number) => Buffer.from(`-----BEGIN ${label}-----\n#${n}#${"A".repeat(size)}\n-----END ${label}-----\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function race(dir: string, rotate: (n: number) => Promise<void>): Promise<Tally> {
  await rotate(0);
  const stop = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(READER_CODE, {
        eval: true,
        workerData: { cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key"), readers: READERS / THREADS, stop },
      }),
  );
  const results = workers.map(
    (w) =>
      new Promise<Tally>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      }),
  );
  try {
    for (let n = 1; n <= ROTATIONS; n++) {
      await rotate(n);
      await sleep(1);
    }
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
  }
  const all = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  const sum: Tally = { pairs: 0, confirmed: 0, confirmedMismatch: 0, naiveMismatch: 0, unconfirmed: 0, errors: 0, errorCodes: {} };
  for (const t of all) {
    for (const k of ["pairs", "confirmed", "confirmedMismatch", "naiveMismatch", "unconfirmed", "errors"] as const) sum[k] += t[k];
    for (const [c, v] of Object.entries(t.errorCodes)) sum.errorCodes[c] = (sum.errorCodes[c] ?? 0) + v;
  }
  return sum;
}

describe.skipIf(!shmIsTmpfs)(`${READERS} readers, ${ROTATIONS} rotations of a cert/key pair`, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync("/dev/shm/stowaway-readers-");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("the unit writer: every confirmed pair matches, and no read fails", async () => {
    const t = await race(dir, async (n) => {
      await writeUnit(
        dir,
        [
          { name: "tls.crt", bytes: pem("CERTIFICATE", n, 1200), mode: 0o444 },
          { name: "tls.key", bytes: pem("EC PRIVATE KEY", n, 200), mode: 0o400 },
        ],
        { dirMode: 0o700 },
      );
    });
    console.log(`unit writer: ${JSON.stringify(t)}`);
    expect(t.confirmed).toBeGreaterThan(1000);
    expect(t.confirmedMismatch).toBe(0);
    expect(t.errors).toBe(0);
  }, 120_000);

  it("files written one by one: readers confirm torn pairs (the test can fail)", async () => {
    const t = await race(dir, async (n) => {
      await writeAtomic(dir, "tls.crt", pem("CERTIFICATE", n, 1200), { mode: 0o444 }, 0o700);
      await writeAtomic(dir, "tls.key", pem("EC PRIVATE KEY", n, 200), { mode: 0o400 }, 0o700);
    });
    console.log(`one by one: ${JSON.stringify(t)}`);
    expect(t.confirmedMismatch).toBeGreaterThan(0);
  }, 120_000);
});
