export { ConfigSchema, type SidecarConfig, type SecretConfig, type AuthConfig, type NotifyConfig } from "./schema.js";
export { loadConfigFile, parseConfig, parseConfigText, parseListen, isLoopback, type Env, type ParseResult } from "./load.js";
export { parseDuration, isDuration, formatDuration } from "./duration.js";
