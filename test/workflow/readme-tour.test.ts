import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";
import { withMachineLock } from "../helpers/machine-lock.js";

/**
 * The README's 30-second tour, run as written from the repository root: each `$ ` command of the
 * console block in a shell (npx finds the workspace's bins), the backgrounded vault-dev kept
 * until the end. It needs ports 8200 and 8099 free, as a reader's machine would: two test runs
 * on one machine take turns (a lock in /tmp).
 */
const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const block = /## A 30-second tour\n+```console\n([\s\S]*?)\n```/.exec(readme)![1];
const commands: string[] = [];
const shown = new Map<number, string[]>();
for (const line of block.split("\n")) {
  if (line.startsWith("$ ")) commands.push(line.slice(2));
  else if (commands.length && commands[commands.length - 1].endsWith("\\"))
    commands[commands.length - 1] = commands[commands.length - 1].slice(0, -1) + line.trim();
  else if (commands.length) shown.set(commands.length - 1, [...(shown.get(commands.length - 1) ?? []), line]);
}
const OUT_DIR = "/dev/shm/stowaway-example";

describe("the README tour", () => {
  it("has the commands a reader runs", () => {
    expect(commands.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "npx stowaway lint",
      "npx vault-dev --port",
      "npx stowaway sidecar",
      "curl -s -X",
      "npx stowaway inject",
    ]);
  });

  it("runs as written from the repository root", () => withMachineLock("readme-tour", tour), 420_000);

  async function tour(): Promise<void> {
    const created = join(REPO_ROOT, "deployment.yaml");
    expect(existsSync(created), "deployment.yaml must not exist at the root before the tour").toBe(false);
    const sh = (cmd: string) => spawnSync("bash", ["-c", cmd], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
    let vault: ReturnType<typeof spawn> | undefined;
    try {
      // 1. lint: the findings shown, at the positions shown.
      const lint = sh(commands[0]);
      expect(lint.status).toBe(1);
      for (const l of shown.get(0)!.filter((x) => /^\s+\d+:\d+ /.test(x))) {
        const start = l.slice(0, l.indexOf(" … ") > 0 ? l.indexOf(" … ") : undefined).replace(/ \[.*$/, "");
        expect(
          lint.stdout.split("\n").some((o) => o.startsWith(start)),
          `lint prints "${start}"`,
        ).toBe(true);
      }
      expect(lint.stdout).toContain(shown.get(0)!.find((x) => x.startsWith("✖"))!);

      // 2. vault-dev in the background, until it answers.
      // Its own process group: npx runs vault-dev as a grandchild, which a kill of npx alone left running.
      vault = spawn("bash", ["-c", `exec ${commands[1].replace(/\s*&\s*$/, "")}`], { cwd: REPO_ROOT, stdio: "ignore", detached: true });
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await fetch("http://127.0.0.1:8200/v1/sys/health").then(
          (r) => r.ok,
          () => false,
        );
        if (!up) await new Promise((r) => setTimeout(r, 200));
      }
      expect(up, "vault-dev answers on 8200").toBe(true);

      // 3. the sidecar, once: files appear on /dev/shm.
      const once = sh(commands[2]);
      expect(once.status, once.stdout + once.stderr).toBe(0);
      expect(readFileSync(join(OUT_DIR, "db.env"), "utf8")).toMatch(/^DB_USER=app$/m);

      // 4. the rotation: PATCH changes one key and keeps the others.
      const patch = sh(commands[3]);
      expect(patch.status, patch.stderr).toBe(0);
      const read = await fetch("http://127.0.0.1:8200/v1/secret/data/app/db", { headers: { "X-Vault-Token": "root" } }).then(
        (r) => r.json() as Promise<{ data: { data: Record<string, string> } }>,
      );
      expect(read.data.data).toEqual({ DB_HOST: "db.example.internal", DB_USER: "app", DB_PASSWORD: "rotated-example" });

      // 5. inject.
      const inject = sh(commands[4]);
      expect(inject.status, inject.stderr).toBe(0);
      expect(readFileSync(created, "utf8")).toContain("restartPolicy: Always");
    } finally {
      if (vault?.pid !== undefined && vault.exitCode === null) {
        const exited = new Promise((r) => vault!.once("exit", r));
        process.kill(-vault.pid, "SIGTERM");
        await exited;
      }
      rmSync(created, { force: true });
      rmSync(OUT_DIR, { recursive: true, force: true });
    }
  }

  it("the compose example's rotation command keeps the other keys (PATCH, merge-patch), run against vault-dev", async () => {
    const compose = readFileSync(join(REPO_ROOT, "examples/compose/README.md"), "utf8");
    expect(compose).not.toMatch(/method: "POST"|-X POST/);
    const js = /docker compose exec vault node -e '([\s\S]*?)'\n/.exec(compose)![1];
    const { startVaultDev } = await import("../../packages/vault-dev/src/index.js");
    const server = await startVaultDev({ port: 0, rootToken: "root", seed: join(REPO_ROOT, "examples/compose/vault-seed.yaml") });
    try {
      // Asynchronously: vault-dev runs in this process and must keep answering.
      const run = await promisify(execFile)(process.execPath, ["-e", js.replace("http://127.0.0.1:8200", server.url)], { encoding: "utf8", timeout: 30_000 });
      expect(run.stdout.trim()).toBe("200");
      const read = await fetch(`${server.url}/v1/secret/data/app/db`, { headers: { "X-Vault-Token": "root" } }).then(
        (r) => r.json() as Promise<{ data: { data: Record<string, string> } }>,
      );
      expect(read.data.data).toEqual({ DB_HOST: "db.example.internal", DB_USER: "app", DB_PASSWORD: "changed-example" });
    } finally {
      await server.close();
    }
  });
});
