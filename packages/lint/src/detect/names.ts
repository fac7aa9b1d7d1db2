import type { NameSettings } from "../rule.js";

/**
 * How a variable, key, flag or header name reads:
 * - `secret`: it names a credential (`DB_PASSWORD`, `apiKey`, `AWS_SECRET_ACCESS_KEY`);
 * - `allowlisted`: it explicitly names something that is not the secret itself
 *   (`POSTGRES_PASSWORD_FILE`, `KEY_ID`, `GPG_KEY`, `PG_SHA256`, `YARN_VERSION`);
 * - `neutral`: neither.
 */
export type NameClass = "secret" | "allowlisted" | "neutral";

const WORD_RE = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/**
 * Split a name into lower-case words on `_`, `-`, `.`, `/`, `:`, spaces, camelCase and
 * digit boundaries: `dbPassword` → [db, password], `APIKey` → [api, key].
 * A digit run stays glued to a single preceding letter (`S3`, `K8S`) so those read as one word.
 */
export function splitNameWords(name: string): readonly string[] {
  // Names repeat across a run; the answer is shared, so it is frozen (callers copy to extend it).
  let words = rememberedWords.get(name);
  if (words === undefined) {
    if (rememberedWords.size >= MAX_REMEMBERED) rememberedWords.clear();
    words = Object.freeze(splitUncached(name));
    rememberedWords.set(name, words);
  }
  return words;
}

const rememberedWords = new Map<string, readonly string[]>();

function splitUncached(name: string): string[] {
  const words: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    if (!part) continue;
    const pieces = part.match(WORD_RE) ?? [];
    for (let i = 0; i < pieces.length; i++) {
      let piece = pieces[i];
      // `S3`, `K8S`: one letter then digits (then letters) is an acronym, not two words.
      if (piece.length === 1 && /[a-z]/i.test(piece) && i + 1 < pieces.length && /^\d/.test(pieces[i + 1])) {
        piece += pieces[++i];
        if (i + 1 < pieces.length && pieces[i + 1].length === 1 && /[a-z]/i.test(pieces[i + 1])) piece += pieces[++i];
      }
      words.push(piece.toLowerCase());
    }
  }
  return words;
}

/** Words that make a name secret wherever they appear. */
const STRONG_WORDS = new Set([
  "password",
  "passwords",
  "passwd",
  "passphrase",
  "secret",
  "secrets",
  "token",
  "tokens",
  "apikey",
  "apikeys",
  "credential",
  "credentials",
  "creds",
  "privkey",
  "privatekey",
  "mnemonic",
]);

/**
 * Short or ambiguous words that make a name secret only as its last word:
 * `DB_PASS` is a password but `PASS_THROUGH` is not; `REDIS_AUTH` is, `AUTH_TYPE` is not.
 */
const WEAK_WORDS = new Set([
  "pass",
  "pwd",
  "pw",
  "psw",
  "key",
  "keys",
  "auth",
  "private",
  "sas",
  "pat",
  "bearer",
  "cred",
  // Shared secrets under other names: `RABBITMQ_ERLANG_COOKIE`, `HASH_SALT`, `WALLET_SEED`.
  "cookie",
  "salt",
  "seed",
]);

/** Words before `seed` that make it a random-number or fixture seed, not a wallet or key seed. */
const NON_SECRET_SEED = new Set([
  "random",
  "rng",
  "faker",
  "data",
  "db",
  "database",
  "test",
  "shuffle",
  "hash",
  "sample",
  "initial",
  "demo",
  "fixture",
  "fixtures",
  "global",
  "torch",
  "numpy",
  "np",
]);

/** Run-together compounds (`DBPASSWORD`, `GHTOKEN`, `SECRETKEY`) found inside one word. */
const COMPOUND_RE =
  /password|passwd|passphrase|secret(?!ar)|credential|apikey|privkey|(?:private|access|secret|master|signing|encryption|license|client|api)key|token$|tokens$/;

