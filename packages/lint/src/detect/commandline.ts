import type { NameSettings } from "../rule.js";
import { classifyName as classifyNameWith, splitNameWords } from "./names.js";
import { simpleCommands, tokenizeShell, type ShellWord } from "./shell-words.js";
import { removeOverlaps } from "./overlaps.js";
import type { CredentialMatch } from "./urls.js";
import { classifyValue, isLikelySecretValue, isWeakValue } from "./values.js";

/** A secret on a command line. `value` is the unquoted secret when it differs from the raw span. */
export interface CommandLineMatch extends CredentialMatch {
  value: string;
}

/**
 * Secrets passed on shell command lines (RUN, CMD, HEALTHCHECK, compose `command`):
 * `curl -u user:pass`, `Authorization:` headers, `mysql -pX`, `docker login -p X`, `sshpass -p X`,
 * `htpasswd -b f u X`, `redis-cli -a X`, `--requirepass X`, `IDENTIFIED BY 'X'`, secret-named
 * assignments (`export TOKEN=X`, `TOKEN=X cmd`, `-e TOKEN=X`, `--set db.password=X`,
 * `--from-literal=password=X`, `-Dx.password=X`), generic `--password=X`/`--token X` flags,
 * `.npmrc` `_authToken=X`, `.netrc` lines, JSON `"password":"X"`, `echo X | docker login
 * --password-stdin` / `chpasswd` / `passwd`, a few tool-specific forms (composer, mc, sqlcmd,
 * ldap*, smbclient, zip, 7z, openssl, keytool), and commands inside `$( … )`.
 *
 * Skips `$VAR`, `${VAR}`, `$(cat /run/secrets/x)`, placeholders and prompt forms (`mysql -p`).
 * URL credentials (`psql postgres://u:p@h`) are left to urls.ts so they are reported once.
 * `index`/`length` are offsets in `shell`.
 */
export function findCommandLineSecrets(shell: string, names?: NameSettings): CommandLineMatch[] {
  return scanShell(shell, 0, names);
}

/** Command substitutions nest; three levels is plenty for real Dockerfiles. */
const MAX_SUBSTITUTION_DEPTH = 3;

/** The driver: each simple command's substitutions, leading assignments, wrappers, words, tool form and pipe. */
function scanShell(shell: string, depth: number, names: NameSettings | undefined): CommandLineMatch[] {
  const scan = new Scan(names, /gpg|gnupg|apt-key|keyserver|recv-keys?/i.test(shell));
  const commands = simpleCommands(tokenizeShell(shell));
  for (let ci = 0; ci < commands.length; ci++) {
    const { words, terminator } = commands[ci];
    if (depth < MAX_SUBSTITUTION_DEPTH) scanSubstitutions(scan, words, depth, names);
    const w = skipAssignmentsAndWrappers(scan, words);
    if (w >= words.length) continue;
    const cmd = basename(words[w].text);
    const args = words.slice(w + 1);
    checkArguments(scan, cmd, args);
    TOOL_FORMS.get(cmd)?.(scan, args, cmd);
    if (terminator === "|" && (cmd === "echo" || cmd === "printf") && ci + 1 < commands.length) checkPipedSecret(scan, cmd, args, commands[ci + 1].words);
  }
  return removeOverlaps(scan.found);
}

/** What the checks share while one shell text is scanned: the settings and the matches so far. */
class Scan {
  readonly found: CommandLineMatch[] = [];
  /** Words a demo password repeats (the user name in `root:root`); set just before `add`. */
  related: readonly string[] = [];

  constructor(
    private readonly names: NameSettings | undefined,
    /** The text mentions gpg: a hex run after a key-ish name is a public key id. */
    readonly mentionsGpg: boolean,
  ) {}

  /** The team's `lint.secretNames` apply on command lines as they do to ENV and environment keys. */
  classifyName(name: string): ReturnType<typeof classifyNameWith> {
    return classifyNameWith(name, this.names);
  }

