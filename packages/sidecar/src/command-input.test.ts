import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { durationOption, loadCommandConfig } from "./command-input.js";
import { ConfigError } from "./errors.js";
import type { Logger } from "./log.js";

/** A logger that keeps what `stowaway sidecar` and `exec` would print. */
function recorder() {
  const lines: Array<{ level: string; fields: object; msg: string }> = [];
  const at = (level: string) => (fields: object, msg: string) => lines.push({ level, fields, msg });
  return { lines, logger: { fatal: at("fatal"), warn: at("warn") } as unknown as Logger };
}

const dir = mkdtempSync(path.join(tmpdir(), "stowaway-cmd-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("durationOption", () => {
  it("gives the default when the option is absent, the value in ms when it is a duration", () => {
    const { lines, logger } = recorder();
    expect(durationOption(logger, "--once-timeout", undefined, 120_000)).toBe(120_000);
    expect(durationOption(logger, "--once-timeout", "30s", 120_000)).toBe(30_000);
    expect(lines).toEqual([]);
  });

  it("logs why a value is not a duration, under the option's name, and gives undefined (exit 2)", () => {
    const { lines, logger } = recorder();
    expect(durationOption(logger, "--start-timeout", "soon", 120_000)).toBeUndefined();
    expect(lines).toEqual([{ level: "fatal", fields: { startTimeout: "soon" }, msg: "--start-timeout: expected a duration such as 30s or 2m" }]);
  });
});

describe("loadCommandConfig", () => {
  it("a missing file is a fatal config error naming it, and gives undefined", () => {
    const { lines, logger } = recorder();
    const file = path.join(dir, "missing.yaml");
    expect(loadCommandConfig(logger, file, () => "used")).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe("fatal");
    expect(lines[0].fields).toMatchObject({ file });
    expect(lines[0].msg).toContain(file);
  });

  it("a ConfigError from the command's own use of the config is reported the same way; other errors are thrown", () => {
    const file = path.join(dir, "ok.yaml");
    writeFileSync(path.join(dir, "token"), "t0ken\n");
    const yaml = ["vault:", "  address: http://127.0.0.1:8200", "  auth:", "    method: token", `    tokenFile: ${path.join(dir, "token")}`];
    writeFileSync(file, [...yaml, "output:", `  dir: ${dir}`, "secrets:", "  - path: secret/data/app", "    file: app.env", ""].join("\n"));
    const { lines, logger } = recorder();
    expect(loadCommandConfig(logger, file, (l) => l.config.secrets.length)).toBe(1);
    expect(
      loadCommandConfig(logger, file, () => {
        throw new ConfigError(file, [{ key: "env.X", message: "not for this command" }]);
      }),
    ).toBeUndefined();
    expect(lines.filter((l) => l.level === "fatal")).toHaveLength(1);
    expect(lines.at(-1)?.msg).toContain("env.X");
    expect(() =>
      loadCommandConfig(logger, file, () => {
        throw new TypeError("a bug");
      }),
    ).toThrow("a bug");
  });
});
