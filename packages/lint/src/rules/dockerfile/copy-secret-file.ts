import path from "node:path";
import { secretFileInfo } from "../../detect/index.js";
import type { DfInstruction, DockerfileDoc } from "../../parse/dockerfile.js";
import { defineRule } from "../../rule.js";
import { dotenvContent, mavenSettingsContent, namesCertificate, pemContent, type FileContent } from "./support/file-content.js";
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
      const dest = ins.words[ins.words.length - 1]?.text ?? "";
      for (const src of sources) {
        const base = src.text.replace(/(?<!\/)\/+$/, "").replace(/^.*\//, "") || src.text;
        let info = secretFileInfo(src.text) ?? mavenSettings(src.text, dest);
        if (!info) continue;
        // When the file is in the build context, its content decides: a CA certificate or an env
        // file without credentials is not a secret; a PEM holding a private key certainly is.
        const content = contentOf(ctx.target.contextDir ?? path.dirname(ctx.target.absPath), src.text, base, info.label);
        if (content === "public") continue;
        if (content === "unknown" && /\.pem$/i.test(base) && namesCertificate(base)) continue;
        if (content === "secret") info = { ...info, certain: true };
        ctx.report({
          range: doc.rangeOf(src),
          message: `${ins.keyword} puts a secret file into the image (${info.label}); every layer keeps it, even if a later step deletes it.`,
          // The secret is the file's content, unknown here; this identifies the finding (and is never a credential).
          value: `${ins.keyword} ${src.text}`,
          isSecret: false,
          fix: `${info.certain ? "Do not copy it" : "If it holds a secret, do not copy it"}: add \`${base}\` to .dockerignore. ${
            /SSH/.test(info.label)
              ? "For git over SSH use `RUN --mount=type=ssh <command>` with `docker build --ssh default`."
              : fileSecretFix(secretId(base), destination(ins, base))
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

/** `COPY settings.xml /root/.m2/`: Maven's settings hold repository passwords, like `.npmrc` holds tokens. */
function mavenSettings(src: string, dest: string): { label: string; certain: boolean } | undefined {
  const base = src
    .replace(/(?<!\/)\/+$/, "")
    .replace(/^.*\//, "")
    .toLowerCase();
  if (base !== "settings.xml" && base !== "settings-security.xml") return undefined;
  if (!/(?:^|\/)\.m2(?:\/|$)/.test(src) && !/(?:^|\/)\.m2(?:\/|$)/.test(dest) && !/maven/i.test(dest)) return undefined;
  return { label: "Maven settings (may hold repository passwords)", certain: false };
}

/** Read the copied file when it is a plain path inside the build context. */
function contentOf(contextDir: string, src: string, base: string, label: string): FileContent {
  if (/[*?[$]/.test(src)) return "unknown";
  const abs = path.resolve(contextDir, src.replace(/^\/+/, ""));
  if (!abs.startsWith(path.resolve(contextDir))) return "unknown";
  const lower = base.toLowerCase();
  if (lower.endsWith(".pem")) return pemContent(abs);
  if (label === "dotenv file") return dotenvContent(abs);
  if (lower === "settings.xml" || lower === "settings-security.xml") return mavenSettingsContent(abs);
  return "unknown";
}
