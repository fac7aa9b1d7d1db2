import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import * as z from "zod/mini";
import type { AllowEntry } from "./allow.js";
import { ConfigError } from "./config-error.js";
import { didYouMean, isKnownRuleId } from "./rule-ids.js";

// zod's tree-shakable build: the classic `z` builds every schema class and its methods when it is
// loaded (about 15 ms of every lint of a project with a .stowaway.yaml, under a code cache); the
// same checks and the same English messages.
z.config(z.locales.en());

const level = z.enum(["off", "info", "warning", "error"]);
const failOn = z.enum(["info", "warning", "error", "none"]);
const nonEmpty = () => z.string().check(z.minLength(1));

const allowEntry = z
  .strictObject({
    value: z.optional(nonEmpty()),
    name: z.optional(nonEmpty()),
    reason: z.string().check(z.trim(), z.minLength(1, "every allow entry needs a reason")),
  })
  .check(z.refine((a) => a.value !== undefined || a.name !== undefined, { message: "an allow entry needs `value` or `name`" }));

export const stowawayConfigSchema = z.strictObject({
  lint: z._default(
    z.strictObject({
      /** Per-rule level: `off | info | warning | error`. */
      rules: z._default(z.record(z.string().check(z.regex(/^[a-z]+\/[a-z0-9-]+$/, "rule ids look like `dockerfile/secret-in-env`")), level), {}),
      /** Lowest severity that makes the exit code 1. Default `warning`. */
      failOn: z._default(failOn, "warning"),
      /** Globs (relative to the config file) that are never linted. `.gitignore` is honoured too. */
      ignorePaths: z._default(z.array(nonEmpty()), []),
      /** Values or name patterns the team declares non-secret, each with a reason. */
      allow: z._default(z.array(allowEntry), []),
      /**
       * Severity of weak, default and demo credentials (`example`, `postgres`, `changeme`):
       * `warning` (default), `info` to keep dev-stack demo passwords quiet, `off` to drop them.
       */
      weakValues: z._default(z.enum(["warning", "info", "off"]), "warning"),
      /** Extra vocabulary for secret names. */
      secretNames: z._default(
        z.strictObject({
          secret: z._default(z.array(nonEmpty()), []),
          allow: z._default(z.array(nonEmpty()), []),
        }),
        { secret: [], allow: [] },
      ),
    }),
    { rules: {}, failOn: "warning", ignorePaths: [], allow: [], weakValues: "warning", secretNames: { secret: [], allow: [] } },
  ),
  // The sidecar reads its own file; tolerate a `sidecar:` section so one file can hold both.
  sidecar: z.optional(z.unknown()),
});

export type StowawayConfig = z.infer<typeof stowawayConfigSchema>;

export interface LoadedConfig {
  /** Absolute path of the file, or undefined when none was found. */
  path?: string;
  config: StowawayConfig;
  allow: AllowEntry[];
}

/** Parses and validates; errors name the file, line and key. */
export function parseConfig(source: string, file: string): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, key: "", message: `invalid YAML (${e.code})` };
      }),
    );
  }
  const raw = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 50 });
  const parsed = stowawayConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const node = nodeAt(
          doc.contents as Node | null,
          issue.code === "unrecognized_keys" ? [...path, ...(issue.keys ?? [])] : path,
          issue.code === "unrecognized_keys",
        );
        const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
        const key = issue.code === "unrecognized_keys" ? [...path, issue.keys[0]].join(".") : path.join(".");
        const message =
          issue.code === "unrecognized_keys" ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}` : issue.message;
        return { line: pos?.line, column: pos?.col, key, message };
      }),
    );
  }
  const config = parsed.data;
  // A typo in a rule id would silently configure nothing: name it, where it is, and the closest id.
  const unknown = Object.keys(config.lint.rules).filter((id) => !isKnownRuleId(id));
  if (unknown.length) {
    throw new ConfigError(
      file,
      unknown.map((id) => {
        const node = nodeAt(doc.contents as Node | null, ["lint", "rules", id], true);
        const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
        return { line: pos?.line, column: pos?.col, key: `lint.rules.${id}`, message: `unknown rule id${didYouMean(id)}; \`stowaway rules\` lists them` };
      }),
    );
  }
  return { path: file, config, allow: config.lint.allow };
}

export function loadConfigFile(path: string): LoadedConfig {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [{ key: "", message: `cannot read config file (${(err as NodeJS.ErrnoException).code ?? "EIO"})` }]);
  }
  return parseConfig(source, path);
}

// Finds the YAML node for a zod issue path so the error can point at a line. For unknown keys
// the key node itself is the most useful place to point.
function nodeAt(root: Node | null, path: string[], wantKey: boolean): Node | undefined {
  let node: Node | null | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return node;
      if (wantKey && i === path.length - 1) return pair.key as Node;
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const next = node.items[Number(seg)] as Node | undefined;
      if (!next) return node;
      node = next;
    } else {
      return node ?? undefined;
    }
  }
  return node ?? undefined;
}
