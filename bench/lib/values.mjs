// Fake credentials in the real vendor formats, and realistic non-secrets that naive scanners flag.
// Every value is drawn from the seeded generator and is unique within a corpus. None is real.
import { ALNUM, B64, B64URL, DIGITS, HEX, UPPER32, base62, crc32 } from "./rng.mjs";

// Real tokens are random; a random draw that happens to read like a documentation stub
// ("xxxx", "example", "1234567") would test the stub filters rather than detection. Redraw those.
const STUBBY = /(.)\1{3,}|example|changeme|dummy|redacted|placeholder|your|0123|1234|2345|3456|4567|5678|6789|abcd|bcde|cdef|defg|efgh/i;

export function createValues(rng) {
  const used = new Set();
  /** `stubCheck` false for values whose fixed prefixes hold runs like "AAAA" (key and PEM headers). */
  const unique = (make, stubCheck = true) => {
    for (let i = 0; i < 1000; i++) {
      const v = make();
      if (!used.has(v) && !(stubCheck && STUBBY.test(v))) {
        used.add(v);
        return v;
      }
    }
    throw new Error("could not draw a unique value");
  };
  const c = (alphabet, n) => rng.chars(alphabet, n);
  const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const mixed = (alphabet, n) =>
    unique(() => {
      const s = c(alphabet, n);
      return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) ? s : `${s.slice(0, -3)}a${"Q"}7`;
    });

  const USERS = ["app", "deploy", "svc_orders", "admin", "ci", "backend", "etl", "reporting", "keycloak", "grafana", "airflow", "metabase"];
  const HOSTS = ["db", "postgres", "db.internal", "pg-primary.prod.svc", "10.0.3.17", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "cache.prod.local"];

  const v = {
    /** A human-chosen or generated password: letters, digits and a few symbols safe in every context. */
    password(urlSafe = false) {
      return unique(() => {
        const style = rng.int(0, 2);
        if (style === 0) return mixedWord() + c(DIGITS, 2) + (urlSafe ? "" : rng.pick(["!", "#", "%", "+", "-", "_", "^", "~"])) + mixedWord();
        if (style === 1) return c(ALNUM, rng.int(16, 28));
        return c(ALNUM, 8) + (urlSafe ? "-" : rng.pick(["!", "#", "%", "+", "-", "_", "^", "~", "."])) + c(ALNUM, 8) + c(DIGITS, 1);
      });
    },
    awsAccessKeyId: () => unique(() => "AKIA" + c(UPPER32, 16)),
    awsSecretAccessKey: () => mixed(ALNUM + "/+", 40),
    githubToken() {
      return unique(() => {
        const body = c(ALNUM, 30);
        return `${rng.pick(["ghp", "ghp", "ghp", "gho", "ghs"])}_${body}${base62(crc32(body), 6)}`;
      });
    },
    gitlabToken: () => unique(() => "glpat-" + c(ALNUM + "_-", 20)),
    slackToken: () => unique(() => `xoxb-${c(DIGITS, 11)}-${c(DIGITS, 13)}-${c(ALNUM, 24)}`),
    slackWebhook: () => unique(() => `https://hooks.slack.com/services/T${c(UPPER32, 8)}/B${c(UPPER32, 10)}/${c(ALNUM, 24)}`),
    stripeKey: () => unique(() => (rng.chance(0.5) ? "sk_live_" + c(ALNUM, 24) : "sk_live_51" + c(ALNUM, 97))),
    googleApiKey: () => unique(() => "AIza" + c(ALNUM + "_-", 35)),
    npmToken() {
      return unique(() => {
        const body = c(ALNUM, 30);
        return `npm_${body}${base62(crc32(body), 6)}`;
      });
    },
    dockerPat: () => unique(() => "dckr_pat_" + c(ALNUM + "_-", 27)),
    vaultToken: () => unique(() => "hvs.CAESI" + c(B64URL, rng.int(86, 100))),
    jwt() {
      return unique(() => {
        const header = b64url({ alg: rng.pick(["HS256", "RS256"]), typ: "JWT" });
        const payload = b64url({
          sub: `svc-${c(ALNUM, 8)}`,
          iss: rng.pick(["auth.internal", "https://id.example.org", "keycloak"]),
          iat: 1700000000 + rng.int(0, 9e6),
          exp: 1800000000 + rng.int(0, 9e6),
        });
        return `${header}.${payload}.${c(B64URL, 43)}`;
      });
    },
    /** Lines of a PEM (or OpenSSH) private key: BEGIN, base64 body, END. */
    privateKey() {
      const type = rng.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]);
      const n = type === "EC PRIVATE KEY" ? rng.int(3, 4) : type === "OPENSSH PRIVATE KEY" ? rng.int(6, 12) : rng.int(12, 26);
      const body = [];
      for (let i = 0; i < n; i++) {
        const prefix =
          i === 0 ? (type === "OPENSSH PRIVATE KEY" ? "b3BlbnNzaC1rZXktdjEAAAAA" : type === "EC PRIVATE KEY" ? "MHcCAQEEI" : "MIIEpAIBAAKCAQEA") : "";
        const line = i === 0 ? unique(() => prefix + c(B64, 64 - prefix.length), false) : c(B64, 64);
        body.push(i === n - 1 ? line.slice(0, rng.int(12, 60)) + "=" : line);
      }
      return [`-----BEGIN ${type}-----`, ...body, `-----END ${type}-----`];
    },
    dbUrl(scheme) {
      const user = rng.pick(USERS);
      const pw = v.password(true);
      const host = rng.pick(HOSTS);
      const port = { postgres: 5432, postgresql: 5432, mysql: 3306, mongodb: 27017, redis: 6379, amqp: 5672 }[scheme];
      const db = rng.pick(["app", "orders", "billing", "keycloak", "analytics", "prod", "main"]);
      if (scheme === "redis") return { value: `redis://:${pw}@${host}:${port}/0`, secret: pw };
      return { value: `${scheme}://${user}:${pw}@${host}:${port}/${scheme === "amqp" ? "%2F" : db}`, secret: pw };
    },

    // ----- non-secrets that look like secrets -----
    gpgFingerprint: () => unique(() => c("0123456789ABCDEF", 40)),
    sha256: () => unique(() => c(HEX, 64)),
    commitSha: () => unique(() => c(HEX, 40)),
    uuid: () => unique(() => `${c(HEX, 8)}-${c(HEX, 4)}-4${c(HEX, 3)}-${rng.pick(["8", "9", "a", "b"])}${c(HEX, 3)}-${c(HEX, 12)}`),
    sshPublicKey() {
      return unique(
        () =>
          rng.chance(0.5)
            ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${c(B64, 43)} ${rng.pick(USERS)}@${rng.pick(["ci", "laptop", "bastion"])}`
            : `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${c(B64, 340)} ${rng.pick(USERS)}@${rng.pick(["ci", "build", "bastion"])}`,
        false,
      );
    },
    /** Lines of a PEM certificate or public key. */
    publicPem() {
      const type = rng.pick(["CERTIFICATE", "CERTIFICATE", "PUBLIC KEY"]);
      const n = type === "CERTIFICATE" ? rng.int(14, 24) : rng.int(6, 8);
      const body = [];
      for (let i = 0; i < n; i++) {
        const prefix = i === 0 ? (type === "CERTIFICATE" ? "MIIDdzCCAl+gAwIBAgIU" : "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA") : "";
        body.push(i === 0 ? unique(() => prefix + c(B64, 64 - prefix.length), false) : c(B64, 64));
      }
      return [`-----BEGIN ${type}-----`, ...body, `-----END ${type}-----`];
    },
    // Look-alikes for a secret-named key. Since issue #13 the working demo values among them
    // (`changeme`, `password`, `example`…) are weak credentials, labelled as planted secrets by
    // `placeholderLabel`; only visible slots (`<your-api-key>`, `xxxx`, `TODO`) stay look-alikes.
    placeholder: () =>
      rng.pick([
        "changeme",
        "change-me",
        "CHANGE_ME",
        "changeit",
        "<your-api-key>",
        "your-token-here",
        "REPLACE_ME",
        "xxxxxxxxxxxxxxxx",
        "<redacted>",
        "TODO",
        "password",
        "secret",
        "example",
        "dummy",
        "placeholder",
        "********",
        "insert-key-here",
      ]),
  };

  function mixedWord() {
    const w = rng.pick([
      "Harbor",
      "Quartz",
      "Falcon",
      "Maple",
      "Cobalt",
      "Ember",
      "Nimbus",
      "Otter",
      "Saffron",
      "Tundra",
      "Walrus",
      "Zephyr",
      "Bistro",
      "Copper",
      "Granite",
    ]);
    return rng.chance(0.5) ? w : w.toLowerCase() + c(ALNUM, 3);
  }

  return v;
}

/** Demo values a service accepts as written: findings (warnings) under issue #13's policy. */
const WEAK_DEMO_VALUES = new Set(["changeme", "change-me", "CHANGE_ME", "changeit", "password", "secret", "example", "dummy"]);

/** The label of a `placeholder()` value: [kind, secret]. */
export function placeholderLabel(value) {
  return WEAK_DEMO_VALUES.has(value) ? ["weak-demo-value", true] : ["placeholder", false];
}
