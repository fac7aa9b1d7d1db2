import { looksLikeDocStub, looksRandom } from "./entropy.js";
import { removeOverlaps } from "./overlaps.js";

/** A credential in a known vendor format. `index`/`length` locate the secret inside the searched text. */
export interface TokenMatch {
  index: number;
  length: number;
  /** Stable machine id, e.g. `github-token`. */
  kind: string;
  /** Human label for messages, e.g. "GitHub personal access token". */
  label: string;
  /** Set for credentials of lower impact (test-mode keys); undefined means "as severe as the rule says". */
  severity?: "warning" | "info";
}

interface TokenPattern {
  kind: string;
  label: string;
  /** Global regex; group 1, when present, is the secret, otherwise the whole match. */
  re: RegExp;
  /**
   * Literal substrings every match contains. A text holding none of them skips the regex: most
   * text holds no token, and compiling and running 20 regexes per string dominated a clean run.
   */
  hints?: readonly string[];
  /** Finds the same matches as `re` (index and secret), faster; `re` documents them and the tests check both. */
  find?: (text: string) => { index: number; secret: string }[];
  /** For a pattern without hints: a text this does not match cannot hold a match. */
  gate?: RegExp;
  /** The random part, checked against documentation stubs (`ghp_xxxx…`); defaults to the whole secret. */
  body?: (secret: string) => string;
  /** Extra check on the whole text around a match. */
  accept?: (secret: string, text: string, index: number) => boolean;
  severity?: (secret: string) => TokenMatch["severity"];
}

/** Left boundary: not glued to a preceding identifier character. */
const B = String.raw`(?<![A-Za-z0-9_])`;
/** Right boundary for base62-ish bodies. */
const E = String.raw`(?![A-Za-z0-9_])`;

const BASE64_CLASS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+") BASE64_CLASS[c.charCodeAt(0)] = 1;
const inBase64Class = (code: number) => code < 128 && BASE64_CLASS[code] === 1;

/**
 * `(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`: a maximal run of exactly 40 such
 * characters not followed by `=`.
 */
