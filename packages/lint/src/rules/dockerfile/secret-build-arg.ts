import { classifyName, classifyValue, hasReference } from "../../detect/index.js";
import type { DfInstruction, DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { buildSecretFix, runtimeSecretFix, walkInstructions } from "./support/shared.js";

/**
 * ARGs named like secrets (their values end up in `docker history` and provenance whatever the
 * default), and ENVs that copy such an ARG into the image config.
 */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/secret-build-arg",
  kind: "dockerfile",
  severity: "warning",
  description: "A secret passed as a build ARG, or copied from one into ENV",
  check(ctx) {
    const { doc, names } = ctx;
    // ARGs declared before the first FROM are visible to a stage that re-declares them.
    // Declared ARGs and whether their default is a placeholder, per stage (-1: before the first FROM).
    const stageArgs = new Map<number, Map<string, boolean>>();
    const declared = (ins: DfInstruction, name: string) => stageArgs.get(ins.stage)?.get(name);

    for (const { ins } of walkInstructions(doc)) {
      if (ins.keyword === "ARG") {
        const args = stageArgs.get(ins.stage) ?? new Map<string, boolean>();
        stageArgs.set(ins.stage, args);
        for (const pair of ins.pairs) {
          const kind = pair.value === null ? "empty" : classifyValue(pair.value.text);
          args.set(pair.name, kind === "placeholder");
          if (classifyName(pair.name, names) !== "secret") continue;
          // A literal default is secret-in-env's finding; here: no default, a reference or a placeholder.
          if (kind !== "empty" && kind !== "reference" && kind !== "placeholder") continue;
          ctx.report({
            range: doc.rangeOf(pair.nameText),
            message: `ARG ${pair.name} passes a secret as a build argument: its value is recorded in the image history and build provenance, and a multi-stage build does not remove it.`,
            // Not a secret itself; the engine fingerprints it, so make it distinct from the name in messages.
            value: `build-arg:${pair.name}`,
            isSecret: false,
            name: pair.name,
            fix: `Replace the ARG with a secret mount. ${buildSecretFix(doc, pair.name)}`,
            // A placeholder default reads as a template; keep it visible but quiet, like placeholders elsewhere.
            severity: kind === "placeholder" ? "info" : undefined,
          });
        }
      } else if (ins.keyword === "ENV") {
        for (const pair of ins.pairs) {
          if (!pair.value || !hasReference(pair.value.text)) continue;
          const copied = referencedNames(pair.value.text).find(
            (ref) => declared(ins, ref) !== undefined && (classifyName(ref, names) === "secret" || classifyName(pair.name, names) === "secret"),
          );
          if (!copied) continue;
          ctx.report({
            range: doc.rangeOf(pair.value),
            message: `ENV ${pair.name} copies build argument ${copied} into the image config, where anyone who can pull the image reads it.`,
            value: pair.value.text,
            isSecret: false,
            name: pair.name,
            fix: `Drop this ENV. ${buildSecretFix(doc, copied)} ${runtimeSecretFix(pair.name)}`,
            severity: declared(ins, copied) ? "info" : undefined,
          });
        }
      }
    }
  },
});

function referencedNames(value: string): string[] {
  return Array.from(value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1]);
}
