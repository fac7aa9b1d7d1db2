import { basename } from "node:path";

/**
 * A Dockerfile given by mistake: by name (`Dockerfile`, `Dockerfile.prod`, `app.Dockerfile`,
 * `Containerfile`) or by content (the first instruction is FROM or ARG). Caught before the YAML
 * parser, whose messages would quote its lines, secrets included.
 */
export function looksLikeDockerfile(file: string, source: string): boolean {
  const name = basename(file).toLowerCase();
  if (/^(?:docker|container)file(?:\.[^.]+)?$|\.(?:docker|container)file$/.test(name)) return true;
  for (const line of source.split("\n", 200)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    return /^(?:FROM|ARG)\s+\S/i.test(t) && !/^(?:FROM|ARG)\s*:/i.test(t);
  }
  return false;
}

/**
 * What each yaml error code means, in our words: yaml's own messages can quote the offending source
 * text (`Unexpected scalar token in YAML stream: "ENV DB_PASSWORD=…"`), which may hold a secret.
 */
const YAML_PROBLEMS: Record<string, string> = {
  BAD_INDENT: "bad indentation",
  DUPLICATE_KEY: "a mapping repeats a key",
  MISSING_CHAR: "a closing quote, bracket or `:` is missing",
  MULTILINE_IMPLICIT_KEY: "a key spans several lines",
  TAB_AS_INDENT: "tabs used for indentation",
  UNEXPECTED_TOKEN: "unexpected text",
  BLOCK_AS_IMPLICIT_KEY: "a block used as a key",
  BAD_ALIAS: "a bad alias",
  BAD_SCALAR_START: "a value starts with a reserved character",
  MULTIPLE_ANCHORS: "a node has several anchors",
  MULTIPLE_TAGS: "a node has several tags",
  TAG_RESOLVE_FAILED: "an unknown tag",
};

export function yamlProblem(code: string): string {
  return YAML_PROBLEMS[code] ?? "invalid YAML";
}
