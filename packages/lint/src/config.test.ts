import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseConfig, stowawayConfigSchema } from "./config.js";
import { DEFAULT_CONFIG, findConfigFile } from "./find-config.js";

function problems(src: string) {
  try {
    parseConfig(src, "/repo/.stowaway.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe(".stowaway.yaml", () => {
  it("keeps the hand-written defaults in step with the schema", () => {
    expect(stowawayConfigSchema.parse({})).toEqual(DEFAULT_CONFIG);
  });

  it("accepts a full configuration", () => {
    const { config, allow } = parseConfig(
      [
        "lint:",
        "  failOn: error",
        "  rules:",
        "    dockerfile/secret-build-arg: off",
        "    compose/secret-in-environment: warning",
        "  ignorePaths: [vendor/**]",
        "  allow:",
        "    - value: not-a-real-password",
        "      reason: documented demo value",
        "    - name: DEMO_*",
        "      reason: demo stack",
        "  secretNames:",
        "    secret: [signing]",
        "    allow: [region]",
      ].join("\n"),
      "/repo/.stowaway.yaml",
    );
    expect(config.lint.failOn).toBe("error");
    expect(config.lint.rules["dockerfile/secret-build-arg"]).toBe("off");
    expect(allow).toHaveLength(2);
    expect(config.lint.secretNames.secret).toEqual(["signing"]);
  });

  it("reads lint.weakValues (default warning) and rejects other levels", () => {
    expect(parseConfig("lint:\n  weakValues: info\n", "/repo/.stowaway.yaml").config.lint.weakValues).toBe("info");
    expect(parseConfig("lint:\n  weakValues: off\n", "/repo/.stowaway.yaml").config.lint.weakValues).toBe("off");
    expect(parseConfig("lint: {}\n", "/repo/.stowaway.yaml").config.lint.weakValues).toBe("warning");
    const [p] = problems("lint:\n  weakValues: error\n");
    expect(p).toMatchObject({ line: 2, key: "lint.weakValues" });
  });

  it("names the file, line and key of an unknown key", () => {
    const [p] = problems("lint:\n  failon: error\n");
    expect(p).toMatchObject({ line: 2, column: 3, key: "lint.failon" });
    expect(p.message).toMatch(/unknown key/);
  });

  it("names the line of a bad value", () => {
    const [p] = problems("lint:\n  rules:\n    dockerfile/secret-in-env: loud\n");
    expect(p).toMatchObject({ line: 3, key: "lint.rules.dockerfile/secret-in-env" });
  });

  it("requires a reason on every allow entry", () => {
    const [p] = problems("lint:\n  allow:\n    - value: x\n");
    expect(p.key).toBe("lint.allow.0.reason");
    expect(p.line).toBe(3);
  });

  it.each(['""', "'   '"])("rejects an allow entry whose reason is %s", (reason) => {
    const [p] = problems(`lint:\n  allow:\n    - name: DEMO_*\n      reason: ${reason}\n`);
    expect(p.key).toBe("lint.allow.0.reason");
    expect(p.message).toMatch(/reason/);
  });

  it("reports invalid YAML with a position", () => {
    const [p] = problems("lint:\n  rules: [a\n");
    expect(p.line).toBeGreaterThan(0);
    expect(p.message).toMatch(/invalid YAML/);
  });

  it("formats errors as file:line:column: key: message", () => {
    try {
      parseConfig("lint:\n  failOn: sometimes\n", "/repo/.stowaway.yaml");
    } catch (err) {
      expect((err as Error).message).toMatch(/^\/repo\/\.stowaway\.yaml:2:11: lint\.failOn: /);
      return;
    }
    throw new Error("expected a ConfigError");
  });

  it("is found by walking up from the working directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "stowaway-config-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "a/b"), { recursive: true });
    writeFileSync(join(dir, ".stowaway.yaml"), "lint: {}\n");
    expect(findConfigFile(join(dir, "a/b"))).toBe(join(dir, ".stowaway.yaml"));
  });
});
