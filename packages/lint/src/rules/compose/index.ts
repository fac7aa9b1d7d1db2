import type { ComposeDoc } from "../../parse/compose.js";
import type { Rule } from "../../rule.js";
import knownToken from "./known-token.js";
import secretInBuildArgs from "./secret-in-build-args.js";
import secretInCommand from "./secret-in-command.js";
import secretInEnvironment from "./secret-in-environment.js";
import secretInLabels from "./secret-in-labels.js";
import secretInterpolationDefault from "./secret-interpolation-default.js";
import secretNamedValue from "./secret-named-value.js";
import urlCredentials from "./url-credentials.js";

/**
 * Order matters: the engine keeps the first of two equally severe findings on one value,
 * so the rules that know why a value is a secret (and how to fix it) come before the scans.
 */
export const composeRules: Rule<ComposeDoc>[] = [
  secretInEnvironment,
  secretInBuildArgs,
  secretInCommand,
  secretInLabels,
  secretInterpolationDefault,
  secretNamedValue,
  urlCredentials,
  knownToken,
];
