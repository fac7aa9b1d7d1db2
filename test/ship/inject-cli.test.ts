import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { skipBecause } from "../helpers/skip.js";
import { repoRoot, stowaway } from "./helpers.js";

// main.ts (commander) is wired separately; until `inject` is there, these have nothing to run.
const wired = /^\s+inject\b/m.test(stowaway(["--help"]).stdout);

describe.skipIf(skipBecause(!wired, "inject is missing from the built CLI's --help (build first, or wire it in main.ts)"))(
  "stowaway inject, through the built CLI",
  () => {
    it("documents its options", () => {
      const help = stowaway(["inject", "--help"]);
      expect(help.status).toBe(0);
      for (const option of ["--service", "--container", "--config", "--image", "--output"]) expect(help.stdout).toContain(option);
    });

    it("prints the compose example unchanged: it is already injected", () => {
      const res = stowaway(["inject", "examples/compose/compose.yaml", "--service", "app", "--config", "examples/compose/sidecar.yaml"], {
        cwd: repoRoot,
      });
      expect(res.stderr).toBe("");
      expect(res.status).toBe(0);
      expect(res.stdout).toBe(readFileSync(join(repoRoot, "examples/compose/compose.yaml"), "utf8"));
    });

    it("exits 2 with the reason when the target is missing", () => {
      const res = stowaway(["inject", "examples/kubernetes/app.yaml", "--container", "nope", "--config", "examples/kubernetes/sidecar.yaml"]);
      expect(res.status).toBe(2);
      expect(res.stdout).toBe("");
      expect(res.stderr).toMatch(/no container named "nope"/);
    });
  },
);