/** Last words that say the value is not the secret but something about it (where, which, how). */
const ALLOW_SUFFIXES = new Set([
  "file",
  "files",
  "path",
  "paths",
  "dir",
  "dirs",
  "directory",
  "folder",
  "location",
  "mount",
  "url",
  "uri",
  "urls",
  "endpoint",
  "addr",
  "address",
  "host",
  "hostname",
  "server",
  "port",
  "sock",
  "socket",
  "id",
  "ids",
  "name",
  "names",
  "label",
  "alias",
  "arn",
  "ref",
  "kind",
  "type",
  "class",
  "format",
  "version",
  "ver",
  "sha",
  "sha1",
  "sha256",
  "sha384",
  "sha512",
  "md5",
  "checksum",
  "checksums",
  "digest",
  "hash",
  "fingerprint",
  "ttl",
  "length",
  "len",
  "size",
  "min",
  "max",
  "count",
  "limit",
  "strength",
  "charset",
  "encoding",
  "regex",
  "pattern",
  "enabled",
  "enable",
  "disabled",
  "disable",
  "required",
  "optional",
  "mode",
  "policy",
  "rotation",
  "strategy",
  "header",
  "field",
  "param",
  "prefix",
  "suffix",
  "algorithm",
  "algo",
  "alg",
  "method",
  "provider",
  "backend",
  "helper",
  "expiry",
  "expires",
  "expiration",
  "timeout",
  "lifetime",
  "interval",
  "duration",
  "age",
  "seconds",
  "secs",
  "minutes",
  "mins",
  "hours",
  "days",
  "retries",
  "attempts",
  "rounds",
  "iterations",
  "cost",
  "level",
  "threshold",
  "user",
  "username",
  "usr",
  "login",
  "owner",
  "email",
  "keyserver",
  "keyring",
  "keyrings",
  "stdin",
  "prompt",
  "cmd",
  "command",
  "script",
  "env",
]);

/** A secret word glued to an allow suffix in one word: `KEYFILE`, `PASSWORDFILE`, `TOKENPATH`. */
const GLUED_ALLOW_RE =
  /^(?:api)?(?:key|keys|password|passwd|pass|pwd|token|secret|secrets|credentials?)(?:file|path|dir|id|url|uri|name|server|ring|type|length|hash|size)$/;

/** Words that turn key-ish names into public or structural keys: `GPG_KEY`, `PUBLIC_KEY`, `SORT_KEY`. */
const KEY_QUALIFIERS = new Set([
  "gpg",
  "pgp",
  "gnupg",
  "public",
  "pub",
  "publishable",
  "anon",
  "verify",
  "verification",
  "site",
  "sort",
  "partition",
  "primary",
  "foreign",
  "cache",
  "routing",
  "lookup",
  "idempotency",
  "hot",
  "shortcut",
  "map",
  "group",
  "config",
  "setting",
  "settings",
  "field",
  "column",
  "attribute",
  "attr",
  "json",
  "dict",
  "object",
  "index",
  "label",
  "tag",
]);

/** Whole words that name public key material. */
const PUBLIC_KEY_WORDS = new Set(["gpgkey", "gpgkeys", "pgpkey", "pgpkeys", "pubkey", "pubkeys", "publickey", "publickeys"]);

const KEY_FAMILY = new Set(["key", "keys", "private", "privkey", "privatekey"]);

/** Shell variables that happen to contain a secret word (upper case only: a JSON `pwd` is a password). */
const KNOWN_NEUTRAL = new Set(["PWD", "OLDPWD"]);

/**
 * Names repeat across a run (`DB_PASSWORD` in every service, every flag of every command), and
 * classifying one splits it into words and tests a dozen sets: remember the answers, per settings
 * object, up to a bound so that a file of random names cannot grow the cache without limit.
 */
const MAX_REMEMBERED = 20_000;
const defaultClasses = new Map<string, NameClass>();
const classesBySettings = new WeakMap<NameSettings, Map<string, NameClass>>();

/** Classify a name; `settings` adds team words (case-insensitive; allow wins over secret). */
export function classifyName(name: string, settings?: NameSettings): NameClass {
  let cache = defaultClasses;
  if (settings) {
    let own = classesBySettings.get(settings);
    if (!own) classesBySettings.set(settings, (own = new Map()));
    cache = own;
  }
  let answer = cache.get(name);
  if (answer === undefined) {
    if (cache.size >= MAX_REMEMBERED) cache.clear();
    answer = classifyUncached(name, settings);
    cache.set(name, answer);
  }
  return answer;
}

