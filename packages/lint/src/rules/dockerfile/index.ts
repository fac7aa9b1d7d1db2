import type { DockerfileDoc } from "../../parse/dockerfile.js";
import type { Rule } from "../../rule.js";
import copySecretFile from "./copy-secret-file.js";
import knownToken from "./known-token.js";
import secretBuildArg from "./secret-build-arg.js";
import secretFileInContext from "./secret-file-in-context.js";
import secretInCommand from "./secret-in-command.js";
import secretInEnv from "./secret-in-env.js";
import urlCredentials from "./url-credentials.js";

/** In precedence order: when two rules see the same characters, the earlier one reports them. */
export const dockerfileRules: Rule<DockerfileDoc>[] = [
  secretInEnv,
  secretInCommand,
  urlCredentials,
  knownToken,
  secretBuildArg,
  copySecretFile,
  secretFileInContext,
];