  add(word: ShellWord, from: number, to: number, kind: string, label: string): void {
    if (to <= from || from < 0 || to > word.text.length) return;
    const value = word.text.slice(from, to);
    const index = word.offsets[from];
    const match: CommandLineMatch = { index, length: word.offsets[to - 1] + 1 - index, kind, label, value };
    if (isWeakValue(value, this.related)) match.weak = true;
    this.related = [];
    this.found.push(match);
  }

  /** Report `word.text[from..]` (or up to `to`) if it is a literal, not a reference or placeholder. */
  addIfSecret(word: ShellWord, from: number, kind: string, label: string, to = word.text.length): void {
    if (isCommandSecret(word.text.slice(from, to))) this.add(word, from, to, kind, label);
  }

  /** `NAME=value`: reports a secret-named literal; false when the word is no assignment. */
  checkAssignment(word: ShellWord): boolean {
    const m = ASSIGNMENT_RE.exec(word.text);
    if (!m) return false;
    const value = word.text.slice(m[0].length);
    if (this.classifyName(m[1]) !== "secret" || !isLikelySecretValue(value)) return true;
    if (this.mentionsGpg && GPG_FINGERPRINT_RE.test(value.replace(/\s+/g, ""))) return true;
    this.related = splitNameWords(m[1]);
    this.add(word, m[0].length, word.text.length, "secret-assignment", `secret-named variable ${m[1]}`);
    return true;
  }
}

/** `"$(openssl passwd -6 SECRET)"`: scan the inner command too, mapping back through the word. */
function scanSubstitutions(scan: Scan, words: ShellWord[], depth: number, names: NameSettings | undefined): void {
  for (const word of words) {
    if (!word.text.includes("$(")) continue;
    for (const inner of substitutions(word.text)) {
      for (const m of scanShell(word.text.slice(inner.from, inner.to), depth + 1, names)) {
        const index = word.offsets[inner.from + m.index];
        scan.found.push({ ...m, index, length: word.offsets[inner.from + m.index + m.length - 1] + 1 - index });
      }
    }
  }
}

const WRAPPERS = new Set(["sudo", "env", "exec", "command", "nohup", "time", "nice"]);

/** Checks `TOKEN=x cmd` assignments and steps over wrappers (`sudo -u x env A=b cmd`); returns the command's index. */
function skipAssignmentsAndWrappers(scan: Scan, words: ShellWord[]): number {
  let w = 0;
  while (w < words.length && ASSIGNMENT_RE.test(words[w].text)) scan.checkAssignment(words[w++]);
  while (w < words.length) {
    const name = basename(words[w].text);
    if (WRAPPERS.has(name)) {
      w++;
      while (w < words.length && (words[w].text.startsWith("-") || ASSIGNMENT_RE.test(words[w].text))) {
        if (!scan.checkAssignment(words[w]) && (words[w].text === "-u" || words[w].text === "-g")) w++;
        w++;
      }
    } else if (name === "gosu" || name === "su-exec") {
      w += 2;
    } else break;
  }
  return w;
}

