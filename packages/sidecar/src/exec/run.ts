import { constants as osConstants } from "node:os";
import { durationOption, loadCommandConfig } from "../command-input.js";
import { errorFields, exitCodeFor } from "../errors.js";
import { createLogger, resolveLogFormat, withCrashGuard, type Logger } from "../log.js";
import { systemClock } from "../schedule/clock.js";
import { Sidecar } from "../sidecar.js";
import { ChangeDebouncer, type OnChange } from "./changes.js";
import { EnvSink, withEnvOutputs } from "./env-sink.js";
import { childEnv } from "./environment.js";
import { ExecMetrics } from "./metrics.js";
import { pid1Warning } from "./pid1.js";
import { Supervisor } from "./supervisor.js";

export interface ExecCommandOptions {
  /** Path to the YAML config (vault, output, secrets, env, exec). */
  config: string;
  command: string;
  args: string[];
  /** How long to keep retrying transient Vault failures before the first start. Default 2m. */
  startTimeout?: string;
  /** `json` lines, or one readable line per event; default pretty on a terminal, else json. */
  logFormat?: string;
}

export interface ExecIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Signals passed on to the child as they are; SIGTERM and SIGINT also stop it (see Supervisor.terminate). */
const FORWARDED: NodeJS.Signals[] = ["SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];
const STOPPING: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * `stowaway exec`: renders everything like `sidecar --once`, starts the command with the secrets
 * in its environment (and files in output.dir), keeps them current, restarts or signals the child
 * when they change, and exits with the child's code. 2 for a config or usage error; 1 when the
 * first render fails or the child crash-loops.
 */
export async function execCommand(opts: ExecCommandOptions, io: ExecIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const logger = createLogger(io.stdout, undefined, io.stderr, resolveLogFormat(opts.logFormat, io.stdout));
  return withCrashGuard(logger, () => runExec(opts, logger));
}

async function runExec(opts: ExecCommandOptions, logger: Logger): Promise<number> {
  const warning = pid1Warning();
  if (warning) logger.warn(warning);
  const startTimeoutMs = durationOption(logger, "--start-timeout", opts.startTimeout, 120_000);
  if (startTimeoutMs === undefined) return 2;
  const built = loadCommandConfig(logger, opts.config, (loaded) => withEnvOutputs(loaded.config, opts.config));
  if (built === undefined) return 2;
  const { config, entries } = built;
  const exec = config.exec;

  // The child's environment lives here and in the child, never in process.env.
  let sink: EnvSink | undefined;
  const clock = systemClock;
  // No config reload: env outputs are derived from the file at start (restart stowaway exec to apply changes).
  const sidecar = new Sidecar(config, { log: logger, env: process.env, clock, wrapSink: (files) => (sink = new EnvSink(files, entries)) });
  const envSink = sink!;
  const metrics = new ExecMetrics(sidecar.metrics);

  let supervisor: Supervisor | undefined;
  const onStop = (signal: NodeJS.Signals) => {
    if (!supervisor) {
      // Start-up may be waiting out Vault retries for minutes: leave now, as a signal would have.
      logger.info({ signal }, "stop requested before the child started; exiting");
      void sidecar.close().finally(() => process.exit(128 + (osConstants.signals[signal] ?? 15)));
      return;
    }
    supervisor.terminate(signal, signal);
  };
  const onForward = (signal: NodeJS.Signals) => {
    if (!supervisor?.signal(signal, `forwarded ${signal}`)) logger.info({ signal }, "no child to forward the signal to");
  };
  for (const s of STOPPING) process.on(s, onStop);
  for (const s of FORWARDED) process.on(s, onForward);
  const removeSignalHandlers = () => {
    for (const s of STOPPING) process.off(s, onStop);
    for (const s of FORWARDED) process.off(s, onForward);
  };

  let debouncer: ChangeDebouncer | undefined;
  try {
    let lastGood: Map<string, string>;
    try {
      await sidecar.startRendered(startTimeoutMs);
      lastGood = envSink.environment();
    } catch (err) {
      logger.error({ err }, `stowaway exec: the first render failed, not starting ${opts.command}: ${errorFields(err).message}`);
      return exitCodeFor(err);
    }
    // Every start takes the newest values, also after a change that only signalled or did nothing.
    const currentEnv = () => {
      try {
        lastGood = envSink.environment();
      } catch (err) {
        logger.error({ err }, `starting with the last consistent environment: ${errorFields(err).message}`);
      }
      return lastGood;
    };
    supervisor = new Supervisor({
      command: opts.command,
      args: opts.args,
      env: () => childEnv(process.env, currentEnv()),
      stopSignal: exec.stopSignal as NodeJS.Signals,
      stopTimeoutMs: exec.stopTimeout,
      restartOnExit: exec.restartOnExit,
      crashLoop: { maxExits: exec.crashLoop.maxExits, windowMs: exec.crashLoop.window },
      clock,
      log: logger,
      metrics,
    });
    const sup = supervisor;
    debouncer = new ChangeDebouncer({
      debounceMs: exec.debounce,
      clock,
      log: logger,
      apply: (action, changed) => {
        try {
          envSink.environment();
        } catch (err) {
          // Keep the running child (and its values) rather than start one with an ambiguous environment.
          logger.error({ err, changed }, `secret change not applied: ${errorFields(err).message}`);
          return;
        }
        if (action === "restart") void sup.restart("change");
        else sup.signal(exec.signal as NodeJS.Signals, `changed: ${changed.join(", ")}`);
      },
    });
    const d = debouncer;
    sidecar.pipeline.onChange(({ changed }) => {
      for (const o of changed) {
        const entry = envSink.entryOf(o);
        const action: OnChange = (entry ? entry.onChange : o.cfg.onChange) ?? exec.onChange;
        d.change(entry ? `env ${entry.name}` : o.cfg.file, action);
      }
    });
    sidecar.onQuit(() => sup.terminate(exec.stopSignal as NodeJS.Signals, "POST /quit"));
    sup.start();

    const result = await sup.done;
    if (result.reason === "crash-loop") logger.error(`stowaway exec: ${result.message}`);
    else if (result.reason === "spawn-failed") logger.error(`stowaway exec: ${result.message}`);
    else
      logger.info(
        { exitCode: result.code, reason: result.reason },
        result.reason === "stopped" ? "child stopped; exiting with its code" : "child exited; exiting with its code",
      );
    return result.code;
  } finally {
    debouncer?.stop();
    removeSignalHandlers();
    // revokeOnExit / removeOnExit, as the sidecar does.
    await sidecar.close();
  }
}
