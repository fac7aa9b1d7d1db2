import type { YAMLError } from "yaml";

/**
 * Our words for yaml's error codes. yaml's own messages can quote the source (a tag, an alias,
 * a block scalar header), and a file given to --config by mistake may be a Dockerfile or an env
 * file holding a secret: none of its text is printed. Compare packages/lint's compose parser.
 */
const MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: "a mapping repeats a key",
  BAD_INDENT: "bad indentation",
  TAB_AS_INDENT: "tabs cannot be used for indentation",
  MISSING_CHAR: "missing character (an unclosed quote, bracket or brace?)",
  UNEXPECTED_TOKEN: "unexpected token",
  BAD_DQ_ESCAPE: "invalid escape sequence in a double-quoted string",
  MULTILINE_IMPLICIT_KEY: "implicit keys must fit on one line",
  BLOCK_AS_IMPLICIT_KEY: "a block collection cannot be an implicit key",
  BLOCK_IN_FLOW: "block collections are not allowed inside flow collections",
  BAD_SCALAR_START: "a plain value cannot start with this character",
  KEY_OVER_1024_CHARS: "implicit keys are limited to 1024 characters",
  MULTIPLE_ANCHORS: "a node can have only one anchor",
  MULTIPLE_TAGS: "a node can have only one tag",
  MULTIPLE_DOCS: "one YAML document is expected; found several (---)",
  BAD_ALIAS: "invalid alias",
  ALIAS_PROPS: "an alias cannot have a tag or anchor",
  BAD_PROP_ORDER: "anchors and tags must come before the value",
  BAD_DIRECTIVE: "invalid YAML directive",
  TAG_RESOLVE_FAILED: "a tagged value could not be resolved",
  RESOURCE_EXHAUSTION: "the document exhausts the parser's resources",
};

/** "YAML BAD_INDENT: bad indentation (column 3)", with no text from the file. */
export function describeYamlError(e: YAMLError): string {
  const col = e.linePos?.[0]?.col;
  return `YAML ${e.code}: ${MESSAGES[e.code] ?? e.code.toLowerCase().replace(/_/g, " ")}${col ? ` (column ${col})` : ""}`;
}

/** A sentence for a file that is plainly not a sidecar config, or undefined. */
export function notSidecarConfig(text: string): string | undefined {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const first = lines[0] ?? "";
  if (/^(FROM|ARG)\s/i.test(first) || lines.some((l) => /^(RUN|ENV|COPY|ADD|ENTRYPOINT|CMD|WORKDIR|USER)\s/.test(l))) {
    return "this is a Dockerfile, not a sidecar config: --config takes the sidecar's YAML (vault, output, secrets)";
  }
  if (lines.length > 0 && lines.every((l) => /^(export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(l))) {
    return "this is an env file, not a sidecar config: --config takes the sidecar's YAML (vault, output, secrets)";
  }
  return undefined;
}
