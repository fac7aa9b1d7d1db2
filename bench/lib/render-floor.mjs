// The floor for the sidecar's initial render: a plain node script doing the same work with nothing
// else. For each KV v2 secret it reads metadata/ and data/ (8 in flight, built-in fetch, one
// keep-alive pool), renders dotenv and writes the file atomically as the sidecar does (temp file in
// the same directory, O_EXCL, fchmod 0600, fsync, rename). No config parsing, logging, metrics,
// retries or path checks: what is left is node's start-up, HTTP and the file system.
// Usage: node render-floor.mjs <vault url> <out dir> <count> [concurrency]   (VAULT_TOKEN in env)
import { constants, promises as fs } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

const [url, out, countArg, concArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concArg ?? 8);
const headers = { "X-Vault-Token": process.env.VAULT_TOKEN ?? "", "X-Vault-Request": "true" };
const pad = (i) => String(i).padStart(4, "0");

async function get(path) {
  const r = await fetch(`${url}/v1/${path}`, { headers });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.json();
}

async function writeAtomic(file, bytes) {
  const tmp = join(out, `.tmp-${randomBytes(6).toString("hex")}`);
  const fh = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.chmod(0o600);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, join(out, file));
}

async function one(i) {
  await get(`secret/metadata/bench/s${pad(i)}`);
  const body = await get(`secret/data/bench/s${pad(i)}`);
  const data = body.data.data;
  const text = Object.keys(data)
    .map((k) => `${k.toUpperCase()}=${JSON.stringify(String(data[k]))}\n`)
    .join("");
  await writeAtomic(`s${pad(i)}.env`, Buffer.from(text));
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) await one(next++);
  }),
);

// The parent reads this process's CPU time from its last line.
const cpu = process.cpuUsage();
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }));
