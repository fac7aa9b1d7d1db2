// `stowaway inject` given the wrong file never prints a secret from it: a Dockerfile is named as
// such, and YAML errors are described in our words (yaml's messages quote the offending line).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const SECRET = "InjSecretValue42xQz";
const dir = mkdtempSync(join(tmpdir(), "stowaway-inject-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "sidecar.yaml"), "secrets:\n  - path: secret/data/app\n    file: app.env\n");

function inject(name: string, content: string) {
  writeFileSync(join(dir, name), content);
  return runCli(["inject", name, "-c", "sidecar.yaml"], { cwd: dir });
}

/** Nothing beyond the first 4 characters of the secret, anywhere in the output. */
function expectNoSecret(out: string): void {
  for (let i = 0; i + 5 <= SECRET.length; i++) expect(out).not.toContain(SECRET.slice(i, i + 5));
}

describe("stowaway inject on the wrong kind of file", () => {
  it.each([
    ["Dockerfile", `FROM alpine\nENV DB_PASSWORD=${SECRET}\n`],
    ["Dockerfile", `FROM alpine\nRUN echo hi: there\nENV DB_PASSWORD="${SECRET}"\n`],
    ["app.yaml", `# build\nFROM alpine\nENV DB_PASSWORD=${SECRET}\n`],
    ["Containerfile", `ARG BASE=alpine\nFROM $BASE\nENV DB_PASSWORD=${SECRET}\n`],
  ])("%s holding a secret: says it is a Dockerfile, exit 2, no secret", (name, content) => {
    const r = inject(name, content);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this is a Dockerfile; inject takes compose or Kubernetes YAML");
    expectNoSecret(r.stdout + r.stderr);
  });

  it.each([
    ["a stray token", `services:\n  app:\n    image: x\n]ENV DB_PASSWORD=${SECRET}\n`],
    ["an unclosed quote", `services:\n  app:\n    image: "${SECRET}\n`],
    ["a flow sequence left open", `services:\n  app:\n    command: [sh, -c, ${SECRET}\n`],
  ])("broken YAML with %s: names the line, quotes nothing", (_what, content) => {
    const r = inject("compose.yaml", content);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/compose\.yaml:\d+:\d+: invalid YAML \(/);
    expectNoSecret(r.stdout + r.stderr);
  });
});
