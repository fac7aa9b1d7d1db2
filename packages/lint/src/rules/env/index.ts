import type { DotenvDoc } from "../../parse/dotenv.js";
import type { Rule } from "../../rule.js";
import knownToken from "./known-token.js";
import secretValue from "./secret-value.js";
import urlCredentials from "./url-credentials.js";

/** Order matters: on one value the engine keeps the first of equally severe findings. */
export const envRules: Rule<DotenvDoc>[] = [secretValue, urlCredentials, knownToken];
