export type { SidecarConfig, SecretConfig, AuthConfig, NotifyConfig } from "./schema.js";
export { parseConfig, parseConfigText, type Env, type ParseResult } from "./load.js";
export { loadConfigFile } from "./file.js";
export { parseListen, isLoopback } from "./listen.js";
export { parseDuration, isDuration, formatDuration } from "./duration.js";
