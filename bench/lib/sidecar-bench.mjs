// The sidecar's benchmarks, against vault-dev on loopback, with the sidecar as a real process
// (`node packages/cli/bin/stowaway.js sidecar --config FILE`): initial render, rotation latency,
// steady-state load on Vault, idle footprint, atomicity under rotation.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { hrms, mean, median, percentile, sleep, startChild } from "./util.mjs";

const SECRETS = 1000;

/**
 * The V8 flags the sidecar image runs node with, read from its ENTRYPOINT so that the bench and
 * the image cannot drift apart: ["--max-semi-space-size=1", …].
 */
export function imageNodeFlags(root) {
  const dockerfile = readFileSync(join(root, "packages/sidecar/Dockerfile"), "utf8");
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  const args = m ? JSON.parse(m[1]) : [];
  return args[0] === "node" ? args.filter((a) => a.startsWith("--")) : [];
}

export async function benchSidecar({ root, quick, log }) {
  const cli = join(root, "packages/cli/bin/stowaway.js");
  const vaultDevEntry = join(root, "packages/vault-dev/dist/index.js");
  if (!existsSync(join(root, "packages/sidecar/dist/index.js")) || !existsSync(vaultDevEntry))
    throw new Error("packages/sidecar or packages/vault-dev is not built: run `npm run build`");
  const { startVaultDev } = await import(pathToFileURL(vaultDevEntry).href);

  // Vault-dev in this process. Its request log gives the moment each poll was answered.
  const polls = [];
  const kv2 = {};
  for (let i = 0; i < SECRETS; i++) kv2[`bench/s${pad(i)}`] = { username: `svc${i}`, password: `bench-only-${i}-${"p".repeat(24)}`, host: "db.internal" };
  kv2["bench/rot"] = { value: "0" };
  kv2["bench/atomic"] = { value: atomicValue(0) };
  const vault = await startVaultDev({
    port: 0,
    seed: { kv2 },
    log: (line) => {
      if (line.startsWith("GET /v1/secret/metadata/bench/rot ")) polls.push(hrms());
    },
  });
  const shmRoot = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const work = mkdtempSync(join(tmpdir(), "stowaway-bench-sidecar-"));
  const outDirs = [];
  const children = [];
  const env = { ...process.env, VAULT_TOKEN: vault.rootToken, VAULT_ADDR: vault.url };
  let configN = 0;

  const nodeFlags = imageNodeFlags(root);
  const memHook = join(dirname(new URL(import.meta.url).pathname), "mem-hook.cjs");
  const floorScript = join(dirname(new URL(import.meta.url).pathname), "render-floor.mjs");
  const sidecar = (cfg, label, { flags = nodeFlags, memReport } = {}) => {
    const out = mkdtempSync(join(shmRoot, `stowaway-bench-${label}-`));
    outDirs.push(out);
    const config = {
      vault: { address: vault.url, auth: { method: "token" }, maxConcurrency: cfg.maxConcurrency ?? 8 },
      output: { dir: out, allowNonTmpfs: shmRoot !== "/dev/shm" },
      listen: cfg.listen ?? false,
      defaults: { refreshInterval: cfg.refreshInterval ?? "5m", revokeOld: false },
      ...(cfg.notify ? { notify: cfg.notify } : {}),
      secrets: cfg.secrets,
    };
    const file = join(work, `sidecar-${configN++}.yaml`);
    writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
    const t0 = hrms();
    const pre = memReport ? ["-r", memHook] : [];
    const h = startChild(process.execPath, [...pre, ...flags, cli, "sidecar", "--config", file], {
      env: memReport ? { ...env, STOWAWAY_BENCH_MEM_REPORT: memReport } : env,
    });
    children.push(h);
    return { ...h, dir: out, t0, config };
  };
  const stop = async (h) => {
    if (h.child.exitCode !== null || h.child.signalCode !== null) return;
    h.child.kill("SIGTERM");
    const t = setTimeout(() => h.child.kill("SIGKILL"), 5000);
    await h.exited;
    clearTimeout(t);
  };
  const kvSecrets = (n, extra = {}) =>
    Array.from({ length: n }, (_, i) => ({ path: `secret/data/bench/s${pad(i)}`, file: `s${pad(i)}.env`, format: "dotenv", ...extra }));
  const vaultWrite = async (path, data) => {
    const r = await fetch(`${vault.url}/v1/secret/data/${path}`, {
      method: "POST",
      headers: { "X-Vault-Token": vault.rootToken, "content-type": "application/json" },
      body: JSON.stringify({ data }),
    });
    if (!r.ok) throw new Error(`vault write ${path}: ${r.status}`);
    await r.arrayBuffer();
  };
  const waitFiles = async (h, n, timeoutMs) => {
    const deadline = hrms() + timeoutMs;
    for (;;) {
      let count = 0;
      try {
        count = readdirSync(h.dir).filter((f) => f.endsWith(".env") && !f.startsWith(".")).length;
      } catch {
        /* not yet */
      }
      if (count >= n) return hrms();
      if (h.child.exitCode !== null) throw new Error(`sidecar exited ${h.child.exitCode}${tail(h)}`);
      if (hrms() > deadline) throw new Error(`sidecar rendered ${count}/${n} files in ${timeoutMs} ms${tail(h)}`);
      await sleep(10);
    }
  };

  const results = { vaultDev: "in-process, loopback", outputDir: shmRoot, secrets: SECRETS };
  try {
    // ---- initial render: 1,000 KV v2 secrets as dotenv, maxConcurrency 8 and 16
    results.initialRender = [];
    for (const maxConcurrency of [8, 16]) {
      const samples = [];
      const floors = [];
      for (let run = 0; run < (quick ? 1 : 3); run++) {
        // The floor first, then the sidecar, in the same run: the same reads and atomic writes
        // from a plain node script (render-floor.mjs), so the ratio is what the sidecar adds.
        const floorDir = mkdtempSync(join(shmRoot, `stowaway-bench-floor${maxConcurrency}-`));
        outDirs.push(floorDir);
        const f0 = hrms();
        const fh = startChild(process.execPath, [floorScript, vault.url, floorDir, String(SECRETS), String(maxConcurrency)], { env });
        children.push(fh);
        await waitFiles({ ...fh, dir: floorDir }, SECRETS, 120_000);
        const floorMs = hrms() - f0;
        const fexit = await fh.exited;
        if (fexit.code !== 0) throw new Error(`render-floor.mjs exited ${fexit.code}${tail(fh)}`);
        floors.push({ ms: floorMs, cpuMs: JSON.parse(fh.out.stdout.trim().split("\n").at(-1)).cpuMs });
        vault.resetStats();
        const h = sidecar({ maxConcurrency, secrets: kvSecrets(SECRETS) }, `render${maxConcurrency}`);
        const firstAt = await waitFiles(h, 1, 60_000);
        const doneAt = await waitFiles(h, SECRETS, 120_000);
        const cpuMs = (cpuTicks(h.child.pid) / clockTicks()) * 1000;
        const stats = vault.stats();
        await stop(h);
        samples.push({ spawnToDone: doneAt - h.t0, firstToDone: doneAt - firstAt, cpuMs, peakInFlight: stats.peakInFlight, requests: stats.total });
      }
      const ms = median(samples.map((s) => s.spawnToDone));
      results.initialRender.push({
        secrets: SECRETS,
        maxConcurrency,
        runs: samples.length,
        ms,
        renderOnlyMs: median(samples.map((s) => s.firstToDone)),
        secretsPerSecond: SECRETS / (ms / 1000),
        peakInFlight: Math.max(...samples.map((s) => s.peakInFlight)),
        vaultRequests: median(samples.map((s) => s.requests)),
        cpuMs: median(samples.map((s) => s.cpuMs)),
        nodeFlags,
        floor: { ms: median(floors.map((f) => f.ms)), cpuMs: median(floors.map((f) => f.cpuMs)) },
        ratioToFloor: ms / median(floors.map((f) => f.ms)),
        cpuRatioToFloor: median(samples.map((s) => s.cpuMs)) / median(floors.map((f) => f.cpuMs)),
      });
      const R = results.initialRender.at(-1);
      log(
        `initial render, maxConcurrency ${maxConcurrency}: ${ms.toFixed(0)} ms from spawn (${median(samples.map((s) => s.firstToDone)).toFixed(0)} ms first→last file), peak in flight ${Math.max(...samples.map((s) => s.peakInFlight))}; floor ${R.floor.ms.toFixed(0)} ms → ${R.ratioToFloor.toFixed(2)}× wall, ${R.cpuRatioToFloor.toFixed(2)}× CPU`,
      );
    }

    // ---- maxConcurrency honoured: with a 5 ms delay on every Vault answer, requests overlap
    // and vault-dev's peak in-flight count shows the cap (without a delay they rarely overlap).
    results.concurrencyCheck = [];
    for (const maxConcurrency of [8, 16]) {
      vault.setFaults({ delayMs: 5 });
      vault.resetStats();
      const h = sidecar({ maxConcurrency, secrets: kvSecrets(200) }, `cap${maxConcurrency}`);
      await waitFiles(h, 200, 60_000);
      const peak = vault.stats().peakInFlight;
      vault.clearFaults();
      await stop(h);
      results.concurrencyCheck.push({ maxConcurrency, secrets: 200, delayMs: 5, peakInFlight: peak });
    }
    log(`concurrency cap: ${results.concurrencyCheck.map((c) => `maxConcurrency ${c.maxConcurrency} → peak ${c.peakInFlight} in flight`).join(", ")}`);

    // ---- rotation latency: bump one secret, 1 s refresh; write → file changed → notification
    {
      const notifications = [];
      const server = createServer((req, res) => {
        notifications.push(hrms());
        req.resume();
        res.end("ok");
      });
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      const notifyUrl = `http://127.0.0.1:${server.address().port}/reload`;
      const debounce = "0ms";
      const h = sidecar(
        {
          refreshInterval: "1s",
          notify: { debounce, http: { url: notifyUrl, retries: 0 } },
          secrets: [{ path: "secret/data/bench/rot", file: "rot.env", format: "dotenv" }],
        },
        "rotation",
      );
      await waitFiles(h, 1, 30_000);
      const file = join(h.dir, "rot.env");
      let want = -1;
      let changedAt = 0;
      const check = () => {
        if (want < 0 || changedAt) return;
        try {
          const m = /value="?(\d+)/.exec(readFileSync(file, "utf8"));
          if (m && Number(m[1]) === want) changedAt = hrms();
        } catch {
          /* mid-rename: the next event will tell */
        }
      };
      const watcher = watch(h.dir, check);
      const bumps = quick ? 10 : 100;
      const samples = [];
      let misses = 0;
      for (let i = 1; i <= bumps; i++) {
        await sleep(50 + Math.random() * 450); // a random phase against the poll timer
        changedAt = 0;
        const nBefore = notifications.length;
        const tw = hrms();
        want = i;
        await vaultWrite("bench/rot", { value: String(i) });
        const written = hrms();
        const deadline = written + 5000;
        while ((!changedAt || notifications.length === nBefore) && hrms() < deadline) {
          check();
          await sleep(1);
        }
        if (!changedAt || notifications.length === nBefore) {
          misses++;
          continue;
        }
        const notifiedAt = notifications[nBefore];
        const pollAt = polls.find((t) => t >= written) ?? NaN;
        samples.push({
          writeToFile: changedAt - tw,
          writeToNotify: notifiedAt - tw,
          pollToFile: changedAt - pollAt,
          pollToNotify: notifiedAt - pollAt,
          writeToPoll: pollAt - tw,
        });
      }
      watcher.close();
      await stop(h);
      server.close();
      const dist = (k) => ({
        p50: percentile(
          samples.map((s) => s[k]),
          50,
        ),
        p95: percentile(
          samples.map((s) => s[k]),
          95,
        ),
        p99: percentile(
          samples.map((s) => s[k]),
          99,
        ),
        max: Math.max(...samples.map((s) => s[k])),
      });
      results.rotation = {
        refreshIntervalMs: 1000,
        debounce,
        samples: samples.length,
        missed: misses,
        writeToFile: dist("writeToFile"),
        writeToNotify: dist("writeToNotify"),
        waitForPoll: dist("writeToPoll"),
        // What the sidecar adds on top of waiting for its next poll: from the poll that saw the
        // new version to the file renamed into place, and to the notification received.
        beyondRefresh: dist("pollToNotify"),
        pollToFile: dist("pollToFile"),
        // The literal reading: total write→notification minus the 1 s interval (negative when within it).
        writeToNotifyMinusInterval: { p50: dist("writeToNotify").p50 - 1000, p95: dist("writeToNotify").p95 - 1000, p99: dist("writeToNotify").p99 - 1000 },
      };
      log(
        `rotation: write→notify p50 ${results.rotation.writeToNotify.p50.toFixed(0)} ms, beyond the poll p50 ${results.rotation.beyondRefresh.p50.toFixed(1)} / p99 ${results.rotation.beyondRefresh.p99.toFixed(1)} ms (${samples.length} bumps, ${misses} missed)`,
      );
    }

    // ---- steady state: 1,000 secrets at a 60 s interval; requests per second seen by Vault
    {
      const intervalMs = quick ? 6000 : 60_000;
      const windowMs = 2 * intervalMs;
      const h = sidecar({ refreshInterval: `${intervalMs}ms`, secrets: kvSecrets(SECRETS) }, "steady");
      await waitFiles(h, SECRETS, 120_000);
      // Start counting at the next whole second after the initial render.
      await sleep(1000 - (Date.now() % 1000) + 1000);
      const startSec = Math.floor(Date.now() / 1000);
      await sleep(windowMs);
      const endSec = Math.floor(Date.now() / 1000); // exclusive: the current second is incomplete
      const per = vault.stats().perSecond;
      await stop(h);
      const counts = [];
      for (let s = startSec; s < endSec; s++) counts.push(per[String(s)] ?? 0);
      const total = counts.reduce((a, b) => a + b, 0);
      const meanRps = total / counts.length;
      const peak = Math.max(...counts);
      results.steadyState = {
        secrets: SECRETS,
        intervalMs,
        windowMs: counts.length * 1000,
        requests: total,
        meanRps,
        peakPerSecond: peak,
        peakToMean: peak / meanRps,
        expectedRps: SECRETS / (intervalMs / 1000),
        perSecond: counts,
      };
      log(`steady state: ${meanRps.toFixed(1)} req/s mean, peak ${peak}/s (${(peak / meanRps).toFixed(2)}× mean)`);
    }

    // ---- footprint: a bare node process and idle sidecars with 10, 100, 1,000 secrets (with the
    // image's V8 flags) and 10, 1,000 (without), measured side by side over the same window.
    {
      const windowMs = quick ? 5000 : 60_000;
      const hz = clockTicks();
      const memFile = (label) => join(work, `mem-${label}.json`);
      const bareLabel = "bare";
      const bare = startChild(process.execPath, ["-r", memHook, "-e", "setInterval(() => {}, 2 ** 30)"], {
        env: { ...process.env, STOWAWAY_BENCH_MEM_REPORT: memFile(bareLabel) },
      });
      children.push(bare);
      const variants = [
        ...[10, 100, SECRETS].map((n) => ({ n, flags: nodeFlags, label: `idle${n}` })),
        ...(nodeFlags.length ? [10, SECRETS].map((n) => ({ n, flags: [], label: `idle${n}-noflags` })) : []),
      ];
      const hs = variants.map((v) => ({ ...v, h: sidecar({ secrets: kvSecrets(v.n) }, v.label, { flags: v.flags, memReport: memFile(v.label) }) }));
      const procs = [{ label: bareLabel, h: bare }, ...hs];
      // The start-up peak: RSS from the spawn until the idle window opens, sampled every 250 ms.
      const startRss = procs.map(() => []);
      let starting = true;
      const sampleStart = (async () => {
        while (starting) {
          procs.forEach(({ h }, i) => {
            startRss[i].push(rssKb(h.child.pid));
          });
          await sleep(250);
        }
      })();
      for (const { n, h } of hs) await waitFiles(h, n, 120_000);
      // Let start-up garbage settle: V8 keeps it until its memory reducer runs, 8 s after the
      // start-up's allocations (--gc-memory-reducer-start-delay-ms, default 8000), so the idle
      // window opens 10 s after the last render (1 s with --quick, which therefore still sees it).
      await sleep(quick ? 1000 : 10_000);
      starting = false;
      await sampleStart;
      const start = procs.map(({ h }) => cpuTicks(h.child.pid));
      const rss = procs.map(() => []);
      const t0 = hrms();
      while (hrms() - t0 < windowMs) {
        procs.forEach(({ h }, i) => {
          rss[i].push(rssKb(h.child.pid));
        });
        await sleep(1000);
      }
      const elapsed = hrms() - t0;
      const end = procs.map(({ h }) => cpuTicks(h.child.pid));
      for (const { h } of procs) h.child.kill("SIGUSR2");
      await sleep(500);
      const mem = procs.map(({ label }) => {
        try {
          return JSON.parse(readFileSync(memFile(label), "utf8"));
        } catch {
          return undefined;
        }
      });
      const bareRssKb = Math.max(...rss[0]);
      const row = (i) => ({
        windowMs: elapsed,
        startPeakRssKb: Math.max(...startRss[i].filter(Number.isFinite)),
        rssKb: Math.max(...rss[i]),
        rssMeanKb: mean(rss[i]),
        heapUsedKb: mem[i] ? mem[i].heapUsed / 1024 : NaN,
        heapTotalKb: mem[i] ? mem[i].heapTotal / 1024 : NaN,
        externalKb: mem[i] ? mem[i].external / 1024 : NaN,
        cpuPercent: (((end[i] - start[i]) / hz) * 1000 * 100) / elapsed,
      });
      results.bareNode = row(0);
      results.footprint = hs.map(({ n, flags }, k) => ({
        secrets: n,
        nodeFlags: flags,
        ...row(k + 1),
        ratioToBareNode: Math.max(...rss[k + 1]) / bareRssKb,
        startPeakRatioToBareNode: Math.max(...startRss[k + 1].filter(Number.isFinite)) / bareRssKb,
      }));
      for (const { h } of hs) await stop(h);
      await stop(bare);
      const mbs = (kb) => `${(kb / 1024).toFixed(0)} MB`;
      log(
        `footprint: bare node ${mbs(bareRssKb)}; ${results.footprint.map((f) => `${f.secrets}${f.nodeFlags.length ? "" : " (no flags)"} → ${mbs(f.rssKb)} = ${f.ratioToBareNode.toFixed(2)}× (start-up peak ${mbs(f.startPeakRssKb)} = ${f.startPeakRatioToBareNode.toFixed(2)}×; heap ${mbs(f.heapUsedKb)} used of ${mbs(f.heapTotalKb)}), ${f.cpuPercent.toFixed(2)}% CPU`).join("; ")}`,
      );
    }

    // ---- atomicity: readers hammer a file that rotates every ~100 ms; count torn reads
    {
      const windowMs = quick ? 4000 : 20_000;
      const h = sidecar({ refreshInterval: "50ms", secrets: [{ path: "secret/data/bench/atomic", file: "atomic.env", format: "dotenv" }] }, "atomic");
      await waitFiles(h, 1, 30_000);
      const file = join(h.dir, "atomic.env");
      const readers = Array.from({ length: 2 }, () => new Worker(READER, { eval: true, workerData: { file, ms: windowMs } }));
      const done = readers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once("message", resolve);
            w.once("error", reject);
          }),
      );
      let n = 0;
      const t0 = hrms();
      while (hrms() - t0 < windowMs) {
        await vaultWrite("bench/atomic", { value: atomicValue(++n) });
        await sleep(100);
      }
      const counts = await Promise.all(done);
      await stop(h);
      const seen = new Set(counts.flatMap((c) => c.versions));
      results.atomicity = {
        windowMs,
        readers: readers.length,
        fileBytes: Buffer.byteLength(atomicValue(0)) + 8,
        writes: n,
        rotations: Math.max(0, seen.size - 1),
        reads: counts.reduce((a, c) => a + c.reads, 0),
        tornReads: counts.reduce((a, c) => a + c.torn, 0),
        missingReads: counts.reduce((a, c) => a + c.missing, 0),
      };
      log(
        `atomicity: ${results.atomicity.reads} reads during ${results.atomicity.rotations} rotations, ${results.atomicity.tornReads} torn, ${results.atomicity.missingReads} missing`,
      );
    }
    return results;
  } finally {
    for (const h of children) await stop(h).catch(() => {});
    await vault.close();
    for (const d of outDirs) rmSync(d, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

const pad = (i) => String(i).padStart(4, "0");

/** A 32 KiB value whose head and tail name the same version: a torn read mixes two or is short. */
function atomicValue(n) {
  return `${n}|${"x".repeat(32 * 1024)}|${n}`;
}

const READER = `
const { readFileSync } = require("node:fs");
const { parentPort, workerData } = require("node:worker_threads");
const { file, ms } = workerData;
const re = /^value="(\\d+)\\|(x+)\\|(\\d+)"\\n?$/;
let reads = 0, torn = 0, missing = 0;
const versions = new Set();
const end = Date.now() + ms;
while (Date.now() < end) {
  let text;
  try { text = readFileSync(file, "utf8"); } catch (e) { if (e.code === "ENOENT") { missing++; continue; } throw e; }
  reads++;
  const m = re.exec(text);
  if (!m || m[1] !== m[3] || m[2].length !== 32768) torn++;
  else versions.add(m[1]);
}
parentPort.postMessage({ reads, torn, missing, versions: [...versions] });
`;

function tail(h) {
  return h?.out ? `\n${h.out.stderr.slice(-600)}${h.out.stdout.slice(-600)}` : "";
}

function clockTicks() {
  return 100; // USER_HZ on Linux
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export async function freePort() {
  const s = createNetServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}
