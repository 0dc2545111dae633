import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts", "bench/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["src/test/global-setup.ts"],
    setupFiles: ["src/test/setup.ts"],
    // A wall-clock limit is a benchmark's business: on a shared 2-core machine a test may take several times its quiet time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: more workers only make PGlite instances fight for CPU.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
