#!/usr/bin/env node
// `npm run demo`: the whole product on a fresh machine, nothing else installed.
//  1. lint the example gallery (bad files, then their fixes);
//  2. start vault-dev in-process and run the sidecar against it onto a tmpfs;
//  3. bump a secret and show the file change and the app's notification, with timings;
//  4. clean up.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = path.join(root, "packages/cli/bin/stowaway.js");
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (tty ? `\u001b[1m${s}\u001b[0m` : s);
const dim = (s) => (tty ? `\u001b[2m${s}\u001b[0m` : s);
const step = (n, title) => console.log(`\n${bold(`── ${n}. ${title} `.padEnd(72, "─"))}`);
const ms = (t0) => `${Math.round(performance.now() - t0)} ms`;
const redact = (v) => `${v.slice(0, Math.min(4, Math.floor(v.length / 3)))}…`;
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const started = performance.now();

async function until(what, check, timeoutMs = 10_000) {
  const t0 = performance.now();
  for (;;) {
    const v = check();
    if (v) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function lint(args) {
  try {
    return {
      code: 0,
      out: execFileSync(process.execPath, [cli, "lint", ...args], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ...(tty ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }) },
      }),
    };
  } catch (err) {
    return { code: err.status, out: String(err.stdout ?? "") + String(err.stderr ?? "") };
  }
}

// ── 1. lint ──────────────────────────────────────────────────────────────────────────────
step(1, "stowaway lint examples/dockerfiles/bad");
let t0 = performance.now();
const bad = lint(["examples/dockerfiles/bad"]);
process.stdout.write(bad.out);
console.log(dim(`exit code ${bad.code} (1 = findings) in ${ms(t0)}`));
step(1, "stowaway lint examples/dockerfiles/fixed");
t0 = performance.now();
const fixed = lint(["examples/dockerfiles/fixed"]);
process.stdout.write(fixed.out || "no findings\n");
console.log(dim(`exit code ${fixed.code} in ${ms(t0)}`));
if (bad.code !== 1 || fixed.code !== 0) {
  console.error("demo: unexpected lint result");
  process.exitCode = 1;
}

// ── 2. sidecar ───────────────────────────────────────────────────────────────────────────
const { startVaultDev } = await import(path.join(root, "packages/vault-dev/dist/index.js"));
const fresh = (p) => `${p}-${randomBytes(9).toString("base64url")}`;
const roleId = fresh("role");
const secretId = fresh("sid");
let password = fresh("pw");

step(2, "vault-dev + stowaway sidecar onto a tmpfs");
const vault = await startVaultDev({
  port: 0,
  seed: {
    kv2: { "app/db": { username: "app", password } },
    approle: { demo: { role_id: roleId, secret_id: secretId, token_ttl: "1h" } },
  },
});
console.log(`vault-dev listening on ${vault.url}`);

const work = mkdtempSync(path.join(os.tmpdir(), "stowaway-demo-"));
let out;
let unmount = () => {};
try {
  out = path.join(work, "secrets");
  execFileSync("mkdir", ["-p", out]);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", out], { stdio: "ignore" });
  unmount = () => execFileSync("umount", ["-l", out], { stdio: "ignore" });
  console.log(`mounted a tmpfs at ${out}`);
} catch {
  out = mkdtempSync("/dev/shm/stowaway-demo-");
  console.log(`not root, so using ${out} (on /dev/shm, a tmpfs)`);
}

// A stand-in app: this process. It writes a pid file and counts SIGHUPs.
const pidFile = path.join(work, "app.pid");
writeFileSync(pidFile, String(process.pid));
const hups = [];
process.on("SIGHUP", () => hups.push(performance.now()));

writeFileSync(path.join(work, "role-id"), roleId);
writeFileSync(path.join(work, "secret-id"), secretId, { mode: 0o600 });
const configFile = path.join(work, "sidecar.yaml");
writeFileSync(
  configFile,
  `vault:
  address: ${vault.url}
  auth:
    method: approle
    roleIdFile: ${path.join(work, "role-id")}
    secretIdFile: ${path.join(work, "secret-id")}
output:
  dir: ${out}
  mode: "0400"
listen: 127.0.0.1:0
defaults:
  refreshInterval: 1s
notify:
  debounce: 200ms
  signal: SIGHUP
  pidFile: ${pidFile}
secrets:
  - path: secret/data/app/db
    file: db.env
    format: dotenv
  - path: secret/data/app/db
    file: database-url
    format: template
    template: "postgres://{{username}}:{{password}}@db:5432/app"
`,
);
console.log(dim(readFileSync(configFile, "utf8").replace(/^/gm, "  ")));

t0 = performance.now();
const sidecarLog = [];
const sidecar = spawn(process.execPath, [cli, "sidecar", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
sidecar.stdout.on("data", (d) => sidecarLog.push(String(d)));
sidecar.stderr.on("data", (d) => sidecarLog.push(String(d)));
const dbEnv = path.join(out, "db.env");
let exitCode = 0;
try {
  await until("the first render", () => existsSync(dbEnv) && existsSync(path.join(out, "database-url")));
  console.log(`first render in ${ms(t0)}:`);
  for (const f of ["db.env", "database-url"]) {
    const st = statSync(path.join(out, f));
    console.log(`  ${path.join(out, f)}  mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}  ${st.size} bytes`);
  }
  console.log(`  db.env holds PASSWORD=${redact(password)} ${dim("(the demo shows values redacted, as stowaway does everywhere)")}`);

  // ── 3. rotate ──────────────────────────────────────────────────────────────────────────
  step(3, "rotate: bump the secret in Vault");
  await sleep(300);
  const before = readFileSync(dbEnv, "utf8");
  password = fresh("pw2");
  const tWrite = performance.now();
  const res = await fetch(`${vault.url}/v1/secret/data/app/db`, {
    method: "POST",
    headers: { "X-Vault-Token": vault.rootToken, "Content-Type": "application/json" },
    body: JSON.stringify({ data: { username: "app", password } }),
  });
  if (res.status !== 200) throw new Error(`vault write failed with ${res.status}`);
  console.log(`wrote version 2 of secret/app/db (password ${redact(password)})`);
  const tChange = await until("the file to change", () => (readFileSync(dbEnv, "utf8") !== before ? performance.now() : 0), 8_000);
  console.log(`db.env rewritten ${Math.round(tChange - tWrite)} ms after the write (refresh interval 1 s)`);
  const tHup = await until("the app's SIGHUP", () => hups[0], 8_000);
  console.log(`app got SIGHUP ${Math.round(tHup - tWrite)} ms after the write (debounce 200 ms)`);
  if (!readFileSync(dbEnv, "utf8").includes(password)) throw new Error("db.env does not hold the new value");
} catch (err) {
  exitCode = 1;
  console.error(`demo: ${err.message}`);
  console.error(sidecarLog.join("").split("\n").slice(-15).join("\n"));
} finally {
  // ── 4. clean up ─────────────────────────────────────────────────────────────────────────
  step(4, "clean up");
  const tStop = performance.now();
  sidecar.kill("SIGTERM");
  await new Promise((r) => (sidecar.exitCode !== null ? r() : sidecar.once("exit", r)));
  console.log(`sidecar exited with ${sidecar.exitCode} ${Math.round(performance.now() - tStop)} ms after SIGTERM`);
  await vault.close();
  unmount();
  rmSync(out, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  console.log(`removed ${out} and ${work}; vault-dev stopped`);
  console.log(bold(`\ndemo finished in ${(Math.round(performance.now() - started) / 1000).toFixed(1)} s`));
}
process.exitCode = process.exitCode || exitCode;