export function exactRuns40(text: string): { index: number; secret: string }[] {
  const out: { index: number; secret: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (!inBase64Class(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && inBase64Class(text.charCodeAt(j))) j++;
    if (j - i === 40 && text[j] !== "=") out.push({ index: i, secret: text.slice(i, j) });
    i = j;
  }
  return out;
}

/** The words one of which must come shortly before an AWS secret access key. */
const AWS_CONTEXT_RE = /aws|secret.?access|secret.?key/i;

const afterPrefix = (prefix: RegExp) => (s: string) => s.replace(prefix, "");

const PATTERNS: TokenPattern[] = [
  // Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
  {
    kind: "aws-access-key-id",
    label: "AWS access key ID",
    hints: ["AKIA", "ASIA", "ABIA", "ACCA"],
    re: new RegExp(String.raw`(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])`, "g"),
    body: (s) => s.slice(4),
  },
  // Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
  // (40 base64 characters; only trusted with an AWS/secret word shortly before it.)
  {
    kind: "aws-secret-access-key",
    label: "AWS secret access key",
    // `accept` wants one of these words before the match, so a text without any cannot match.
    gate: AWS_CONTEXT_RE,
    re: /(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
    // What the regex matches, found by walking runs (the regex's lookbehind ran at every position).
    find: exactRuns40,
    accept: (s, text, index) =>
      AWS_CONTEXT_RE.test(text.slice(Math.max(0, index - 60), index)) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) && looksRandom(s),
  },
  // Reference: https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats
  {
    kind: "github-token",
    label: "GitHub token",
    hints: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    re: new RegExp(B + String.raw`gh[pousr]_[A-Za-z0-9]{36,251}` + E, "g"),
    body: afterPrefix(/^gh._/),
  },
  // Reference: https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens-for-github/
  {
    kind: "github-fine-grained-token",
    label: "GitHub fine-grained personal access token",
    hints: ["github_pat_"],
    re: new RegExp(B + String.raw`github_pat_[A-Za-z0-9_]{50,251}` + E, "g"),
    body: afterPrefix(/^github_pat_/),
  },
  // Reference: https://docs.gitlab.com/ee/security/tokens/#token-prefixes
  {
    kind: "gitlab-token",
    label: "GitLab token",
    hints: ["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glcbt-"],
    re: new RegExp(B + String.raw`(?:glpat|gldt|glrt|glptt|glft|glcbt)-[A-Za-z0-9_-]{20,}` + E, "g"),
    body: afterPrefix(/^gl[a-z]+-/),
  },
  // Reference: https://api.slack.com/authentication/token-types
  {
    kind: "slack-token",
    label: "Slack token",
    hints: ["xox"],
    re: new RegExp(B + String.raw`xox[abposre]-(?:\d+-)?[0-9A-Za-z-]{10,}` + E, "g"),
    body: afterPrefix(/^xox.-/),
  },
  // Reference: https://api.slack.com/messaging/webhooks
  {
    kind: "slack-webhook",
    label: "Slack webhook URL",
    hints: ["hooks.slack.com/"],
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/g,
    body: afterPrefix(/^https:\/\/hooks\.slack\.com\/[a-z]+\//),
  },
  // Reference: https://docs.stripe.com/keys (publishable `pk_` keys are public by design)
  {
    kind: "stripe-secret-key",
    label: "Stripe secret key",
    hints: ["k_live_", "k_test_"],
    re: new RegExp(B + String.raw`(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,247}` + E, "g"),
    body: afterPrefix(/^.k_[a-z]+_/),
    severity: (s) => (s.includes("_test_") ? "warning" : undefined),
  },
  // Reference: https://docs.honeycomb.io/api/key-management/create-an-api-key (ingest keys: prefix,
  // 26-character key id and 32-character secret, no separator)
  {
    kind: "honeycomb-ingest-key",
    label: "Honeycomb ingest key",
    hints: ["ik_"],
    re: new RegExp(B + String.raw`hc[a-z]ik_[0-9a-z]{58}` + E, "g"),
    body: afterPrefix(/^hc[a-z]ik_/),
  },
  // Reference: https://cloud.google.com/docs/authentication/api-keys
  {
    kind: "google-api-key",
    label: "Google API key",
    hints: ["AIza"],
    re: new RegExp(B + String.raw`AIza[0-9A-Za-z_-]{35}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: (s) => s.slice(4),
  },
  // Reference: https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/
  {
    kind: "npm-token",
    label: "npm access token",
    hints: ["npm_"],
    re: new RegExp(B + String.raw`npm_[A-Za-z0-9]{36}` + E, "g"),
    body: (s) => s.slice(4),
  },
  // Reference: https://pypi.org/help/#apitoken (a macaroon; "AgEIcHlwaS5vcmc" is base64 of its pypi.org header)
  {
    kind: "pypi-token",
    label: "PyPI API token",
    hints: ["pypi-AgEIcHlwaS5vcmc"],
    re: new RegExp(B + String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`, "g"),
    body: (s) => s.slice(20),
  },
  // Reference: https://docs.anthropic.com/en/api/admin-api/apikeys/get-api-key
  {
    kind: "anthropic-api-key",
    label: "Anthropic API key",
    hints: ["sk-ant-"],
    re: new RegExp(B + String.raw`sk-ant-[a-z]+\d{0,2}-[A-Za-z0-9_-]{40,}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: afterPrefix(/^sk-ant-[a-z]+\d*-/),
  },
  // Reference: https://platform.openai.com/docs/api-reference/authentication
  // Project, service-account and admin keys are prefixed; legacy keys embed "T3BlbkFJ" (base64 "OpenAI").
  {
    kind: "openai-api-key",
    label: "OpenAI API key",
    hints: ["sk-"],
    re: new RegExp(
      B + String.raw`sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})` + String.raw`(?![A-Za-z0-9_-])`,
      "g",
    ),
    body: afterPrefix(/^sk-(?:[a-z]+-)?/),
  },
  // Reference: https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys
  {
    kind: "sendgrid-api-key",
    label: "SendGrid API key",
    hints: ["SG."],
    re: new RegExp(B + String.raw`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: (s) => s.slice(3),
  },
  // Reference: https://docs.docker.com/security/for-developers/access-tokens/
  {
    kind: "docker-token",
    label: "Docker Hub access token",
    hints: ["dckr_"],
    re: new RegExp(B + String.raw`dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: (s) => s.slice(9),
  },
  // Reference: https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes
  {
    kind: "vault-token",
    label: "HashiCorp Vault token",
    hints: ["hvs.", "hvb.", "hvr."],
    re: new RegExp(B + String.raw`hv[sbr]\.[A-Za-z0-9_-]{24,}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: (s) => s.slice(4),
  },
  // Reference: https://huggingface.co/docs/hub/security-tokens
  {
    kind: "huggingface-token",
    label: "Hugging Face access token",
    hints: ["hf_"],
    re: new RegExp(B + String.raw`hf_[A-Za-z]{34}` + E, "g"),
    body: (s) => s.slice(3),
  },
  // Reference: https://docs.digitalocean.com/reference/api/create-personal-access-token/
  {
    kind: "digitalocean-token",
    label: "DigitalOcean token",
    hints: ["_v1_"],
    re: new RegExp(B + String.raw`do[por]_v1_[a-f0-9]{64}` + E, "g"),
    body: (s) => s.slice(7),
  },
  // Reference: https://datatracker.ietf.org/doc/html/rfc7519#section-3 (header and payload are base64url JSON)
  {
    kind: "jwt",
    label: "JSON Web Token",
    hints: ["eyJ"],
    // The boundary includes `-`, so `eyJ-eyJ-…` is not rescanned from every `eyJ` inside one run.
    re: new RegExp(String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}` + String.raw`(?![A-Za-z0-9_-])`, "g"),
    body: (s) => s.split(".")[2],
    accept: (s) => isJsonSegment(s.split(".")[0]),
  },
];

// Reference: https://datatracker.ietf.org/doc/html/rfc7468 and https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key
// Certificates and public keys share the armour but are not secrets, so only PRIVATE KEY labels match.
const PRIVATE_KEY_BEGIN_RE = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
const PRIVATE_KEY_END_RE = /-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----/g;

function isJsonSegment(segment: string): boolean {
  try {
    const json = Buffer.from(segment, "base64url").toString("utf8");
    return json.trimStart().startsWith("{") && json.includes('"');
  } catch {
    return false;
  }
}

/**
 * Every hint of every pattern in one regex: one pass over a text says which patterns can match,
 * where testing each pattern's hints with `includes` took about 40 passes (the profile's top
 * entry in this module).
 */
const HINTS = [...new Set(PATTERNS.flatMap((p) => p.hints ?? []))];
const HINT_RE = new RegExp(HINTS.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
const HINTS_BY_FIRST = new Map<string, string[]>();
for (const h of HINTS) HINTS_BY_FIRST.set(h[0], [...(HINTS_BY_FIRST.get(h[0]) ?? []), h]);

/** The hints that occur in `text`; every occurrence is seen, overlapping ones included. */
function hintsIn(text: string): Set<string> {
  const present = new Set<string>();
  HINT_RE.lastIndex = 0;
  for (let m = HINT_RE.exec(text); m !== null; m = HINT_RE.exec(text)) {
    for (const h of HINTS_BY_FIRST.get(text[m.index]) ?? []) if (text.startsWith(h, m.index)) present.add(h);
    HINT_RE.lastIndex = m.index + 1;
  }
  return present;
}

/** Every known-format credential in `text`, in order, without overlaps (earliest, then longest wins). */
export function findKnownTokens(text: string): TokenMatch[] {
  const found: TokenMatch[] = [];
  const present = hintsIn(text);
  for (const p of PATTERNS) {
    if (p.hints ? !p.hints.some((h) => present.has(h)) : p.gate && !p.gate.test(text)) continue;
    for (const { index, secret } of p.find ? p.find(text) : matchesOf(p.re, text)) {
      if (looksLikeDocStub((p.body ?? ((s: string) => s))(secret))) continue;
      if (p.accept && !p.accept(secret, text, index)) continue;
      const match: TokenMatch = { index, length: secret.length, kind: p.kind, label: p.label };
      const severity = p.severity?.(secret);
      if (severity) match.severity = severity;
      found.push(match);
    }
  }
  found.push(...findPrivateKeys(text));
  return removeOverlaps(found);
}

/** A global regex's matches as (index, secret): group 1 when present, else the whole match. */
function matchesOf(re: RegExp, text: string): { index: number; secret: string }[] {
  const out: { index: number; secret: string }[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const secret = m[1] ?? m[0];
    out.push({ index: m.index + (m[1] === undefined ? 0 : m[0].indexOf(m[1])), secret });
  }
  return out;
}

/** PEM / OpenSSH / PGP private key blocks: the span runs from BEGIN to END (or to the end of the body). */
function findPrivateKeys(text: string): TokenMatch[] {
  const out: TokenMatch[] = [];
  // Once an END search fails, every later one fails too: remember it, so repeated headers stay linear.
  let endMissing = false;
  PRIVATE_KEY_BEGIN_RE.lastIndex = 0;
  for (let m = PRIVATE_KEY_BEGIN_RE.exec(text); m !== null; m = PRIVATE_KEY_BEGIN_RE.exec(text)) {
    const headerEnd = m.index + m[0].length;
    let end: RegExpExecArray | null = null;
    if (!endMissing) {
      PRIVATE_KEY_END_RE.lastIndex = headerEnd;
      end = PRIVATE_KEY_END_RE.exec(text);
      endMissing = end === null;
    }
    // Without an END line, the key runs to the next header or 16 KiB, whichever comes first.
    const nextHeader = text.indexOf("-----BEGIN ", headerEnd);
    const bodyEnd = end ? end.index : Math.min(nextHeader < 0 ? text.length : nextHeader, headerEnd + 16_384);
    const stop = end ? end.index + end[0].length : bodyEnd;
    const body = text.slice(headerEnd, bodyEnd);
    // A header followed by `$KEY` or `...` is a template, not a key: demand real base64 material.
    const material = body.replace(/\\n|[\s"'\\]/g, "");
    const longest = (material.match(/[A-Za-z0-9+/=]{40,}/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0);
    if (longest < 40 || /x{6,}|X{6,}|example|\.\.\./i.test(body)) {
      PRIVATE_KEY_BEGIN_RE.lastIndex = headerEnd;
      continue;
    }
    const label = m[1].includes("OPENSSH") ? "OpenSSH private key" : m[1].includes("PGP") ? "PGP private key" : "private key";
    out.push({ index: m.index, length: stop - m.index, kind: "private-key", label });
    PRIVATE_KEY_BEGIN_RE.lastIndex = stop;
  }
  return out;
}
