import { classifyName, judgeSecretValue, splitNameWords, type ValueVerdict } from "../../detect/index.js";
import type { NameSettings } from "../../rule.js";

/**
 * How a `NAME=value` pair reads: `secret` when a secret-named key holds a literal that could be
 * the secret, `weak` when that literal is a well-known demo or default value (`example`, `postgres`,
 * or a repeat of the name, user or service in `related`), `placeholder` when it is a slot to fill
 * (`<your-token>`), else nothing to say.
 */
export function judgeNamedValue(name: string, value: string, names: NameSettings, related: readonly string[] = []): ValueVerdict | undefined {
  if (classifyName(name, names) !== "secret") return undefined;
  return judgeSecretValue(value, [...splitNameWords(name), ...related]);
}

/** A `*_USER`/`*_USERNAME`/`*_LOGIN` name: its value is what a demo password often repeats. */
export function isUserName(name: string): boolean {
  const words = splitNameWords(name);
  return /^(?:user|username|usr|login|owner)$/.test(words[words.length - 1] ?? "");
}

/** A compose secret's name for a variable: `DB_PASSWORD` → `db_password`. */
export function secretIdFor(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "_")
      .replace(/^_+|(?<!_)_+$/g, "") || "app_secret"
  );
}

/** The compose-native fix: a top-level secret, the service's grant, and a `*_FILE` variable. */
export function composeSecretFix(name: string, services: readonly string[]): string {
  const id = secretIdFor(name);
  const svc = services[0] ?? "<service>";
  return (
    `Declare a compose secret (top level: \`secrets: { ${id}: { environment: ${name} } }\` or \`{ file: ./secrets/${id}.txt }\`), ` +
    `grant it in \`${svc}\` with \`secrets: [${id}]\`, and replace the variable with \`${name}_FILE: /run/secrets/${id}\` ` +
    `(or reference \`\${${name}}\` and keep the value out of the file).`
  );
}
