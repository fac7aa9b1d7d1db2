import { secretFileInfo } from "../../detect/index.js";
import type { DfInstruction, DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { fileSecretFix, secretId, walkInstructions } from "./support/shared.js";

/** COPY/ADD of files that are secret by nature: `.env`, SSH keys, `.npmrc`, keystores, cloud credentials. */
export default defineRule<DockerfileDoc>({
  id: "dockerfile/copy-secret-file",
  kind: "dockerfile",
  severity: "error",
  description: "COPY or ADD puts a secret file (.env, private key, .npmrc, credentials) into the image",
  check(ctx) {
    const { doc } = ctx;
    for (const { ins } of walkInstructions(doc)) {
      if (ins.keyword !== "COPY" && ins.keyword !== "ADD") continue;
      // The last word is the destination; heredoc markers are not files, and remote sources
      // (`ADD https://…/signing.pem`) are downloads, not files from the repository.
      const sources = ins.words.slice(0, -1).filter((w) => !w.text.startsWith("<<") && !/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(w.text));
      for (const src of sources) {
        const info = secretFileInfo(src.text);
        if (!info) continue;
        const base = src.text.replace(/\/+$/, "").replace(/^.*\//, "") || src.text;
        ctx.report({
          range: doc.rangeOf(src),
          message: `${ins.keyword} puts a secret file into the image (${info.label}); every layer keeps it, even if a later step deletes it.`,
          // The secret is the file's content, unknown here; this identifies the finding (and is never a credential).
          value: `${ins.keyword} ${src.text}`,
          isSecret: false,
          fix: `${info.certain ? "Do not copy it" : "If it holds a secret, do not copy it"}: add \`${base}\` to .dockerignore. ${
            /SSH/.test(info.label) ? "For git over SSH use `RUN --mount=type=ssh <command>` with `docker build --ssh default`." : fileSecretFix(secretId(base), destination(ins, base))
          }`,
          severity: info.certain ? undefined : "warning",
        });
      }
    }
  },
});

/** Where the file would have landed: the destination, joined with the file name when it is a directory. */
function destination(ins: DfInstruction, base: string): string {
  const dest = ins.words[ins.words.length - 1]?.text ?? `/run/${base}`;
  return dest.endsWith("/") || dest === "." ? `${dest.replace(/\/?$/, "/")}${base}` : dest;
}