/** The checks every argument of every command gets: flags, assignments, headers, JSON, .npmrc, SQL, .netrc. */
function checkArguments(scan: Scan, cmd: string, args: ShellWord[]): void {
  for (let a = 0; a < args.length; a++) {
    const word = args[a];
    const t = word.text;
    // Gates before the regexes: every argument of every command comes through here.
    const dash = t.charCodeAt(0) === 45;
    const hasEq = t.includes("=");
    const long = dash && hasEq ? LONG_FLAG_VALUE_RE.exec(t) : null;
    if (long) {
      checkLongFlag(scan, word, long[1], long[0].length);
      continue;
    }
    const sysProp = dash && hasEq ? SYSTEM_PROPERTY_RE.exec(t) : null;
    if (sysProp) {
      if (scan.classifyName(sysProp[1]) === "secret" && isLikelySecretValue(t.slice(sysProp[0].length))) {
        scan.add(word, sysProp[0].length, t.length, "secret-assignment", `secret-named setting ${sysProp[1]}`);
      }
      continue;
    }
    if (cmd !== "export" && hasEq && ASSIGNMENT_RE.test(t) && scan.checkAssignment(word)) continue;
    if (t.includes(":") && /["']/.test(t)) checkJsonPairs(scan, word);
    if (hasEq && DOTTED_ASSIGNMENT_RE.test(t)) {
      const eq = t.indexOf("=");
      const name = t.slice(0, eq);
      if (scan.classifyName(name) === "secret" && isLikelySecretValue(t.slice(eq + 1)))
        scan.add(word, eq + 1, t.length, "secret-assignment", `secret-named setting ${name}`);
      continue;
    }
    const sepFlag = dash ? SEPARATE_FLAG_RE.exec(t) : null;
    if (sepFlag && a + 1 < args.length && !args[a + 1].text.startsWith("-")) {
      if (checkSeparateFlag(scan, cmd, args, t, sepFlag[1], args[a + 1])) a++;
      continue;
    }
    // Cheap prefilters: most words are plain arguments.
    if (t.includes(":")) checkAuthorizationText(scan, word);
    if (NPM_OR_SQL_HINT_RE.test(t)) {
      if (NPM_AUTH_HINT_RE.test(t)) checkNpmAuth(scan, word);
      if (SQL_HINT_RE.test(t)) checkSql(scan, word);
    }
    if (t.includes("machine") && t.includes("password")) checkNetrc(scan, word);
  }
}

/** `--flag=value`: `--from-literal=password=…`, `--password=…`, `--header=Authorization: …`. */
function checkLongFlag(scan: Scan, word: ShellWord, flag: string, valueFrom: number): void {
  const t = word.text;
  const rest = t.slice(valueFrom);
  const inner = ASSIGNMENT_FLAGS.has(flag.toLowerCase()) ? /^([A-Za-z_][\w.-]*)=/.exec(rest) : null;
  if (inner) {
    // `--from-literal=password=…`, `--build-arg=TOKEN=…`, `--set=db.password=…`
    const from = valueFrom + inner[0].length;
    if (scan.classifyName(inner[1]) === "secret" && isLikelySecretValue(t.slice(from)))
      scan.add(word, from, t.length, "secret-assignment", `secret-named setting ${inner[1]}`);
  } else if (FLAG_VALUE_IS_SECRET.has(flag.toLowerCase()) || (scan.classifyName(flag) === "secret" && !isMountSpec(rest))) {
    scan.addIfSecret(word, valueFrom, "secret-flag", `--${flag} option`);
  } else if (HEADER_FLAGS.has(flag)) {
    checkHeader(scan, word, valueFrom);
  }
}

/** `--flag value` and `-flag value` (`t` is the flag word, `next` its value); true when `next` was consumed. */
function checkSeparateFlag(scan: Scan, cmd: string, args: ShellWord[], t: string, name: string, next: ShellWord): boolean {
  const flag = name.length === 1 ? name : name.toLowerCase();
  if (t.startsWith("--") && SEPARATE_SECRET_FLAGS.has(flag) && !PROMPTING_COMMANDS.has(cmd) && !isMountSpec(next.text)) {
    scan.addIfSecret(next, 0, "secret-flag", `--${flag} option`);
    return true;
  }
  if (!t.startsWith("--") && JAVA_PASS_FLAGS.has(flag)) {
    // `keytool -importcert -cacerts -storepass changeit`: the JDK's trust store and its
    // published default password guard public CA certificates, not a secret.
    const trustStore = args.some((x) => /(?:^|[/-])cacerts$/.test(x.text)) && next.text === "changeit";
    if (!trustStore) scan.addIfSecret(next, 0, "secret-flag", `-${flag} option`);
    return true;
  }
  if (PASS_PREFIX_FLAGS.has(flag) && next.text.startsWith("pass:")) {
    scan.addIfSecret(next, 5, "secret-flag", `${t} pass: argument`);
    return true;
  }
  if (HEADER_FLAGS.has(flag) && (cmd === "curl" || cmd === "wget" || cmd === "http" || cmd === "https")) {
    checkHeader(scan, next, 0);
    return true;
  }
  return false;
}

/** `echo X | docker login --password-stdin`, `echo 'root:X' | chpasswd`. */
function checkPipedSecret(scan: Scan, cmd: string, args: ShellWord[], next: ShellWord[]): void {
  const nextCmd = basename(next[0]?.text ?? "");
  const stdinSecret =
    next.some((x) => STDIN_SECRET_FLAGS.has(x.text)) || nextCmd === "chpasswd" || nextCmd === "passwd" || nextCmd === "vncpasswd" || nextCmd === "smbpasswd";
  const payload = args.filter((x) => !x.text.startsWith("-"));
  const word = cmd === "printf" && payload.length > 1 && payload[0].text.includes("%") ? payload[1] : payload[0];
  if (!stdinSecret || !word) return;
  if (nextCmd === "chpasswd") {
    const colon = word.text.indexOf(":");
    scan.related = [word.text.slice(0, colon)];
    if (colon >= 0) scan.addIfSecret(word, colon + 1, "stdin-password", "user:secret line piped to chpasswd", word.text.search(/\\n|\n|$/));
  } else {
    // `echo -e "pw\npw" | passwd user`: the password is repeated; take the first line.
    const stop = word.text.search(/\\n|\n/);
    scan.addIfSecret(word, 0, "stdin-password", `secret piped to ${nextCmd}`, stop < 0 ? word.text.length : stop);
  }
}

function checkHeader(scan: Scan, word: ShellWord, from: number): void {
  const t = word.text.slice(from);
  const colon = t.indexOf(":");
  if (colon <= 0) return;
  const name = t.slice(0, colon).trim();
  if (/^(?:proxy-)?authorization$/i.test(name)) {
    checkAuthorizationText(scan, word, from);
    return;
  }
  if (scan.classifyName(name) !== "secret" && !/^x-(?:api|auth|access)/i.test(name)) return;
  const valueStart = from + colon + 1 + (t.slice(colon + 1).length - t.slice(colon + 1).trimStart().length);
  scan.addIfSecret(word, valueStart, "secret-header", `${name} header`, from + t.trimEnd().length);
}

function checkAuthorizationText(scan: Scan, word: ShellWord, from = 0): void {
  const m = AUTHORIZATION_RE.exec(word.text.slice(from));
  if (!m) return;
  const valueStart = from + m[0].length;
  const rest = word.text.slice(valueStart).trimEnd();
  const label = m[1] ? `${m[1].trim()} credentials in Authorization header` : "Authorization header";
  scan.addIfSecret(word, valueStart, "authorization-header", label, valueStart + rest.length);
}

function checkNpmAuth(scan: Scan, word: ShellWord): void {
  NPM_AUTH_RE.lastIndex = 0;
  for (let m = NPM_AUTH_RE.exec(word.text); m !== null; m = NPM_AUTH_RE.exec(word.text)) {
    const from = m.index + m[0].length;
    const valueMatch = /^["']?([^\s"']*)/.exec(word.text.slice(from));
    const offset = from + (valueMatch && word.text[from] !== valueMatch[1][0] ? 1 : 0);
    const value = valueMatch ? valueMatch[1] : "";
    if (isCommandSecret(value)) scan.add(word, offset, offset + value.length, "npm-auth-token", `npm ${m[1]}`);
  }
}

/** `'{"user":"admin","password":"…"}'` in curl -d, mongo --eval and the like. */
function checkJsonPairs(scan: Scan, word: ShellWord): void {
  JSON_PAIR_RE.lastIndex = 0;
  for (let m = JSON_PAIR_RE.exec(word.text); m !== null; m = JSON_PAIR_RE.exec(word.text)) {
    const value = m[3];
    const from = m.index + m[0].length - value.length - 1;
    if (scan.classifyName(m[1]) === "secret" && isCommandSecret(value)) scan.add(word, from, from + value.length, "json-secret", `"${m[1]}" field`);
  }
}

/** `machine host login user password SECRET` written into a .netrc. */
function checkNetrc(scan: Scan, word: ShellWord): void {
  NETRC_RE.lastIndex = 0;
  for (let m = NETRC_RE.exec(word.text); m !== null; m = NETRC_RE.exec(word.text)) {
    const from = m.index + m[0].length - m[1].length;
    if (isCommandSecret(m[1])) scan.add(word, from, from + m[1].length, "netrc-password", "netrc password");
  }
}

function checkSql(scan: Scan, word: ShellWord): void {
  for (const re of SQL_PASSWORD_RES) {
    re.lastIndex = 0;
    for (let m = re.exec(word.text); m !== null; m = re.exec(word.text)) {
      const value = m[2];
      const from = m.index + m[0].length - value.length - 1;
      if (isCommandSecret(value)) scan.add(word, from, from + value.length, "sql-password", "password in SQL statement");
    }
  }
}

const ASSIGNMENT_RE = /^([A-Za-z_][A-Za-z0-9_]*)=/;
/** `-Dspring.datasource.password=…` (JVM system properties). */
const SYSTEM_PROPERTY_RE = /^-D([A-Za-z_][A-Za-z0-9_.-]*)=/;
/** `"key": "value"` / `key: 'value'` pairs inside one shell word (JSON bodies, JS snippets). */
// The name starts at a word boundary, so a long run of name characters is scanned once, not from every position.
const JSON_PAIR_RE = /["']?(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*:\s*(["'])((?:(?!\2).){1,200})\2/g;
/** `db.password=x`, `auth.token=x` (helm `--set`, `vault kv put`, `key=value` CLIs). */
const DOTTED_ASSIGNMENT_RE = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+=/;
const LONG_FLAG_VALUE_RE = /^--([A-Za-z][A-Za-z0-9_.-]*)=/;
/** A 16- to 40-hex GPG key id or fingerprint (`0x` optional): public, used with `gpg --recv-keys`. */
const GPG_FINGERPRINT_RE = /^(?:0x)?(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$/;
const AUTHORIZATION_RE = /^\s*(?:proxy-)?authorization\s*:\s*((?:bearer|basic|token|bot|apikey|api-key|digest|sso-key|gitlab-token)\s+)?/i;
const NPM_AUTH_RE = /(?:^|[:\s])(_authToken|_auth|_password|npmAuthToken|npmAuthIdent)\s*[= ]\s*/g;
// Host and login are bounded, so a run of `machine x machine x …` is not rescanned from each `machine`.
const NETRC_RE = /\bmachine\s+\S{1,255}\s+(?:login\s+\S{1,255}\s+)?password\s+([^\s"'\\]+)/g;
/** Flags whose value is itself `NAME=value`. */
const ASSIGNMENT_FLAGS = new Set(["from-literal", "build-arg", "env", "set", "set-string", "set-literal", "var", "extra-vars"]);
const NPM_AUTH_HINT_RE = /_auth|_password|npmauth/i;
const SQL_HINT_RE = /identified|password/i;
/** Matches every word either of the two hints above matches: one pass for the many words that hold neither. */
const NPM_OR_SQL_HINT_RE = /_auth|password|npmauth|identified/i;
/** `--flag` or `-flag` alone, its value in the next word. */
const SEPARATE_FLAG_RE = /^--?([A-Za-z][A-Za-z0-9-]*)$/;
const SQL_PASSWORD_RES = [
  /\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+(?:PASSWORD\s+)?(['"])((?:(?!\1).){0,300})\1/gi,
  /\b(?:CREATE|ALTER)\s+(?:USER|ROLE|LOGIN)\b[^;]{0,300}?\bPASSWORD\s*(?:=\s*)?(['"])((?:(?!\1).){0,300})\1/gi,
];

/** Flags whose `=value` is a secret even though their name doesn't say so. */
const FLAG_VALUE_IS_SECRET = new Set(["requirepass", "masterauth", "oauth2-bearer", "http-password", "ftp-password", "proxy-password", "ks-pass", "key-pass"]);
/** `--flag value` forms taken as secret (values that look like paths or references are skipped anyway). */
const SEPARATE_SECRET_FLAGS = new Set([
  "password",
  "passwd",
  "pass",
  "token",
  "api-key",
  "apikey",
  "api-token",
  "secret",
  "client-secret",
  "access-token",
  "auth-token",
  "secret-key",
  "secret-access-key",
  "requirepass",
  "masterauth",
  "http-password",
  "ftp-password",
  "proxy-password",
  "registry-password",
  "db-password",
  "admin-password",
  "root-password",
  "oauth2-bearer",
]);
const JAVA_PASS_FLAGS = new Set(["storepass", "keypass", "srcstorepass", "deststorepass", "srckeypass", "destkeypass"]);
const PASS_PREFIX_FLAGS = new Set(["passin", "passout", "pass", "password", "ks-pass", "key-pass"]);
const HEADER_FLAGS = new Set(["H", "header"]);
/** MySQL-family clients: `-p`/`--password` with nothing attached prompt for the password. */
const PROMPTING_COMMANDS = new Set([
  "mysql",
  "mysqladmin",
  "mysqldump",
  "mysqlimport",
  "mysqlcheck",
  "mysqlshow",
  "mysqlpump",
  "mariadb",
  "mariadb-admin",
  "mariadb-dump",
  "mysqlsh",
]);
const MONGO_COMMANDS = new Set(["mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport", "mongostat", "mongotop"]);
const LOGIN_COMMANDS = new Set(["docker", "podman", "buildah", "skopeo", "nerdctl", "helm", "oras", "crane", "regctl", "az", "cf"]);
const STDIN_SECRET_FLAGS = new Set(["--password-stdin", "--with-token", "--token-stdin", "--stdin"]);

/** `--secret id=npm,src=.npmrc` (docker build, buildx): a mount spec, not a secret. */
function isMountSpec(value: string): boolean {
  return /^(?:id|type|src|source|env|target|required)=[^,]*(?:,|$)/.test(value);
}

function isCommandSecret(value: string): boolean {
  if (value === "" || value.startsWith("-")) return false;
  const kind = classifyValue(value);
  return kind === "literal" || kind === "checksum" || (kind === "number" && value.length >= 4);
}

/** Bodies of top-level `$( … )` substitutions in a word's text (offsets into the text); one pass. */
function substitutions(text: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let open = -1;
  let depth = 0;
  for (let j = 0; j < text.length; j++) {
    const c = text[j];
    if (c === "(") {
      if (depth === 0 && text[j - 1] === "$") open = j + 1;
      if (open >= 0) depth++;
    } else if (c === ")" && depth > 0 && --depth === 0) {
      out.push({ from: open, to: j });
      open = -1;
    }
  }
  return out;
}

function basename(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash >= 0 ? path.slice(slash + 1) : path;
}

/**
 * Call `fn(word, from)` for each value of the given options: `-o value`, `--opt value`, `--opt=value`,
 * and with `attached`, short options glued to their value (`-uuser:pass`).
 */
function forOption(args: ShellWord[], names: string[], fn: (word: ShellWord, from: number) => void, attached = false): void {
  for (let a = 0; a < args.length; a++) {
    const t = args[a].text;
    for (const name of names) {
      if (t === name) {
        if (a + 1 < args.length) fn(args[++a], 0);
      } else if (name.startsWith("--") && t.startsWith(name + "=")) {
        fn(args[a], name.length + 1);
      } else if (attached && !name.startsWith("--") && t.startsWith(name) && t.length > name.length) {
        fn(args[a], name.length);
      } else continue;
      break;
    }
  }
}

/** A tool's own forms (`curl -u user:pass`, `sshpass -p X`), given the words after the command name. */
type ToolForm = (scan: Scan, args: ShellWord[], cmd: string) => void;

/** A tool form that reports each value of the given options; `label` may use the command's name. */
function optionForm(options: string[], label: (cmd: string) => string, attached = false): ToolForm {
  return (scan, args, cmd) => forOption(args, options, (word, from) => scan.addIfSecret(word, from, "secret-flag", label(cmd)), attached);
}

/** `npm config set <key> <value>`, `aws configure set <key> <value>`, `git config <key> <value>`. */
const configSet: ToolForm = (scan, args, cmd) => {
  const at = args.findIndex((x, i) => (x.text === "set" && /^config(?:ure)?$/.test(args[i - 1]?.text ?? "")) || (cmd === "git" && x.text === "config"));
  if (at < 0) return;
  const rest = args.slice(at + 1).filter((x) => !x.text.startsWith("-"));
  if (rest.length >= 2 && !rest[0].text.includes("=")) {
    const key = rest[0].text.replace(/^.*[:/]/, "");
    if (scan.classifyName(key) === "secret") scan.addIfSecret(rest[1], 0, "config-secret", `${cmd} config ${key}`);
  }
};

/** The table of tool forms, by command name. */
const TOOL_FORMS = new Map<string, ToolForm>();
function tool(names: Iterable<string>, form: ToolForm): void {
  for (const n of names) TOOL_FORMS.set(n, form);
}

tool(["export", "declare", "local", "readonly", "typeset"], (scan, args) => {
  for (const word of args) scan.checkAssignment(word);
});
tool(["curl"], (scan, args) => {
  forOption(
    args,
    ["-u", "--user", "-U", "--proxy-user"],
    (word, from) => {
      const colon = word.text.indexOf(":", from);
      if (colon >= 0) scan.addIfSecret(word, colon + 1, "basic-auth", "password in curl --user");
    },
    true,
  );
  forOption(args, ["--oauth2-bearer"], (word, from) => scan.addIfSecret(word, from, "bearer-token", "curl --oauth2-bearer token"));
});
tool(["npm", "yarn", "pnpm", "aws", "git"], configSet);
tool(
  ["wget"],
  optionForm(["--password", "--http-password", "--ftp-password", "--proxy-password"], () => "wget password option"),
);
tool(
  ["sshpass"],
  optionForm(["-p"], () => "sshpass -p password", true),
);
tool(
  ["redis-cli"],
  optionForm(["-a"], () => "redis-cli -a password"),
);
tool(
  ["ssh-keygen"],
  optionForm(["-N", "-P"], () => "ssh-keygen passphrase"),
);
tool(["openssl"], (scan, args) => {
  forOption(args, ["-k"], (word, from) => scan.addIfSecret(word, from, "secret-flag", "openssl -k password"));
  // `openssl passwd -6 -salt x PASSWORD`: the plaintext is the last positional.
  if (args[0]?.text === "passwd") {
    const rest = args.slice(1);
    const positional = rest.filter((x, n) => !x.text.startsWith("-") && !/^-(?:salt|in)$/.test(rest[n - 1]?.text ?? ""));
    const last = positional[positional.length - 1];
    if (last) scan.addIfSecret(last, 0, "positional-password", "openssl passwd plaintext");
  }
});
tool(["htpasswd"], (scan, args) => {
  // `htpasswd -b[c] file user pass`, `htpasswd -nb user pass`: the password is the last positional.
  const flags = args
    .filter((x) => /^-[A-Za-z]+$/.test(x.text))
    .map((x) => x.text.slice(1))
    .join("");
  if (!flags.includes("b")) return;
  const positional = args.filter((x) => !x.text.startsWith("-"));
  const need = flags.includes("n") ? 2 : 3;
  if (positional.length >= need) scan.addIfSecret(positional[need - 1], 0, "positional-password", "htpasswd -b password");
});
tool(["rabbitmqctl"], (scan, args) => {
  if ((args[0]?.text === "add_user" || args[0]?.text === "change_password") && args[2])
    scan.addIfSecret(args[2], 0, "positional-password", `rabbitmqctl ${args[0].text} password`);
});
tool(["composer"], (scan, args) => {
  // `composer config [-g] github-oauth.github.com TOKEN`, `http-basic.host USER PASSWORD`
  const at = args.findIndex((x) => x.text === "config");
  const rest = at < 0 ? [] : args.slice(at + 1).filter((x) => !x.text.startsWith("-"));
  if (rest.length >= 2 && /^(?:github-oauth|gitlab-oauth|gitlab-token|bearer)\./.test(rest[0].text))
    scan.addIfSecret(rest[1], 0, "config-secret", `composer ${rest[0].text.split(".")[0]} token`);
  else if (rest.length >= 3 && rest[0].text.startsWith("http-basic.")) scan.addIfSecret(rest[2], 0, "config-secret", "composer http-basic password");
});
tool(["mc"], (scan, args) => {
  // `mc alias set NAME URL ACCESS_KEY SECRET_KEY` (and the older `mc config host add`)
  for (const [a, b] of [
    ["alias", "set"],
    ["host", "add"],
  ]) {
    const at = args.findIndex((x, n) => x.text === a && args[n + 1]?.text === b);
    const rest = at < 0 ? [] : args.slice(at + 2).filter((x) => !x.text.startsWith("-"));
    if (rest.length >= 4) scan.addIfSecret(rest[3], 0, "positional-password", "mc secret key");
  }
});
tool(["smbclient"], (scan, args) => {
  forOption(
    args,
    ["-U", "--user"],
    (word, from) => {
      const pct = word.text.indexOf("%", from);
      if (pct >= 0) scan.addIfSecret(word, pct + 1, "basic-auth", "smbclient user%password");
    },
    true,
  );
});
tool(
  ["sqlcmd", "bcp", "osql"],
  optionForm(["-P"], (cmd) => `${cmd} -P password`, true),
);
tool(
  ["ldapsearch", "ldapadd", "ldapmodify", "ldapdelete", "ldappasswd", "ldapwhoami"],
  optionForm(["-w"], (cmd) => `${cmd} -w password`),
);
tool(
  ["zip", "unzip"],
  optionForm(["-P", "--password"], (cmd) => `${cmd} -P password`),
);
tool(["7z", "7za", "7zr"], (scan, args) => {
  for (const word of args) if (/^-p./.test(word.text)) scan.addIfSecret(word, 2, "secret-flag", "7z -p password");
});
tool(["x11vnc"], (scan, args) => {
  // `x11vnc -storepasswd PASS FILE` (with one argument it is the file and the password is prompted for).
  for (let a = 0; a < args.length; a++) {
    const t = args[a].text;
    if (t === "-storepasswd" && a + 2 < args.length && !args[a + 1].text.startsWith("-") && !args[a + 2].text.startsWith("-")) {
      scan.addIfSecret(args[a + 1], 0, "secret-flag", "x11vnc -storepasswd password");
    } else if ((t === "-passwd" || t === "-viewpasswd") && a + 1 < args.length) {
      scan.addIfSecret(args[a + 1], 0, "secret-flag", `x11vnc ${t} password`);
    }
  }
});
tool(["vault"], (scan, args) => {
  if (args[0]?.text === "login")
    for (const word of args.slice(1))
      if (!word.text.startsWith("-") && !word.text.includes("=")) scan.addIfSecret(word, 0, "positional-token", "vault login token");
});
// `-pSECRET` is a password; a bare `-p` prompts and the next word is the database.
tool(PROMPTING_COMMANDS, (scan, args, cmd) => {
  for (const word of args) if (/^-p[^-]/.test(word.text) && !word.text.startsWith("--")) scan.addIfSecret(word, 2, "secret-flag", `${cmd} -p password`);
});
tool(
  MONGO_COMMANDS,
  optionForm(["-p"], (cmd) => `${cmd} -p password`),
);
tool(LOGIN_COMMANDS, (scan, args, cmd) => {
  if (args.some((x) => x.text === "login"))
    forOption(args, ["-p"], (word, from) => scan.addIfSecret(word, from, "secret-flag", `${cmd} login -p password`), true);
});
