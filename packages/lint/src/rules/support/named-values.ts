import { classifyName, classifyValue, isLikelySecretValue } from "../../detect/index.js";
import type { NameSettings } from "../../rule.js";

/**
 * How a `NAME=value` pair reads: `secret` when a secret-named key holds a literal that could be
 * the secret, `placeholder` when it holds a documentation stub (`changeme`), else nothing to say.
 */
export function judgeNamedValue(name: string, value: string, names: NameSettings): "secret" | "placeholder" | undefined {
  if (classifyName(name, names) !== "secret") return undefined;
  if (classifyValue(value) === "placeholder") return "placeholder";
  return isLikelySecretValue(value) ? "secret" : undefined;
}

/** A compose secret's name for a variable: `DB_PASSWORD` → `db_password`. */
export function secretIdFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "app_secret";
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
