import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { z } from "zod";
import type { AllowEntry } from "./allow.js";
import { ConfigError } from "./config-error.js";
import { didYouMean, isKnownRuleId } from "./rule-ids.js";

const level = z.enum(["off", "info", "warning", "error"]);
const failOn = z.enum(["info", "warning", "error", "none"]);

const allowEntry = z
  .strictObject({
    value: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    reason: z.string().trim().min(1, "every allow entry needs a reason"),
  })
  .refine((a) => a.value !== undefined || a.name !== undefined, { message: "an allow entry needs `value` or `name`" });

export const stowawayConfigSchema = z.strictObject({
  lint: z
    .strictObject({
      /** Per-rule level: `off | info | warning | error`. */
      rules: z.record(z.string().regex(/^[a-z]+\/[a-z0-9-]+$/, "rule ids look like `dockerfile/secret-in-env`"), level).default({}),
      /** Lowest severity that makes the exit code 1. Default `warning`. */
      failOn: failOn.default("warning"),
      /** Globs (relative to the config file) that are never linted. `.gitignore` is honoured too. */
      ignorePaths: z.array(z.string().min(1)).default([]),
      /** Values or name patterns the team declares non-secret, each with a reason. */
      allow: z.array(allowEntry).default([]),
      /**
       * Severity of weak, default and demo credentials (`example`, `postgres`, `changeme`):
       * `warning` (default), `info` to keep dev-stack demo passwords quiet, `off` to drop them.
       */
      weakValues: z.enum(["warning", "info", "off"]).default("warning"),
      /** Extra vocabulary for secret names. */
      secretNames: z
        .strictObject({
          secret: z.array(z.string().min(1)).default([]),
          allow: z.array(z.string().min(1)).default([]),
        })
        .default({ secret: [], allow: [] }),
    })
    .default({ rules: {}, failOn: "warning", ignorePaths: [], allow: [], weakValues: "warning", secretNames: { secret: [], allow: [] } }),
  // The sidecar reads its own file; tolerate a `sidecar:` section so one file can hold both.
  sidecar: z.unknown().optional(),
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
