import { Command, CommanderError, Option } from "commander";
import { isStowawayError } from "./errors.js";
import type { CommandIO, ExitCode } from "./io.js";
import { VERSION } from "./version.js";

/**
 * The only file that knows commander. Each command is imported when it runs, so `stowaway lint`
 * never loads the sidecar (node-vault, pino, prom-client) and vice versa.
 */
export async function main(argv: string[], io: CommandIO): Promise<ExitCode> {
  const outcome = await dispatch(argv, io);
  return typeof outcome === "function" ? outcome() : outcome;
}

/**
 * A long-running command (`sidecar`, `exec`) as a function to call once this file is done with:
 * made by bind() from the command's own module, so it holds nothing of this one.
 */
export type HandOff = () => Promise<ExitCode>;

/**
 * `main` for the published entry: the exit code of a command that has run, or the hand-off of a
 * long-running one. The entry calls the hand-off after dispatch() has returned, so a sidecar that
 * runs for days does not keep the CLI (commander, this file: about 0.5 MB of heap) alive.
 */
export async function dispatch(argv: string[], io: CommandIO): Promise<ExitCode | HandOff> {
  let exit: ExitCode | HandOff = 0;
  const program = new Command()
    .name("stowaway")
    .description("Find secrets baked into Dockerfiles, compose and env files; deliver secrets from Vault at runtime.")
    .version(VERSION)
    .exitOverride()
    // Options after `exec <command>` belong to the command (passThroughOptions needs this).
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("lint")
    .description("lint Dockerfiles, compose files and env files for baked-in secrets")
    .argument("[paths...]", "files or directories (default: .); `-` reads standard input")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["stylish", "compact", "json", "sarif", "github", "gitlab", "junit"]).default("stylish"),
    )
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(
      new Option("--fail-on <severity>", "lowest severity that exits 1 (default: warning, or lint.failOn)").choices(["info", "warning", "error", "none"]),
    )
    .option("-q, --quiet", "report errors only")
    .option("--max-warnings <n>", "exit 1 when there are more than n warnings (warnings alone then do not fail)")
    .option("-c, --config <file>", "use this .stowaway.yaml instead of searching upwards from each path")
    .option("--baseline <file>", "report only findings not recorded in this baseline")
    .option("--write-baseline <file>", "record the current findings as the baseline and exit 0")
    .option("--staged", "lint the files staged in git (their staged content)")
    .option("--skip-unknown", "silently skip named files that are not Dockerfiles, compose or env files (for pre-commit)")
    .option("--stdin-filename <name>", "with `-`: the file name that decides the kind of standard input and appears in the report")
    .option("--max-file-size <bytes>", "refuse files larger than this (default 1048576)")
    .option("--color", "force colour in stylish output (also FORCE_COLOR=1)")
    .option("--no-color", "no colour (also NO_COLOR=1)")
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const { lintCommand } = await import("./commands/lint.js");
      exit = await lintCommand({ paths, ...opts } as never, io);
    });

  program
    .command("rules")
    .description("list every rule: id, default severity, the kinds of file it reads, docs")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (opts: { format: "text" | "json" }) => {
      const { rulesCommand } = await import("./commands/rules.js");
      exit = await rulesCommand(opts, io);
    });

  program
    .command("sidecar")
    .description("log in to Vault, write secrets to a tmpfs volume, keep them current")
    .requiredOption("-c, --config <file>", "sidecar configuration (YAML)")
    .option("--once", "render every secret once, then exit (init containers, Jobs)")
    .option("--once-timeout <duration>", "with --once, give up after this long", "2m")
    .addOption(
      new Option("--log-format <format>", "json lines, or one readable line per event (default: pretty on a terminal, else json)").choices(["json", "pretty"]),
    )
    .action(async (opts: { config: string; once?: boolean; onceTimeout?: string; logFormat?: string }) => {
      const { sidecarCommand } = await import("@stowaway/sidecar");
      exit = sidecarCommand.bind(undefined, opts, { stdout: io.stdout, stderr: io.stderr }) as HandOff;
    });

  program
    .command("exec")
    .description("run a command with its secrets (env variables and files); restart or signal it when they change")
    .usage("--config <file> -- <command> [args...]")
    .requiredOption("-c, --config <file>", "sidecar configuration (YAML) with env: and exec:")
    .option("--start-timeout <duration>", "give up if the first render has not succeeded after this long", "2m")
    .addOption(
      new Option("--log-format <format>", "json lines, or one readable line per event (default: pretty on a terminal, else json)").choices(["json", "pretty"]),
    )
    .argument("<command...>", "the command to run, after --")
    .passThroughOptions()
    .action(async (command: string[], opts: { config: string; startTimeout?: string; logFormat?: string }) => {
      const { execCommand } = await import("./commands/exec.js");
      // The child's exit code, which may be any number (128+N for a signal).
      exit = execCommand.bind(undefined, { ...opts, command }, io) as HandOff;
    });

  program
    .command("inject")
    .description("add the stowaway sidecar to a compose file or Kubernetes workloads")
    .argument("<file>", "compose file or Kubernetes YAML")
    .option("--service <name>", "compose: the app service (default: the only service)")
    .option("--container <name>", "Kubernetes: the only app container to get the secrets (default: all)")
    .requiredOption("-c, --config <file>", "sidecar configuration (YAML)")
    .option("--image <image>", "sidecar image (default ghcr.io/stowaway/sidecar:0.1.0)")
    .option("-o, --output <file>", "write here instead of stdout")
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { injectCommand } = await import("./commands/inject.js");
      exit = await injectCommand({ file, ...opts } as never, io);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander; they are successes to the user.
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(`${describeFailure(err)}\n`);
    return 2;
  }
  return exit;
}

/** Ours print their message; anything else (Node's ENOENT, a bug) is an unexpected error, with its message. */
export function describeFailure(err: unknown): string {
  if (isStowawayError(err)) return `stowaway: ${err.message}`;
  return `stowaway: unexpected error: ${(err as Error)?.message ?? String(err)}`;
}
