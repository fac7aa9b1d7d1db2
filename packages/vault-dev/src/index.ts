export { startVaultDev, type VaultDev, type VaultDevOptions, type Faults, type Stats } from "./server.js";
export { signJwt, signServiceAccountJwt, DEFAULT_JWT_SIGNING_KEY, type ServiceAccountJwtOptions, type JwtClaims } from "./jwt.js";
export { parseDuration, humanDuration } from "./duration.js";
export { loadSeed, parseSeedText, SeedError, type SeedFile } from "./seed.js";
export { VAULT_VERSION } from "./sys.js";
