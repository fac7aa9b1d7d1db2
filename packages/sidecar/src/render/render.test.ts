import { beforeAll, describe, expect, it } from "vitest";
import { RenderError } from "../errors.js";
import { loadTemplateEngine, renderSecret, type RenderSpec } from "./index.js";

const spec = (s: Partial<RenderSpec>): RenderSpec => ({ format: "raw", label: "secret/data/app → f", ...s });
const text = (b: Buffer) => b.toString("utf8");

describe("renderSecret", () => {
  // Mustache is loaded on demand (sources/build.ts loads it for configs with a template).
  beforeAll(loadTemplateEngine);
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
    expect(err?.message).toMatch(/it has 1 key\)/);
    expect(err?.message).not.toMatch(/hunter2/);
  });

  // Issue 19: the message listed every key (100,000 names in one log line), and prototype names
  // rendered "{}" or a function's text instead of failing.
  it("a missing key names the key and the count, never the other keys", () => {
    const data = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`key_${i}`, "v"]));
    for (const s of [spec({ key: "nope" }), spec({ format: "template", template: "{{nope}}" }), spec({ format: "json", key: "nope" })]) {
      let msg = "";
      try {
        renderSecret(s, data);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/key "nope" not found in the secret \(it has 100000 keys\)/);
      expect(msg).not.toMatch(/key_1/);
      expect(msg.length).toBeLessThan(200);
    }
  });

  it("prototype names are missing keys, not {} or function text", () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "__proto__.constructor", "a.constructor", "a.__proto__"]) {
      expect(() => renderSecret(spec({ format: "template", template: `x={{${name}}}` }), { a: { b: "1" }, k: "v" }), name).toThrow(
        expect.objectContaining({ code: "MISSING_KEY" }),
      );
      expect(() => renderSecret(spec({ format: "template", template: `x={{{${name}}}}` }), { a: { b: "1" } }), name).toThrow(
        expect.objectContaining({ code: "MISSING_KEY" }),
      );
    }
    for (const name of ["__proto__", "constructor", "toString"]) {
      expect(() => renderSecret(spec({ key: name }), { k: "v" }), name).toThrow(expect.objectContaining({ code: "MISSING_KEY" }));
    }
    // A secret that really has such a key (JSON makes it an own property) still renders it.
    expect(text(renderSecret(spec({ format: "template", template: "{{constructor}}" }), JSON.parse('{"constructor":"c1"}')))).toBe("c1");
    // Sections and nested names keep working.
    expect(text(renderSecret(spec({ format: "template", template: "{{a.b}}{{#list}}[{{n}}]{{/list}}" }), { a: { b: "1" }, list: [{ n: 2 }, { n: 3 }] }))).toBe(
      "1[2][3]",
    );
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
    const out = renderSecret(spec({ format: "template", template: "{{#list}}{{name}},{{/list}}{{^absent}}none{{/absent}}" }), {
      list: [{ name: "a" }, { name: "b" }],
    });
    expect(text(out)).toBe("a,b,none");
  });
});
