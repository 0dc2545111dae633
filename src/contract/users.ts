import { z } from "zod";
import { Email, Password } from "./auth.js";
import { Id, Role, Timestamp } from "./common.js";

export const User = z.object({
  id: Id,
  name: z.string(),
  email: z.string(),
  role: Role,
  active: z.boolean(),
  teamIds: z.array(Id),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const CreateUserBody = z
  .object({ name: z.string().trim().min(1).max(100), email: Email, role: Role, password: Password, teamIds: z.array(Id).max(50).optional() })
  .strict();
export const UpdateUserBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    role: Role.optional(),
    active: z.boolean().optional(),
    password: Password.optional(),
    teamIds: z.array(Id).max(50).optional(),
  })
  .strict();

export const Team = z.object({ id: Id, name: z.string(), memberIds: z.array(Id), createdAt: Timestamp });
export type Team = z.infer<typeof Team>;
export const CreateTeamBody = z.object({ name: z.string().trim().min(1).max(100), memberIds: z.array(Id).max(500).optional() }).strict();
export const UpdateTeamBody = CreateTeamBody.partial().strict();

export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  prefix: z.string().describe("First characters of the key, to recognise it"),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const CreateApiKeyBody = z.object({ name: z.string().trim().min(1).max(100), role: Role }).strict();
export const CreatedApiKey = ApiKey.extend({ key: z.string().describe("Shown once; store it now") });
