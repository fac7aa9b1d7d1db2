import { describe, expect, it } from "vitest";
import { RenderError } from "../errors.js";
import { renderSecret, type RenderSpec } from "./index.js";

const spec = (s: Partial<RenderSpec>): RenderSpec => ({ format: "raw", label: "secret/data/app → f", ...s });
const text = (b: Buffer) => b.toString("utf8");

describe("renderSecret", () => {
  it("raw renders one key exactly", () => {
    expect(text(renderSecret(spec({ key: "password" }), { password: "p<&>'\"w", user: "u" }))).toBe("p<&>'\"w");
  });

  it("a missing key is a hard error naming the key, not values", () => {
    const err = (() => {
      try {
        renderSecret(spec({ key: "nope" }), { password: "hunter2-value" });
      } catch (e) {
        return e as RenderError;
      }
    })();
    expect(err).toBeInstanceOf(RenderError);
    expect(err?.code).toBe("MISSING_KEY");
    expect(err?.message).toMatch(/"nope"/);
    expect(err?.message).toMatch(/password/);
    expect(err?.message).not.toMatch(/hunter2/);
  });

  it("raw refuses null and empty values", () => {
    expect(() => renderSecret(spec({ key: "a" }), { a: null })).toThrow(/not found/);
    expect(() => renderSecret(spec({ key: "a" }), { a: "" })).toThrow(/empty/);
  });

  it("dotenv quotes what needs quoting", () => {
    const out = text(renderSecret(spec({ format: "dotenv" }), { USER: "app", PASSWORD: 'a b"$c\nd', N: 5 }));
    expect(out).toBe('USER=app\nPASSWORD="a b\\"\\$c\\nd"\nN=5\n');
  });

  it("dotenv refuses invalid names and empty secrets", () => {
    expect(() => renderSecret(spec({ format: "dotenv" }), { "a-b": "x" })).toThrow(/environment variable/);
    expect(() => renderSecret(spec({ format: "dotenv" }), {})).toThrow(/no keys/);
  });

  it("dotenv and json take only `key` when it is set", () => {
    expect(text(renderSecret(spec({ format: "dotenv", key: "password" }), { username: "u", password: "p" }))).toBe("password=p\n");
    expect(JSON.parse(text(renderSecret(spec({ format: "json", key: "password" }), { username: "u", password: "p" })))).toEqual({ password: "p" });
    expect(() => renderSecret(spec({ format: "dotenv", key: "nope" }), { a: "x" })).toThrow(/"nope" not found/);
  });

  it("json renders the whole secret", () => {
    expect(JSON.parse(text(renderSecret(spec({ format: "json" }), { a: 1, b: "x" })))).toEqual({ a: 1, b: "x" });
  });

  it("template does not HTML-escape", () => {
    const out = renderSecret(spec({ format: "template", template: "postgres://{{username}}:{{password}}@db/app" }), { username: "u&1", password: "p/<>=" });
    expect(text(out)).toBe("postgres://u&1:p/<>=@db/app");
  });

  it("template fails on a missing variable instead of rendering an empty string", () => {
    expect(() => renderSecret(spec({ format: "template", template: "{{username}}:{{pasword}}" }), { username: "u", password: "p" })).toThrow(
      /"pasword" not found/,
    );
    expect(() => renderSecret(spec({ format: "template", template: "{{{missing}}}" }), { a: "x" })).toThrow(RenderError);
  });

  it("template sections still work", () => {
    const out = renderSecret(spec({ format: "template", template: "{{#list}}{{name}},{{/list}}{{^absent}}none{{/absent}}" }), { list: [{ name: "a" }, { name: "b" }] });
    expect(text(out)).toBe("a,b,none");
  });
});
