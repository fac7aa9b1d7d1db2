export { startVaultDev, isLoopback, VaultDevStartError, type VaultDev, type VaultDevOptions, type Faults, type RequestRecord, type Stats } from "./server.js";
export {
  signJwt,
  signServiceAccountJwt,
  defaultPublicKeyPems,
  jwks,
  DEFAULT_JWT_SIGNING_KEY,
  type ServiceAccountJwtOptions,
  type JwtClaims,
  type JwtAlgorithm,
} from "./jwt.js";
export { parseDuration, humanDuration } from "./duration.js";
export { loadSeed, parseSeedText, SeedError, type SeedFile } from "./seed.js";
export { parsePolicy, PolicyParseError, DEFAULT_POLICY, SEED_POLICY_NAME, type Policy } from "./policy/policy.js";
export { Acl } from "./policy/acl.js";
export { VAULT_VERSION } from "./sys.js";
