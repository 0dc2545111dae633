import type { TestClock } from "pg-boss";

/**
 * Moves a test clock forward in steps until the condition holds: each step lets the polls and jobs that fell due run.
 * Once the clock has moved as far as the wait may move it (steps × stepMs), the worker may still be behind on a loaded
 * machine, so the condition then gets real time too (up to 120 s, within the suite's limit) rather than failing
 * because the machine is slow.
 */
export async function untilOnClock(clock: TestClock, cond: () => Promise<boolean> | boolean, stepMs = 500, steps = 240, what = "condition"): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (await cond()) return;
    if (stepMs > 2000) await clock.setTime(clock.now() + stepMs - 1000);
    await clock.tick(Math.min(stepMs, 1000));
    await new Promise((r) => setTimeout(r, 5));
  }
  for (const end = Date.now() + 120_000; Date.now() < end; ) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached`);
}
