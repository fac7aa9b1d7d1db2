import { loadConfigFile, parseDuration } from "./config/index.js";
import { ConfigError } from "./errors.js";
import type { Logger } from "./log.js";

/**
 * A duration option of `stowaway sidecar` or `exec` (`--once-timeout 30s`): its value in ms, the
 * default when it is not given, or undefined after logging why it is not a duration (exit 2).
 */
export function durationOption(logger: Logger, flag: `--${string}`, value: string | undefined, defaultMs: number): number | undefined {
  if (value === undefined) return defaultMs;
  try {
    return parseDuration(value);
  } catch {
    // The log field is the option's name as the code spells it: --once-timeout → onceTimeout.
    const field = flag.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    logger.fatal({ [field]: value }, `${flag}: expected a duration such as 30s or 2m`);
    return undefined;
  }
}

export type LoadedConfigFile = ReturnType<typeof loadConfigFile>;

/**
 * Loads a command's config file, logs its warnings and passes it to `use`. A ConfigError from
 * either is logged with the file and every issue and gives undefined (exit 2); anything else is
 * thrown as it is.
 */
export function loadCommandConfig<T>(logger: Logger, file: string, use: (loaded: LoadedConfigFile) => T): T | undefined {
  try {
    const loaded = loadConfigFile(file);
    for (const w of loaded.warnings) logger.warn(w);
    return use(loaded);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal({ file: err.file, errors: err.issues }, `invalid config: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}
