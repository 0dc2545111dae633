import { z } from "zod";
import { Timestamp } from "./common.js";

export const SessionInfo = z.object({
  id: z.string().describe("Opaque; names the session for signing it out"),
  browser: z.string().describe('From the user agent, e.g. "Firefox 133"; "Unknown browser" when it says nothing we know'),
  system: z.string().describe('From the user agent, e.g. "macOS", "Android"'),
  device: z.enum(["desktop", "mobile", "tablet", "unknown"]),
  ip: z.string().nullable(),
  method: z.enum(["password", "sso"]).describe("How it signed in"),
  createdAt: Timestamp,
  lastSeenAt: Timestamp.describe("Kept to the minute"),
  current: z.boolean().describe("The session this request came with"),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.object({ data: z.array(SessionInfo) });

export const SessionParams = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "Not a session id") }).strict();

export const SignOutEverywhereBody = z
  .object({
    includeThisSession: z.boolean().default(false).describe("Also sign out the session making this request"),
  })
  .strict();

export const SignedOut = z.object({ signedOut: z.number().int().describe("How many sessions were ended") });
