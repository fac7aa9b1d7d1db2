// Shared set-up for the sidecar fault suite (issue 8). Builds on test/sidecar/helpers.ts:
// every spawned sidecar's output goes through its leak collector, and so does every HTTP
// body (readyz, metrics) these helpers fetch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startVaultDev, type SeedFile, type VaultDev } from "@stowaway/vault-dev";
import { fixture, isRoot, leaks, makeTmpfs, mountTmpfs, write } from "../sidecar/helpers.js";

export { fixture, isRoot, leaks, makeTmpfs, write };
export { fileText, sleep, spawnSidecar, until, type SidecarProcess } from "../sidecar/helpers.js";

/** Fast settings so the whole fault suite stays well under 90 s. */
export const FAST = {
  timeout: "500ms",
  retry: "{ initial: 200ms, max: 1s }",
  refresh: "1s",
};

/** GET (or other) that records the response body for the leak check; status 0 when nothing answers. */
export async function http(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(url, init);
    const body = await r.text();
    leaks.output(body);
    return { status: r.status, body };
  } catch {
    return { status: 0, body: "" };
  }
}

export const readyz = async (base: string) => (await http(`${base}/readyz`)).status;
export const metrics = async (base: string) => (await http(`${base}/metrics`)).body;

/** A free TCP port on loopback, with nothing listening on it afterwards. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface FaultEnv {
  vault: VaultDev;
  tmpfs: { dir: string; cleanup(): void };
  etc: string;
  /** Writes a config; returns its path and the output dir it names. */
  config(secrets: string, opts?: ConfigOptions): { file: string; out: string };
  kvPut(p: string, data: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface ConfigOptions {
  /** Output dir; default a fresh one under the tmpfs. */
  out?: string;
  /** Extra top-level YAML (ends with a newline). */
  extra?: string;
  /** Extra keys under vault: (indented two spaces, ends with a newline). */
  vaultExtra?: string;
  /** Extra keys under output: (indented two spaces, ends with a newline). */
  outputExtra?: string;
  address?: string;
  refresh?: string;
}

/** The approle role every fault config logs in with. */
export function approleSeed(roleId: string, secretId: string, tokenTtl = "1h"): SeedFile["approle"] {
  return { app: { role_id: roleId, secret_id: secretId, token_ttl: tokenTtl } };
}

/**
 * vault-dev with an AppRole login and `seed`, a tmpfs, a config dir holding the role and
 * secret ids, and a config writer with the fast settings.
 */
export async function faultEnv(
  seed: SeedFile = {},
  opts: { port?: number; tokenTtl?: string; startVault?: boolean } = {},
): Promise<FaultEnv & { roleId: string; secretId: string; startVault(): Promise<VaultDev> }> {
  const roleId = fixture("role");
  const secretId = fixture("sid");
  const fullSeed: SeedFile = { ...seed, approle: { ...approleSeed(roleId, secretId, opts.tokenTtl), ...(seed.approle ?? {}) } };
  let vault: VaultDev | undefined;
  const start = async () => {
    vault = await startVaultDev({ port: opts.port ?? 0, seed: fullSeed });
    leaks.secret(vault.rootToken);
    return vault;
  };
  if (opts.startVault !== false) await start();
  const tmpfs = makeTmpfs();
  const etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-faults-etc-"));
  write(path.join(etc, "role-id"), `${roleId}\n`);
  write(path.join(etc, "secret-id"), `${secretId}\n`);
  let n = 0;
  return {
    get vault() {
      return vault!;
    },
    tmpfs,
    etc,
    roleId,
    secretId,
    startVault: start,
    config(secrets, o = {}) {
      const out = o.out ?? path.join(tmpfs.dir, `out${++n}`);
      const address = o.address ?? vault!.url;
      const file = write(
        path.join(etc, `c${++n}.yaml`),
        `vault:\n  address: ${address}\n  timeout: ${FAST.timeout}\n  retry: ${FAST.retry}\n${o.vaultExtra ?? ""}  auth:\n    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n` +
          `output:\n  dir: ${out}\n${o.outputExtra ?? ""}listen: 127.0.0.1:0\ndefaults:\n  refreshInterval: ${o.refresh ?? FAST.refresh}\n  revokeOld: 200ms\n${o.extra ?? ""}secrets:\n${secrets}`,
      );
      return { file, out };
    },
    async kvPut(p, data) {
      const r = await fetch(`${vault!.url}/v1/secret/data/${p}`, {
        method: "POST",
        headers: { "X-Vault-Token": vault!.rootToken },
        body: JSON.stringify({ data }),
      });
      if (r.status !== 200) throw new Error(`kv put ${p}: HTTP ${r.status}`);
    },
    async close() {
      await vault?.close();
      tmpfs.cleanup();
      rmSync(etc, { recursive: true, force: true });
    },
  };
}

/** A tmpfs of `size` (e.g. "64k"), root only. */
export const smallTmpfs = (size: string) => mountTmpfs(size, "mode=0755");

/** Temp files the atomic writer leaves behind, anywhere under `dir`. */
export function tempFiles(dir: string): string[] {
  try {
    return execFileSync("find", [dir, "-name", ".stowaway-tmp-*"], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

export const NEED_ROOT = "needs root to mount a tmpfs (CI runs as root)";
