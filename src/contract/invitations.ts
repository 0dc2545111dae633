import { z } from "zod";
import { Email, Password } from "./auth.js";
import { Id, Role, Timestamp } from "./common.js";

export const Invitation = z.object({
  id: Id,
  email: z.string(),
  role: Role,
  invitedBy: Id.nullable(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
});
export type Invitation = z.infer<typeof Invitation>;

export const CreateInvitationBody = z.object({ email: Email, role: Role }).strict();

export const InvitationToken = z.object({ token: z.string().min(20).max(200) }).strict();

export const InvitationPreview = z.object({
  workspaceName: z.string(),
  email: z.string(),
  role: Role,
  hasAccount: z.boolean().describe("The email already has a Rapport account: accept by signing in, not by choosing a password"),
});

export const AcceptInvitationBody = z
  .object({
    token: z.string().min(20).max(200),
    name: z.string().trim().min(1, "Enter your name").max(100).optional().describe("New accounts: your name"),
    password: z.string().min(1).max(200).optional().describe("New accounts: the password to set; existing accounts: their password"),
    totpCode: z.string().trim().max(40).optional(),
  })
  .strict();

export const NewAccountPassword = Password;
