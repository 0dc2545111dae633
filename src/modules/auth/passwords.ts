import { hash, verify } from "@node-rs/argon2";

// @node-rs/argon2 defaults to argon2id; these are OWASP's baseline: 19 MiB, 2 iterations, 1 lane.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

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
