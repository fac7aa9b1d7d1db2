/**
 * node-vault's check of each request (`tv4.validate(options, requestSchema)`: an object whose
 * `path` and `method` are strings), given to node-vault as its `tv4`. tv4, a whole JSON Schema
 * validator (0.3 MB of heap once it has run), checks nothing else the sidecar sends: the bundle
 * leaves it out. A schema of another shape (a generated command's, which the sidecar never uses)
 * throws rather than passing unchecked.
 */
type StringsSchema = { type?: unknown; properties?: Record<string, { type?: unknown }>; required?: string[] };

export const requestCheck = {
  error: null as Error | null,
  validate(data: unknown, schema: StringsSchema): boolean {
    const props = Object.entries(schema.properties ?? {});
    if (schema.type !== "object" || props.some(([, p]) => p.type !== "string"))
      throw new Error("node-vault: only its request check (an object with string properties) is implemented");
    const obj = data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    const bad = !obj
      ? ""
      : ((schema.required ?? []).find((k) => typeof obj[k] !== "string") ?? props.find(([k]) => obj[k] !== undefined && typeof obj[k] !== "string")?.[0]);
    this.error = bad === undefined ? null : new Error(bad === "" ? "node-vault request: not an object" : `node-vault request: ${bad} must be a string`);
    return bad === undefined;
  },
};
