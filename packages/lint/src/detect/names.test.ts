import { describe, expect, it } from "vitest";
import { classifyName, splitNameWords } from "./names.js";

describe("splitNameWords", () => {
  it.each([
    ["dbPassword", ["db", "password"]],
    ["AWS_SECRET_ACCESS_KEY", ["aws", "secret", "access", "key"]],
    ["apiKey", ["api", "key"]],
    ["APIKey", ["api", "key"]],
    ["x-api-key", ["x", "api", "key"]],
    ["db.password", ["db", "password"]],
    ["S3_BUCKET", ["s3", "bucket"]],
    ["K8S_TOKEN", ["k8s", "token"]],
    ["PASSWORD2", ["password", "2"]],
    ["OAuth2Token", ["o", "auth", "2", "token"]],
    ["//registry.npmjs.org/:_authToken", ["registry", "npmjs", "org", "auth", "token"]],
    ["", []],
  ])("%s", (name, words) => {
    expect(splitNameWords(name)).toEqual(words);
  });
});

describe("classifyName", () => {
  it.each([
    "PASSWORD",
    "DB_PASSWORD",
    "dbPassword",
    "MYSQL_ROOT_PASSWORD",
    "DBPASSWORD",
    "PGPASSWORD",
    "DB_PASS",
    "DB_PWD",
    "REDIS_AUTH",
    "API_KEY",
    "apiKey",
    "APIKEY",
    "X-API-Key",
    "KEY",
    "SECRET",
    "CLIENT_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "SECRET_KEY_BASE",
    "GITHUB_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "ghToken",
    "TOKEN_2",
    "SSH_PRIVATE_KEY",
    "PRIVATE_KEY",
    "PRIVATE_KEY_PEM",
    "GPG_PASSPHRASE",
    "AZURE_STORAGE_SAS",
    "GITHUB_PAT",
    "DB_CREDENTIALS",
    "ENCRYPTION_KEY",
    "APP_KEY",
    "LICENSE_KEY",
    "db.password",
    "_authToken",
    "SESSION_SECRET",
    "SIGNING_KEY",
    // Issue #13: shared secrets under other words.
    "RABBITMQ_ERLANG_COOKIE",
    "ERLANG_COOKIE",
    "SALT",
    "HASH_SALT",
    "WALLET_SEED",
    "SEED_PHRASE",
  ])("%s is secret", (name) => {
    expect(classifyName(name)).toBe("secret");
  });

  it.each([
    // Official images and common conventions.
    "GPG_KEY",
    "GPG_KEYS",
    "NGINX_GPGKEY",
    "NGINX_GPGKEYS",
    "NGINX_GPGKEY_PATH",
    "PGP_KEY",
    "PG_SHA256",
    "YARN_VERSION",
    "POSTGRES_PASSWORD_FILE",
    "KEY_URL",
    "TOKEN_PATH",
    "KEY_ID",
    "AWS_ACCESS_KEY_ID",
    "PUBLIC_KEY",
    "JWT_PUBLIC_KEY",
    "KEY_FILE",
    "KEYFILE",
    "KEY_ALIAS",
    "SECRET_NAME",
    "SECRETS_DIR",
    "PASSWORD_MIN_LENGTH",
    "TOKEN_TTL",
    "TOKEN_EXPIRY",
    "SSH_AUTH_SOCK",
    "AUTH_TYPE",
    "PASSWORD_HASH",
    "DB_USER",
    "KEY_TYPE",
    "CACHE_KEY",
    "SORT_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "GOLANG_SHA256",
    "PYTHON_SHA256",
    "PASSWORD_RESET_URL",
    "VAULT_TOKEN_FILE",
    "SECRET_ARN",
    "KEYSERVER",
    "PATH",
    "KEYRING",
    "GIT_CONFIG_KEY_0",
    "SUPABASE_ANON_KEY",
    // Issue #13: public by design, and salt/cookie/seed settings that are not the secret.
    "RECAPTCHA_SITE_KEY",
    "TURNSTILE_SITE_KEY",
    "HCAPTCHA_SITE_KEY",
    "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY",
    "public_token",
    "MAPBOX_PUBLIC_TOKEN",
    "SALT_ROUNDS",
    "COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN_X_NAME",
    "javax.net.ssl.trustStorePassword",
    "TRUSTSTORE_PASSWORD",
  ])("%s is allowlisted", (name) => {
    expect(classifyName(name)).toBe("allowlisted");
  });

  it.each([
    "HOME",
    "PWD",
    "LANG",
    "PYTHON_VERSION_X",
    "TOKENIZERS_PARALLELISM",
    "PASS_THROUGH",
    "GIT_ASKPASS",
    "PASSENGER_APP_ROOT",
    "KEY_VAULT",
    "PRIVATE_REGISTRY",
    "DEBIAN_FRONTEND",
    "SENTRY_DSN",
    "SECRETARY_NAME_X",
    "RANDOM_SEED",
    "FAKER_SEED",
    "COOKIE_SECURE",
    "COOKIE_DOMAIN",
  ])("%s is neutral", (name) => {
    expect(classifyName(name)).toBe("neutral");
  });

  it("team words extend both lists, allow winning", () => {
    const settings = { secretWords: ["SIGNING", "hmac"], allowWords: ["region", "api_key"] };
    expect(classifyName("RELEASE_SIGNING", settings)).toBe("secret");
    expect(classifyName("webhookHmac", settings)).toBe("secret");
    expect(classifyName("TOKEN_REGION", settings)).toBe("allowlisted");
    expect(classifyName("MY_API_KEY", settings)).toBe("allowlisted");
    expect(classifyName("RELEASE_SIGNING")).toBe("neutral");
  });
});
