import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Unit tests run against sources; end-to-end tests spawn the built CLI.
    alias: {
      "@stowaway/lint": src("lint"),
      "@stowaway/sidecar": src("sidecar"),
      "@stowaway/vault-dev": src("vault-dev"),
    },
  },
  test: {
    // One logged fast-check seed per run, fixed unless FC_SEED says otherwise (see test/setup/seed.ts).
    // and one scratch directory per run for cross-worker records (test/setup/run-dir.ts).
    globalSetup: ["test/setup/seed.ts", "test/setup/run-dir.ts"],
    setupFiles: ["test/setup/fast-check.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Three workers on two cores: most end-to-end suites wait on real time (timers, child
    // processes), so a third worker overlaps those waits (CI: 404 s with two, 248 s with three).
    maxWorkers: 3,
    // `npm run test:unit` runs the package tests alone (seconds); `npm test` runs both projects.
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts", "examples/**/*.test.ts"] } },
    ],
  },
});
