/** Policy parsing (HCL and JSON) and ACL matching, against the rules of Vault's policy.go and acl.go. */
import { describe, expect, it } from "vitest";
import { Acl } from "./acl.js";
import { DEFAULT_POLICY, parsePolicy, PolicyParseError, type Capability } from "./policy.js";

const acl = (...texts: string[]) => new Acl(texts.map((t, i) => parsePolicy(`p${i}`, t)));

describe("policy parsing", () => {
  it("reads HCL path blocks with comments, the legacy policy form and JSON", () => {
    const p = parsePolicy(
      "x",
      `
      # a comment
      path "secret/data/app/*" { capabilities = ["read", "list"] } // trailing
      /* block
         comment */
      path "/kv/legacy" { policy = "write" }
      path "sys/+/x" { capabilities = ["deny", "read"] }
    `,
    );
    expect(p.rules).toEqual([
      { path: "secret/data/app/", isPrefix: true, hasSegmentWildcards: false, caps: 4 | 32 },
      { path: "kv/legacy", isPrefix: false, hasSegmentWildcards: false, caps: 2 | 4 | 8 | 16 | 32 },
      { path: "sys/+/x", isPrefix: false, hasSegmentWildcards: true, caps: 1 },
    ]);
    const j = parsePolicy("j", JSON.stringify({ path: { "a/*": { capabilities: ["update"] } } }));
    expect(j.rules).toEqual([{ path: "a/", isPrefix: true, hasSegmentWildcards: false, caps: 8 }]);
    expect(parsePolicy("d", DEFAULT_POLICY).rules.length).toBeGreaterThan(10);
  });

  it("refuses unknown capabilities, keys and broken syntax, naming the line", () => {
    expect(() => parsePolicy("x", `path "a" { capabilities = ["fly"] }`)).toThrow(/invalid capability "fly"/);
    expect(() => parsePolicy("x", `path "a" { colour = "red" }`)).toThrow(/invalid key "colour"/);
    expect(() => parsePolicy("x", `\n\npath "a" { capabilities = ["read"]`)).toThrow(/line \d+/);
    expect(() => parsePolicy("x", `{"path": `)).toThrow(PolicyParseError);
    expect(() => parsePolicy("x", `user "a" {}`)).toThrow(/invalid key "user"/);
  });
});

describe("ACL matching", () => {
  const allows = (a: Acl, path: string, cap: Capability, sudo = false) => a.allows(path, cap, sudo);

  it("an exact rule beats a prefix; the longest prefix wins; no rule means no access", () => {
    const a = acl(`
      path "secret/*" { capabilities = ["read"] }
      path "secret/data/app/*" { capabilities = ["update"] }
      path "secret/data/app/fixed" { capabilities = ["list"] }
    `);
    expect(allows(a, "secret/other", "read")).toBe(true);
    expect(allows(a, "secret/data/app/x", "update")).toBe(true);
    expect(allows(a, "secret/data/app/x", "read")).toBe(false);
    expect(allows(a, "secret/data/app/fixed", "read")).toBe(false);
    expect(allows(a, "kv/x", "read")).toBe(false);
  });

  it("merges rules for the same path across policies, and deny wins", () => {
    expect(allows(acl(`path "a" { capabilities = ["read"] }`, `path "a" { capabilities = ["update"] }`), "a", "update")).toBe(true);
    expect(allows(acl(`path "a" { capabilities = ["read"] }`, `path "a" { capabilities = ["deny"] }`), "a", "read")).toBe(false);
    // Different paths are never combined: the more specific one decides alone.
    expect(allows(acl(`path "a/*" { capabilities = ["read"] }`, `path "a/b" { capabilities = ["update"] }`), "a/b", "read")).toBe(false);
  });

  it("matches + as one segment and prefers the later wildcard, as Vault does", () => {
    const a = acl(`
      path "secret/+/team/*" { capabilities = ["read"] }
      path "secret/data/+/x" { capabilities = ["update"] }
      path "secret/*" { capabilities = ["list"] }
    `);
    // secret/* and secret/+/team/* have their first wildcard at the same place; the rule
    // with fewer + segments wins that tie in Vault, so secret/* decides here.
    expect(allows(a, "secret/data/team/a", "read")).toBe(false);
    expect(allows(a, "secret/data/team/a", "list")).toBe(true);
    expect(allows(acl(`path "secret/+/team/*" { capabilities = ["read"] }`), "secret/meta/team/a/b", "read")).toBe(true);
    expect(allows(a, "secret/data/any/x", "update")).toBe(true);
    expect(allows(a, "secret/data/any/x", "read")).toBe(false);
    expect(allows(a, "secret/data/any/y", "list")).toBe(true);
    expect(allows(a, "secret/data/any/x/deeper", "update")).toBe(false);
  });

  it("needs sudo where asked, lets list match the path without its trailing slash, and knows mounts with any grant", () => {
    const a = acl(`
      path "sys/leases/lookup/*" { capabilities = ["list"] }
      path "secret/metadata/app" { capabilities = ["list"] }
      path "secret/data/+/db" { capabilities = ["read"] }
    `);
    expect(allows(a, "sys/leases/lookup/db/", "list")).toBe(true);
    expect(allows(a, "sys/leases/lookup/db/", "list", true)).toBe(false);
    expect(allows(a, "secret/metadata/app/", "list")).toBe(true);
    expect(a.anyUnder("secret/")).toBe(true);
    expect(a.anyUnder("kv/")).toBe(false);
    expect(acl(`path "+/data/x" { capabilities = ["read"] }`).anyUnder("team/")).toBe(true);
    expect(acl(`path "kv/x" { capabilities = ["deny"] }`).anyUnder("kv/")).toBe(false);
  });
});
