declare module "mustache" {
  interface MustacheContext {
    lookup(name: string): unknown;
  }
  type Token = [string, string, number, number, ...unknown[]];
  class Writer {
    render(template: string, view: unknown, partials?: unknown, config?: unknown): string;
    parse(template: string, tags?: [string, string]): Token[];
    escapedValue(token: Token, context: MustacheContext, config?: unknown): string | undefined;
    unescapedValue(token: Token, context: MustacheContext): string | undefined;
  }
  const Mustache: { Writer: typeof Writer; parse(template: string): Token[] };
  export default Mustache;
}
