import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(ROOT, "packages/cli/bin/stowaway.js");
export const isRoot = process.getuid?.() === 0;

/** Unique, recognisable fixture values; registered so the leak check can look for them. */
export function fixture(label: string): string {
  const v = `${label}-${randomBytes(9).toString("base64url")}`;
  leaks.secret(v);
  return v;
}

/**
 * Every byte the spawned sidecars print, and every fixture value and token, go to a directory of
 * this test run (test/setup/run-dir.ts); each file's afterAll checks all outputs so far against all
 * values so far, so the last file to finish has checked the whole suite. Another run on the same
 * machine has its own directory.
 */
const RUN_DIR = process.env.STOWAWAY_TEST_RUN_DIR;
if (!RUN_DIR) throw new Error("STOWAWAY_TEST_RUN_DIR is unset: run the tests through vitest (test/setup/run-dir.ts sets it)");
const LEAK_DIR = path.join(RUN_DIR, "sidecar-leaks");
mkdirSync(LEAK_DIR, { recursive: true });
const readIfThere = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
};
const me = `${process.pid}-${randomBytes(3).toString("hex")}`;
export const leaks = {
  secret(v: string) {
    appendFileSync(path.join(LEAK_DIR, `${me}.secrets`), `${v}\n`);
  },
  output(chunk: Buffer | string) {
    appendFileSync(path.join(LEAK_DIR, `${me}.out`), chunk);
  },
  /** Returns a list of problems (empty when clean). */
  check(): string[] {
    const files = readdirSync(LEAK_DIR);
    const secrets = files.filter((f) => f.endsWith(".secrets")).flatMap((f) => readIfThere(path.join(LEAK_DIR, f)).split("\n").filter(Boolean));
    const problems: string[] = [];
    for (const f of files.filter((f) => f.endsWith(".out"))) {
      const text = readIfThere(path.join(LEAK_DIR, f));
      for (const s of secrets) if (text.includes(s)) problems.push(`${f} contains a fixture value (${s.split("-")[0]}-…)`);
      // Vault service/batch tokens, whatever server minted them.
      const tok = /\bhv[sbr]\.[A-Za-z0-9_-]{8,}/.exec(text);
      if (tok) problems.push(`${f} contains a Vault token`);
    }
    return problems;
  },
};

/** Mounts a tmpfs of `size` on a fresh directory (root only; throws otherwise). */
export function mountTmpfs(size: string, options = ""): { dir: string; remount(flags: string): void; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}${options ? `,${options}` : ""}`, "tmpfs", dir], { stdio: "ignore" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    remount(flags: string) {
      execFileSync("mount", ["-o", `remount,${flags}`, dir], { stdio: "ignore" });
    },
    cleanup() {
      try {
        execFileSync("umount", [dir], { stdio: "ignore" });
      } catch {
        execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh tmpfs: mounted when root, else a dir under /dev/shm. */
export function makeTmpfs(): { dir: string; cleanup(): void } {
  if (isRoot) {
    try {
      return mountTmpfs("4m");
    } catch {
      // fall through to /dev/shm
    }
  }
  const dir = mkdtempSync("/dev/shm/stowaway-e2e-");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SidecarProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** The status server's base URL once it logs "listening". */
  baseUrl(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** Spawns the real CLI: `node packages/cli/bin/stowaway.js sidecar …` (or another subcommand, e.g. exec). */
export function spawnSidecar(args: string[], env: Record<string, string | undefined> = {}, subcommand = "sidecar", nodeFlags: string[] = []): SidecarProcess {
  const cleanEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined && !(k.startsWith("VAULT_") && !(k in env))) cleanEnv[k] = v;
  const started = Date.now();
  // The real CLI, as users run it (`npm test` builds it first).
  const child = spawn(process.execPath, [...nodeFlags, CLI, subcommand, ...args], { env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const onData = (c: Buffer) => {
    out += c.toString("utf8");
    leaks.output(c);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  const waitFor = async (re: RegExp, ms = 10_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`sidecar output never matched ${re}:\n${out.slice(-3000)}`);
      await sleep(20);
    }
  };
  return {
    child,
    output: () => out,
    exited,
    waitFor,
    async baseUrl() {
      const m = await waitFor(/"address":"([^"]+):(\d+)","msg":"listening"/);
      return `http://${m[1]}:${m[2]}`;
    },
    async stop(signal = "SIGTERM") {
      const t = Date.now();
      if (child.exitCode === null) child.kill(signal);
      const r = await exited;
      return { code: r.code, ms: Date.now() - t };
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000, every = 25): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(every);
  }
}

export function write(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}

export function fileText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

export async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}
