import { durationOption, loadCommandConfig } from "./command-input.js";
import { errorFields, exitCodeFor } from "./errors.js";
import { createLogger, resolveLogFormat, withCrashGuard, type Logger } from "./log.js";
import { Sidecar } from "./sidecar.js";
import type { ExecCommandOptions, ExecIo } from "./exec/run.js";

export { parseConfig, parseConfigText, loadConfigFile, type SidecarConfig, type SecretConfig } from "./config/index.js";
export {
  SidecarError,
  ConfigError,
  VaultError,
  VaultAuthError,
  VaultNotFoundError,
  VaultSealedError,
  VaultRateLimitedError,
  VaultUnavailableError,
  VaultRequestError,
  RenderError,
  WriteError,
  TlsFileError,
  AuthFileError,
  errorFields,
  codeOf,
  type SidecarErrorCode,
  type ConfigIssue,
} from "./errors.js";

export type { ExecCommandOptions, ExecIo } from "./exec/run.js";

/** `stowaway exec`. Its code (the supervisor, env outputs) is a chunk of its own, loaded by this command only. */
export async function execCommand(opts: ExecCommandOptions, io?: ExecIo): Promise<number> {
  const exec = await import("./exec/run.js");
  return exec.execCommand(opts, io);
}

export interface SidecarCommandOptions {
  /** Path to the YAML config. */
  config: string;
  /** Render everything once and exit (init containers, Jobs). */
  once?: boolean;
  /** With --once: how long to keep retrying transient Vault failures. Default 2m. */
  onceTimeout?: string;
  /** `json` or `pretty`; default pretty when stdout is a terminal, JSON lines otherwise. */
  logFormat?: string;
}

export interface SidecarIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `stowaway sidecar`: 0 ok, 1 runtime failure, 2 config or usage error. */
export async function sidecarCommand(opts: SidecarCommandOptions, io: SidecarIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // Info and below to stdout, warnings and errors to stderr.
  const logger = createLogger(io.stdout, undefined, io.stderr, resolveLogFormat(opts.logFormat, io.stdout));
  return withCrashGuard(logger, () => runSidecar(opts, logger));
}

async function runSidecar(opts: SidecarCommandOptions, logger: Logger): Promise<number> {
  const onceTimeoutMs = durationOption(logger, "--once-timeout", opts.onceTimeout, 120_000);
  if (onceTimeoutMs === undefined) return 2;
  const loaded = loadCommandConfig(logger, opts.config, (l) => l);
  if (loaded === undefined) return 2;
  // env: feeds a child's environment, which only `stowaway exec` has.
  if (loaded.config.secrets.length === 0) {
    logger.fatal({ file: opts.config }, `invalid config: ${opts.config}: secrets: at least one secret is required (env: is used by stowaway exec only)`);
    return 2;
  }
  if (Object.keys(loaded.config.env).length > 0) logger.warn("env: is used by stowaway exec only; the sidecar ignores it");
  const sidecar = new Sidecar(loaded.config, { log: logger, env: process.env, configFile: opts.config, configText: loaded.text });

  if (opts.once) {
    try {
      await sidecar.runOnce(onceTimeoutMs);
      logger.info({ secrets: loaded.config.secrets.length }, "all secrets rendered");
      return 0;
    } catch (err) {
      logger.error({ err }, `sidecar --once failed: ${errorFields(err).message}`);
      return exitCodeFor(err);
    }
  }

  try {
    await sidecar.start();
  } catch (err) {
    logger.error({ err }, `sidecar failed to start: ${errorFields(err).message}`);
    await sidecar.close();
    return exitCodeFor(err);
  }
  const watcher = sidecar.watchConfig();
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (why: string) => {
      if (++signals > 1) {
        // A second signal means "now".
        process.exit(130);
      }
      logger.info({ reason: why }, "stopping");
      Promise.allSettled([watcher?.close(), sidecar.close()]).then(() => {
        process.off("SIGTERM", onTerm);
        process.off("SIGINT", onInt);
        process.off("SIGHUP", onHup);
        logger.info("stopped");
        resolve(0);
      });
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    const onHup = () => void sidecar.reload("SIGHUP");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    process.on("SIGHUP", onHup);
    sidecar.onQuit(() => stop("POST /quit"));
  });
}