function classifyUncached(name: string, settings: NameSettings | undefined): NameClass {
  const lower = name.toLowerCase();
  if (KNOWN_NEUTRAL.has(name)) return "neutral";
  const words = splitNameWords(name);
  if (words.length === 0) return "neutral";

  if (settings && settings.allowWords.length > 0 && matchesAny(words, lower, settings.allowWords)) return "allowlisted";

  // The last meaningful word decides what the value is: trailing numbers (`PASSWORD_2`) don't count.
  let end = words.length;
  while (end > 1 && /^\d+$/.test(words[end - 1])) end--;
  const core = words.slice(0, end);
  const last = core[core.length - 1];

  const hits: string[] = [];
  core.forEach((w, i) => {
    if (STRONG_WORDS.has(w)) hits.push(w);
    else if (WEAK_WORDS.has(w)) {
      if (w === "seed" && i > 0 && NON_SECRET_SEED.has(core[i - 1])) return;
      if (i === core.length - 1) hits.push(w);
      // `SEED_PHRASE`, `WALLET_SEED_WORDS`: a seed followed by what it is made of.
      else if (w === "seed" && /^(?:phrase|words|mnemonic)$/.test(core[i + 1])) hits.push(w);
      // `PRIVATE_KEY_PEM`, `SSH_PRIVATE_KEY_B64`: private followed by key-ish words.
      else if (w === "private" && /^(?:key|keys|pem)$/.test(core[i + 1])) hits.push(w);
      else if (w === "key" && i === core.length - 2 && /^(?:base|b64|base64|pem|data|value|content|contents|material|pair)$/.test(core[i + 1])) hits.push(w);
    } else if (COMPOUND_RE.test(w) && !PUBLIC_KEY_WORDS.has(w)) hits.push(w);
  });
  const userSecret = settings !== undefined && settings.secretWords.length > 0 && matchesAny(words, lower, settings.secretWords);

  const namesPublicKey = core.some((w) => PUBLIC_KEY_WORDS.has(w));
  if (hits.length === 0 && !userSecret) {
    return ALLOW_SUFFIXES.has(last) || GLUED_ALLOW_RE.test(last) || namesPublicKey ? "allowlisted" : "neutral";
  }
  if (ALLOW_SUFFIXES.has(last) || GLUED_ALLOW_RE.test(last)) return "allowlisted";
  // `javax.net.ssl.trustStorePassword`: a trust store holds public CA certificates; its password
  // (the JDK's published `changeit`) guards integrity, not a secret.
  if (!userSecret && /(?:^|_)trust_?store_(?:password|passwd|pass|pwd)$/.test(words.join("_"))) return "allowlisted";
  // GPG_KEY, PUBLIC_KEY, SORT_KEY: only key-family hits, qualified as public or structural.
  // GPG_PASSPHRASE stays secret because passphrase is not key-family.
  const keyOnly = hits.every((h) => KEY_FAMILY.has(h) || /key$/.test(h));
  if (keyOnly && !userSecret && (namesPublicKey || core.some((w) => KEY_QUALIFIERS.has(w)))) return "allowlisted";
  // `ARG public_token`, `NEXT_PUBLIC_MAPBOX_TOKEN`: a token the vendor publishes to browsers.
  const tokenOnly = hits.every((h) => h === "token" || h === "tokens");
  if (tokenOnly && !userSecret && core.some((w) => w === "public" || w === "publishable")) return "allowlisted";
  return "secret";
}

function matchesAny(words: readonly string[], lowerName: string, extra: readonly string[]): boolean {
  for (const raw of extra) {
    const wanted = splitNameWords(raw);
    if (wanted.length === 0) continue;
    if (wanted.length === 1 ? words.includes(wanted[0]) : lowerName.replace(/[^a-z0-9]+/g, "_").includes(wanted.join("_"))) return true;
  }
  return false;
}
