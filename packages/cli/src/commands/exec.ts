import { execCommand as runExec } from "@stowaway/sidecar";
import { UsageError, type CommandIO } from "../io.js";

export interface ExecOptions {
  config: string;
  startTimeout?: string;
  logFormat?: string;
  /** The command and its arguments, after `--`. */
  command: string[];
}

/** `stowaway exec`: a thin wrapper; the sidecar package owns the pipeline and the supervisor. Returns the child's exit code. */
export async function execCommand(opts: ExecOptions, io: CommandIO): Promise<number> {
  if (opts.command.length === 0) throw new UsageError("exec: no command given (usage: stowaway exec --config sidecar.yaml -- <command> [args…])");
  const [command, ...args] = opts.command;
  return runExec({ config: opts.config, startTimeout: opts.startTimeout, logFormat: opts.logFormat, command, args }, { stdout: io.stdout, stderr: io.stderr });
}
