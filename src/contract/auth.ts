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
    workspaceId: Id.optional().describe("The workspace to open; default: the one this person used last"),
    totpCode: z
      .string()
      .trim()
      .max(40)
      .optional()
      .describe("The 6-digit code of the authenticator app, or a recovery code; asked for (totp_required) when the account has a second factor"),
  })
  .strict();

export const WorkspaceChoice = z.object({ id: Id, name: z.string() });

export const Me = z.object({
  user: z.object({ id: Id, name: z.string(), email: z.string(), role: Role }),
  workspace: z.object({
    id: Id,
    name: z.string(),
    slug: z.string(),
    timeZone: z.string().describe("IANA time zone the web app shows every date in"),
  }),
  workspaces: z.array(WorkspaceChoice).describe("Every workspace this person belongs to, for the workspace switcher"),
  totpEnabled: z.boolean().describe("Whether sign-in asks for an authenticator code"),
  mustEnrolTotp: z.boolean().describe("This workspace requires a second factor and the person has none yet: only enrolment is open"),
});
export type Me = z.infer<typeof Me>;

export const SetupStatus = z.object({
  hasWorkspaces: z.boolean(),
  signupOpen: z.boolean().describe("Whether anyone may create a workspace (RAPPORT_SIGNUP); the first sign-up always may"),
});

export const SwitchWorkspaceBody = z.object({ workspaceId: Id }).strict();

export const PasswordResetRequestBody = z.object({ email: Email }).strict();
export const PasswordResetBody = z.object({ token: z.string().min(20).max(200), password: Password }).strict();

export const TotpSetup = z.object({
  secret: z.string().describe("Base32, for typing into an app that cannot scan"),
  uri: z.string().describe("otpauth:// URI"),
  qrSvg: z.string().describe("The URI as a QR code (SVG markup)"),
});
export const TotpConfirmBody = z.object({ code: z.string().trim().min(6).max(10) }).strict();
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe("Shown once: each signs in once instead of a code") });
export const TotpDisableBody = z.object({ password: z.string().min(1).max(200) }).strict();
export const AccountSecurity = z.object({ totpEnabled: z.boolean(), recoveryCodesLeft: z.number().int() });
