#!/usr/bin/env node
/**
 * `vault-dev --port 8200 --root-token root [--seed FILE]`: run the in-memory
 * Vault API server until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { isLoopback, startVaultDev, VaultDevStartError } from "./server.js";
import { SeedError } from "./seed.js";

const HELP = `Usage: vault-dev [options]

An in-memory server for the part of Vault's HTTP API that stowaway's sidecar uses.
For tests, demos and trying the sidecar without installing Vault. Not a Vault.

Options:
  --port <n>          port to listen on (default 8200; 0 picks a free port)
  --host <addr>       address to bind (default 127.0.0.1); anything but loopback
                      is warned about, and refused with the default root token
  --root-token <t>    the root token (default "root"); /__dev/ controls need it too
  --standby <url>     start as a standby node: answer 307 to <url> (sys/health 429)
  --seed <file>       YAML/JSON file of secrets, roles and tokens to load
  --quiet             do not log requests
  --log-format <f>    json (one JSON object a line) or pretty (one readable line);
                      default pretty when stderr is a terminal, json otherwise
  -h, --help          show this help
`;

async function main(argv: string[]): Promise<number> {
  let args: {
    values: { port?: string; host?: string; "root-token"?: string; seed?: string; standby?: string; quiet?: boolean; "log-format"?: string; help?: boolean };
  };
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "8200" },
        host: { type: "string", default: "127.0.0.1" },
        "root-token": { type: "string", default: "root" },
        seed: { type: "string" },
        standby: { type: "string" },
        quiet: { type: "boolean", default: false },
        "log-format": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    process.stderr.write(`vault-dev: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`vault-dev: invalid --port ${JSON.stringify(v.port)}\n`);
    return 2;
  }
  const logFormat = v["log-format"] ?? (process.stderr.isTTY ? "pretty" : "json");
  if (logFormat !== "json" && logFormat !== "pretty") {
    process.stderr.write(`vault-dev: --log-format takes json or pretty\n`);
    return 2;
  }
  const host = v.host ?? "127.0.0.1";
  if (!isLoopback(host)) {
    if (v["root-token"] === "root") {
      process.stderr.write(
        `vault-dev: refusing to listen on ${host} with the default root token "root": anyone who can reach it could read and write everything.\n` +
          `Pass --root-token with a long random value, or listen on 127.0.0.1.\n`,
      );
      return 2;
    }
    process.stderr.write(
      `vault-dev: WARNING: listening on ${host}, not loopback. vault-dev is a test server with no real security:\n` +
        `vault-dev: WARNING: anyone who can reach this address and knows the root token controls it. Never put real secrets in it.\n`,
    );
  }
  let server: Awaited<ReturnType<typeof startVaultDev>>;
  try {
    server = await startVaultDev({
      port,
      host: v.host,
      rootToken: v["root-token"],
      seed: v.seed,
      standby: v.standby ? { redirect: v.standby } : undefined,
      log: v.quiet ? undefined : requestLog(logFormat),
    });
  } catch (e) {
    const msg = e instanceof SeedError || e instanceof VaultDevStartError ? e.message : `cannot start: ${(e as Error).message}`;
    process.stderr.write(`vault-dev: ${msg}\n`);
    return e instanceof SeedError || e instanceof VaultDevStartError ? 2 : 1;
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: leave now.
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`vault-dev: ${signal}, shutting down\n`);
      const timer = setTimeout(() => resolve(1), 5000);
      timer.unref();
      server.close().then(() => {
        clearTimeout(timer);
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(0);
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    // Print the address only once the signal handlers are in place: whoever reads it may stop us at once.
    process.stdout.write(
      `vault-dev listening on ${server.url}\n` +
        `  export VAULT_ADDR=${server.url}\n` +
        `  export VAULT_TOKEN=${server.rootToken}\n` +
        `Test controls: ${server.url}/__dev/\n`,
    );
  });
}

/** One line per request: JSON for machines, `12:04:05.123 GET /v1/… 200 3ms` for people. */
function requestLog(format: "json" | "pretty"): (line: string) => void {
  return format === "json"
    ? (line) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", name: "vault-dev", msg: line })}\n`)
    : (line) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
