/** Runs in each test worker before every test file (vitest.config.ts setupFiles). */
import { lowerPasswordCostForTests } from "../modules/auth/passwords.js";

// Thousands of sign-ups and sign-ins: at production cost the hashing alone was minutes of a loaded run's CPU.
// src/modules/auth/passwords.test.ts checks the production cost stays OWASP's.
lowerPasswordCostForTests();
