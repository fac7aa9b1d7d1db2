import { parseDotenv } from "../../parse/dotenv.js";
import { ruleTester } from "../rule-tester.js";
import rule from "./secret-value.js";

ruleTester(
  rule,
  { kind: "env", parse: parseDotenv },
  {
    valid: [
      // Near misses of the issue #13 detections.
      {
        name: "public site keys",
        code: "RECAPTCHA_SITE_KEY=6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI\nTURNSTILE_SITE_KEY=0x4AAAAAAABkMYinukE8nzY\nSTRIPE_PUBLISHABLE_KEY=pk_live_51HxYzAbCdEfGhIjKlMnOp\n",
      },
      { name: "a publishable key under a key name", code: "STRIPE_KEY=pk_live_51HxYzAbCdEfGhIjKlMnOp\n" },
      { name: "public token", code: "PUBLIC_TOKEN=pk.eyJ1IjoiYWNtZSIsImEiOiJjbGV4YW1wbGUifQ\nNEXT_PUBLIC_MAPBOX_TOKEN=pk.eyJ1IjoiYWNtZSJ9\n" },
      { name: "relative key and certificate paths", code: "ELASTIC_SSL_KEY=certs/elasticsearch-key.pem\nSSL_KEY=server.key\nTLS_KEY=config/tls/tls.key\n" },
      { name: "https issuer URL", code: "OIDC_ISSUER_URL=https://auth.example.org/realms/app\nAUTH_ISSUER=https://id.example.com/\n" },
      { name: "random seed and seed hosts", code: "RANDOM_SEED=12345\nFAKER_SEED=8842\ndiscovery.seed_hosts=es01,es02\n" },
      {
        name: "bcrypt and argon2 hashes",
        code: `ADMIN_PASSWORD='BCRYPT'\nADMIN_TOKEN='$argon2id$v=19$m=65540,t=3,p=4$bXBGMENBZUVzT3VUSFErTzlmN2o$h5z4dQ8e1cB2kP9zV0xQ7yT3mN6rL2wA8sD4fG1hJ5k'\nBASIC_AUTH_USERS='admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'\n`
          .replace("BCRYPT", "BCRYPT_HASH")
          .replace("BCRYPT_HASH", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
      },
      { name: "SSH public key", code: "DEPLOY_KEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl deploy@ci\n" },
      {
        name: "checksums and GPG fingerprints",
        code: "NODE_SHA256=0c3f5d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d\nGPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n",
      },
      { name: "*_FILE and required references", code: "RABBITMQ_ERLANG_COOKIE_FILE=/run/secrets/erlang_cookie\nSALT=${SALT:?set SALT}\n" },
      { name: "trust store password", code: "JAVAX_NET_SSL_TRUSTSTORE_PASSWORD=changeit\n" },
      { name: "neutral names", code: "NODE_ENV=production\nPORT=3000\nPOSTGRES_USER=app\n" },
      { name: "empty secret", code: "DB_PASSWORD=\nAPI_TOKEN=''\n" },
      { name: "reference", code: "DB_PASSWORD=${VAULT_DB_PASSWORD}\nAPI_KEY=$API_KEY_FROM_CI\n" },
      { name: "*_FILE path", code: "DB_PASSWORD_FILE=/run/secrets/db_password\n" },
      { name: "bare name passes through", code: "export API_TOKEN\n" },
      { name: "commented-out assignment", code: "# DB_PASSWORD=old-pass-123\n" },
      { name: "default that is a reference", code: "DB_PASSWORD=${DB_PASSWORD:-${FALLBACK}}\n" },
    ],
    invalid: [
      {
        name: ".env.example: demo values are info, real-looking secrets stay errors",
        file: ".env.example",
        code: "POSTGRES_PASSWORD=postgres\nSTRIPE_SECRET=Zr7-Qm4k-Wx9v\n",
        errors: [
          { ruleId: rule.id, line: 1, column: 19, severity: "info", weak: true },
          { ruleId: rule.id, line: 2, column: 15, severity: "error" },
        ],
      },
      // Issue #13: weak values are warnings; cookies, salts and seeds are credentials.
      { name: "weak demo password", code: "POSTGRES_PASSWORD=postgres\n", errors: [{ ruleId: rule.id, line: 1, column: 19, severity: "warning", weak: true }] },
      {
        name: "a repeat of the user name is weak",
        code: "RABBITMQ_USER=taiga\nRABBITMQ_PASS=taiga\n",
        errors: [{ ruleId: rule.id, line: 2, column: 15, severity: "warning", weak: true }],
      },
      { name: "erlang cookie", code: "RABBITMQ_ERLANG_COOKIE=SWQOKODSQALRPCLNMEQG\n", errors: [{ ruleId: rule.id, line: 1, column: 24, severity: "error" }] },
      {
        name: "weak erlang cookie",
        code: "RABBITMQ_ERLANG_COOKIE=secret-erlang-cookie\n",
        errors: [{ ruleId: rule.id, line: 1, column: 24, severity: "warning", weak: true }],
      },
      {
        name: "salt and wallet seed",
        code: "SALT=Xq7-Lm2p-Vz9r\nWALLET_SEED=Fx4k-Ry8n-Tq1w\n",
        errors: [
          { ruleId: rule.id, line: 1, column: 6 },
          { ruleId: rule.id, line: 2, column: 13 },
        ],
      },
      {
        name: "a Django key full of $ is a literal",
        code: "SECRET_KEY=k2#9x!v0q$wz7m@p3r8t&y5u1$i6o4a0s2d\n",
        errors: [{ ruleId: rule.id, line: 1, column: 12, severity: "error" }],
      },
      { name: "slot to fill is info", code: "API_KEY=<your-api-key>\n", errors: [{ ruleId: rule.id, line: 1, column: 9, severity: "info" }] },
      { name: "plain", code: "DB_PASSWORD=Pg-Env-4412\n", errors: [{ ruleId: rule.id, line: 1, column: 13, endColumn: 24 }] },
      { name: "export and spaces", code: "export  SECRET_KEY = sk-env-7Yh3Jq   # prod\n", errors: [{ ruleId: rule.id, line: 1, column: 22, endColumn: 35 }] },
      { name: "double-quoted", code: 'API_KEY="ak-env-Wq2Er9"\n', errors: [{ ruleId: rule.id, line: 1, column: 10, endColumn: 23 }] },
      { name: "single-quoted", code: "SESSION_SECRET='sq-Lit-5511'\n", errors: [{ ruleId: rule.id, line: 1, column: 17, endColumn: 28 }] },
      {
        name: "multi-line private key value",
        code: 'OTHER=1\nSSH_PRIVATE_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"\n',
        errors: [{ ruleId: rule.id, line: 2, column: 18, endLine: 4 }],
      },
      { name: "literal default", code: "REDIS_PASSWORD=${REDIS_PASSWORD:-redis-dflt-91}\n", errors: [{ ruleId: rule.id, line: 1, column: 34 }] },
      { name: "placeholder is info", code: "STRIPE_SECRET=<your-stripe-secret>\n", errors: [{ ruleId: rule.id, line: 1, column: 15, severity: "info" }] },
    ],
  },
);
