import { describe, expect, it, vi } from "vitest";
import { hashPassword, verifyPassword } from "./passwords.js";

describe("password hashing cost", () => {
  it("hashes with OWASP's argon2id baseline in a process that never lowered it", async () => {
    // A fresh copy of the module, as a production process loads it: the test setup lowered only the cached one.
    vi.resetModules();
    const fresh = await import("./passwords.js");
    const stored = await fresh.hashPassword("correct horse battery");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await fresh.verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await fresh.verifyPassword(stored, "wrong horse battery")).toBe(false);
  });

  it("is lowered for the test run (src/test/setup.ts), and a cheap hash still verifies only its own password", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "wrong horse battery")).toBe(false);
  });

  it("refuses to lower the cost outside the test run", async () => {
    vi.resetModules();
    const fresh = await import("./passwords.js");
    vi.stubEnv("VITEST", "");
    try {
      expect(() => fresh.lowerPasswordCostForTests()).toThrow(/test run only/);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(await fresh.hashPassword("x")).toMatch(/m=19456,t=2/);
  });
});
