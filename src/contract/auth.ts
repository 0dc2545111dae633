import { z } from "zod";
import { CountryCode, CurrencyCode, Id, Role, TimeZone } from "./common.js";

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("Enter a valid email address"))
  .transform((e) => e.toLowerCase());

export const Password = z.string().min(10, "Use at least 10 characters").max(200);

export const SignupBody = z
  .object({
    workspaceName: z.string().trim().min(1, "Name your workspace").max(100),
    name: z.string().trim().min(1, "Enter your name").max(100),
    email: Email,
    password: Password,
    // Optional for API callers (a workspace then starts on UTC with no country); the sign-up form prefills them from the browser.
    defaultCountry: CountryCode.optional(),
    defaultCurrency: CurrencyCode.optional(),
    timeZone: TimeZone.optional(),
  })
  .strict();

export const LoginBody = z
  .object({
    email: Email,
    password: z.string().min(1).max(200),
    workspaceId: Id.optional().describe("Needed only when the email belongs to several workspaces"),
  })
  .strict();

export const Me = z.object({
  user: z.object({ id: Id, name: z.string(), email: z.string(), role: Role }),
  workspace: z.object({
    id: Id,
    name: z.string(),
    slug: z.string(),
    timeZone: z.string().describe("IANA time zone the web app shows every date in"),
  }),
});
export type Me = z.infer<typeof Me>;

export const WorkspaceChoice = z.object({ id: Id, name: z.string() });

export const SetupStatus = z.object({ hasWorkspaces: z.boolean() });
