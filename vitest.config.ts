import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "e2e/**/*.test.ts", "bench/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["src/test/global-setup.ts"],
    setupFiles: ["src/test/setup.ts"],
    // A wall-clock limit is a benchmark's business: on a shared 2-core machine a test may take ten times its quiet time,
    // so tests set no limits of their own. This one only ends a run that hangs (a wait for something that never comes).
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // expect.poll waits for background work (a job, the event stream, the browser): its 1 s default fails under load.
    expect: { poll: { timeout: 120_000 } },
    pool: "forks",
    // Two cores: more workers only make PGlite instances fight for CPU.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
