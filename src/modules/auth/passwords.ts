import { hash, verify } from "@node-rs/argon2";

// @node-rs/argon2 defaults to argon2id; these are OWASP's baseline: 19 MiB, 2 iterations, 1 lane.
export const owaspCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
let options: { memoryCost: number; timeCost: number; parallelism: number } = owaspCost;

/**
 * For the test run only (src/test/setup.ts): argon2id at its smallest cost. The suite signs up and signs in thousands
 * of times, and at OWASP's cost each hash takes 30 ms of a quiet core and a quarter of a second of a busy one. A hash
 * carries its own parameters, so verifying is unaffected by which cost made it. Refused outside Vitest, so a
 * production process can never store weak hashes.
 */
export function lowerPasswordCostForTests(): void {
  if (!process.env.VITEST) throw new Error("lowerPasswordCostForTests is for the test run only");
  options = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
}

export const hashPassword = (password: string) => hash(password, options);

let verified = 0;
/** How many hashes this process has checked: each costs ~20 MiB and tens of milliseconds, so sign-in checks one. */
export const passwordChecks = () => verified;

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  verified++;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Verified against when no user matches, so a wrong email costs as long as a wrong password. */
let dummy: Promise<string> | undefined;
export const dummyHash = () => {
  dummy ??= hashPassword("rapport-timing-equaliser");
  return dummy;
};
