import { z } from "zod";
import { Email } from "./auth.js";
import { Id, Role, Timestamp } from "./common.js";

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "Enter a domain such as example.com, without @");

export const SsoConfig = z.object({
  issuer: z.string().describe("The provider's issuer URL; its /.well-known/openid-configuration is read"),
  clientId: z.string(),
  clientSecretSet: z.boolean().describe("The secret is never returned; this says whether one is stored"),
  allowedDomains: z.array(z.string()),
  defaultRole: Role.describe("Role of people who join the workspace by signing in through the provider"),
  requireSso: z.boolean().describe("Non-admins cannot sign in with a password"),
  enabled: z.boolean(),
  updatedAt: Timestamp,
});
export type SsoConfig = z.infer<typeof SsoConfig>;

export const SsoConfigAnswer = z.object({
  config: SsoConfig.nullable(),
  redirectUri: z.string().describe("The address to register at the provider as the client's redirect URI"),
});

export const PutSsoConfigBody = z
  .object({
    issuer: z.url({ protocol: /^https?$/, error: "Enter the issuer URL, e.g. https://login.example.com" }).max(500),
    clientId: z.string().trim().min(1, "Enter the client id").max(500),
    clientSecret: z.string().min(1).max(2000).optional().describe("Omit to keep the stored secret"),
    allowedDomains: z.array(Domain).min(1, "Name at least one email domain").max(50),
    defaultRole: Role.default("sales"),
    requireSso: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .strict();
export type PutSsoConfigBody = z.infer<typeof PutSsoConfigBody>;

export const SsoDiscoverBody = z.object({ email: Email }).strict();
export const SsoDiscovery = z.object({
  workspaces: z.array(z.object({ id: Id, name: z.string(), startUrl: z.string().describe("Open this in the browser to sign in") })),
});

export const SsoStartQuery = z
  .object({
    workspaceId: Id,
    email: z.string().max(254).optional().describe("Passed to the provider as login_hint"),
    returnTo: z.string().max(500).optional().describe("A path of this app to land on after signing in"),
  })
  .strict();

export const SsoCallbackQuery = z.record(z.string(), z.string().max(4000));

/** Codes the callback puts in /?ssoError= for the sign-in page to explain. */
export const ssoErrorMessages = {
  expired: "The sign-in took too long or was started in another browser. Start again.",
  refused: "The identity provider did not sign you in.",
  invalid_response: "The identity provider's answer could not be verified. Start again, or ask your admin to check the SSO settings.",
  email_unverified: "The identity provider did not confirm your email address.",
  domain_not_allowed: "Your email's domain is not allowed to sign in to this workspace.",
  inactive: "Your account in this workspace is deactivated; ask an admin.",
  not_configured: "Single sign-on is not set up for this workspace.",
  provider_unreachable: "The identity provider could not be reached. Try again in a moment.",
} as const;
export type SsoErrorCode = keyof typeof ssoErrorMessages;
