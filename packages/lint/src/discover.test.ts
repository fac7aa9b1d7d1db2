import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { yamlKindOf, discoverTargets, kindOfExplicit, kindOfName } from "./discover.js";

describe("kindOfName", () => {
  it.each([
    ["Dockerfile", "dockerfile"],
    ["Containerfile", "dockerfile"],
    ["api.Dockerfile", "dockerfile"],
    ["Dockerfile.prod", "dockerfile"],
    ["compose.yaml", "compose"],
    ["docker-compose.yml", "compose"],
    ["docker-compose.override.yml", "compose"],
    ["compose.prod.yaml", "compose"],
    ["web.compose.yml", "compose"],
    // Real repositories also join with `-` and `_` (docker-selenium, zabbix-docker).
    ["docker-compose-v3-full-grid.yml", "compose"],
    ["docker-compose_v3_ubuntu_pgsql_latest.yaml", "compose"],
    ["compose_databases.yaml", "compose"],
    [".env", "env"],
    [".env.production", "env"],
    ["prod.env", "env"],
    [".env_db_pgsql", "env"],
    [".env-local", "env"],
  ])("%s is %s", (name, kind) => expect(kindOfName(name)).toBe(kind));

  it.each([
    "README.md",
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dev.example",
    ".env.prod.sample",
    "example.env",
    "Dockerfile.dockerignore",
    "values.yaml",
    "package.json",
  ])("%s is not ours", (name) => expect(kindOfName(name)).toBeUndefined());

  it("tells compose from other YAML by its top-level keys", () => {
    expect(yamlKindOf("services:\n  web:\n    image: nginx\n")).toBe("compose");
    expect(yamlKindOf("# stack\nx-common: &c {}\nservices: {}\n")).toBe("compose");
    expect(yamlKindOf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n")).toBe("kubernetes");
    expect(yamlKindOf("image:\n  repository: app\nreplicaCount: 2\n")).toBeUndefined();
  });

  it("treats any explicitly named YAML as compose", () => {
    expect(kindOfExplicit("deploy/stack.yml")).toBe("compose");
    expect(kindOfExplicit("build/web")).toBe("dockerfile");
  });
});

describe("discoverTargets", () => {
  it("searches directories, skips node_modules and .git, and reports missing paths", () => {
    const dir = mkdtempSync(join(tmpdir(), "stowaway-discover-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of ["Dockerfile", "svc/compose.yaml", "svc/.env", "svc/.env.example", "node_modules/x/Dockerfile", ".git/Dockerfile", "notes.txt"]) {
      mkdirSync(join(dir, f, ".."), { recursive: true });
      writeFileSync(join(dir, f), "x");
    }
    const { targets, missing } = discoverTargets([".", "nope"], { cwd: dir });
    expect(targets.map((t) => `${t.kind}:${t.file}`).sort()).toEqual(["compose:svc/compose.yaml", "dockerfile:Dockerfile", "env:svc/.env"]);
    expect(missing).toEqual(["nope"]);
  });
});
