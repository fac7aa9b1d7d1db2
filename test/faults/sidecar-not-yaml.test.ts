// Issue 19: yaml's error messages quote the source. `sidecar --config` given a Dockerfile, an env
// file or broken YAML that holds a secret must print no part of the secret beyond its first 4
// characters, and say plainly when the file is not a sidecar config at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSidecar } from "../sidecar/helpers.js";

/** Letters and digits only, so that no window of it can turn up by chance in our own words. */
const secret = () => `Zq${randomBytes(15).toString("hex")}`;

/** Every run of 5 characters of `s`: none may be printed. */
function leakedWindow(text: string, s: string): string | undefined {
  for (let i = 0; i + 5 <= s.length; i++) if (text.includes(s.slice(i, i + 5))) return `${s.slice(0, 4)}… (window at ${i})`;
  return undefined;
}

describe("sidecar --config on a file that is not a sidecar config", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-not-yaml-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const CASES: Array<{ name: string; text: (s: string) => string; says?: RegExp }> = [
    { name: "a Dockerfile with ENV", text: (s) => `FROM node:20\nENV DB_PASSWORD=${s}\nRUN echo hi\n`, says: /this is a Dockerfile, not a sidecar config/ },
    {
      name: "a Dockerfile with a legacy ENV and a heredoc",
      text: (s) => `# syntax=docker/dockerfile:1\nFROM alpine\nENV TOKEN ${s}\nRUN <<EOF\necho "${s}" > /x\nEOF\n`,
      says: /this is a Dockerfile/,
    },
    { name: "an env file", text: (s) => `API_KEY=${s}\nDB_PASSWORD="${s}"\n`, says: /this is an env file, not a sidecar config/ },
    { name: "YAML with an unresolved tag", text: (s) => `vault:\n  token: !${s} x\n` },
    { name: "YAML with a bad block scalar header", text: (s) => `password: |${s}\n  x\n` },
    { name: "YAML with an undefined alias", text: (s) => `password: *${s}\n` },
    { name: "YAML with an unclosed quote", text: (s) => `vault:\n  password: "${s}\n` },
    { name: "YAML with a bad escape", text: (s) => `password: "\\${s}"\n` },
    { name: "a flow mapping cut short", text: (s) => `{ password: ${s}, [${s}\n` },
  ];

  for (const c of CASES) {
    it(`${c.name}: exit 2, no part of the secret beyond its first 4 characters`, async () => {
      const s = secret();
      const file = path.join(dir, `f-${randomBytes(4).toString("hex")}`);
      writeFileSync(file, c.text(s));
      const p = spawnSidecar(["--config", file, "--once"]);
      const r = await p.exited;
      const out = p.output();
      expect(r.code, out).toBe(2);
      expect(leakedWindow(out, s), out).toBeUndefined();
      if (c.says) expect(out).toMatch(c.says);
    });
  }
});
