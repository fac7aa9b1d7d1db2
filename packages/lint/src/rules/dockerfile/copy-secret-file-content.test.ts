import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../../parse/dockerfile.js";
import { DEFAULT_NAME_SETTINGS, type Report } from "../../rule.js";
import { assertReportHygiene } from "../rule-tester.js";
import rule from "./copy-secret-file.js";

// copy-secret-file reads a copied file when it is in the build context: its first line tells a CA
// certificate from a private key, an env file or Maven settings show whether they hold credentials.
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function lintIn(files: Record<string, string>, dockerfile: string): Array<{ line: number; column: number; severity: string }> {
  const root = mkdtempSync(path.join(tmpdir(), "stowaway-csf-"));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  const parsed = parseDockerfile(dockerfile, "Dockerfile");
  if (!parsed.ok) throw new Error("test Dockerfile does not parse");
  const out: Array<{ line: number; column: number; severity: string }> = [];
  rule.check({
    file: "Dockerfile",
    target: { kind: "dockerfile", file: "Dockerfile", absPath: path.join(root, "Dockerfile"), contextDir: root },
    source: dockerfile,
    doc: parsed.doc,
    names: DEFAULT_NAME_SETTINGS,
    report: (r: Report) => {
      assertReportHygiene(r);
      out.push({ line: r.range.start.line, column: r.range.start.column, severity: r.severity ?? rule.severity });
    },
  });
  return out;
}

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ3x\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4\n-----END EC PRIVATE KEY-----\n";

describe("dockerfile/copy-secret-file reads the copied file", () => {
  it("a PEM whose first block is a certificate is not reported, whatever its name", () => {
    expect(lintIn({ "certs/server.pem": CERT }, "FROM nginx\nCOPY certs/server.pem /etc/nginx/\n")).toEqual([]);
  });

  it("a PEM holding a private key is an error, even named like a certificate", () => {
    expect(lintIn({ "certs/ca.pem": CERT + KEY }, "FROM nginx\nCOPY certs/ca.pem /etc/nginx/\n")).toEqual([{ line: 2, column: 6, severity: "error" }]);
  });

  it("an env file without credentials is not reported; one with a weak password is", () => {
    expect(lintIn({ ".env": "PORT=8080\nLOG_LEVEL=debug\n" }, "FROM node:22\nCOPY .env /app/\n")).toEqual([]);
    expect(lintIn({ ".env": "POSTGRES_PASSWORD=postgres\n" }, "FROM node:22\nCOPY .env /app/\n")).toEqual([{ line: 2, column: 6, severity: "error" }]);
  });

  it("Maven settings: a literal <password> is an error, ${env.X} references are fine", () => {
    const literal = "<settings><servers><server><id>corp</id><username>ci</username><password>mvn-Fixture-Pw4</password></server></servers></settings>\n";
    const byEnv =
      "<settings><servers><server><id>corp</id><username>${env.MVN_USER}</username><password>${env.MVN_PASSWORD}</password></server></servers></settings>\n";
    expect(lintIn({ "settings.xml": literal }, "FROM maven:3\nCOPY settings.xml /root/.m2/\n")).toEqual([{ line: 2, column: 6, severity: "error" }]);
    expect(lintIn({ "settings.xml": byEnv }, "FROM maven:3\nCOPY settings.xml /root/.m2/\n")).toEqual([]);
  });
});
