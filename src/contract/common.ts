import { z } from "zod";

/** UUIDv7 (or any RFC 4122 UUID) used for every record id. */
export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

export const IdParams = z.object({ id: Id }).strict();

export const Timestamp = z.string().describe("ISO 8601 date-time");

export const Tags = z.array(z.string().trim().min(1).max(50)).max(50);

/** The built-in roles every workspace has; admins add their own (src/contract/roles.ts). */
export const roles = ["admin", "manager", "sales", "support", "marketing", "read_only"] as const;
/** A role's key: a built-in one or a workspace's custom role (lower-case letters, digits, underscores). */
export const RoleKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,39}$/, "A role key is 2 to 40 lower-case letters, digits or underscores, starting with a letter");
export const Role = RoleKey;
export type Role = string;

/** RFC 9457 problem details; `code` is stable and what clients branch on. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  workspaces: z
    .array(z.object({ id: z.string(), name: z.string() }))
    .optional()
    .describe("With workspace_required: the workspaces to choose from"),
});
export type Problem = z.infer<typeof Problem>;

export const ListQueryBase = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
  sort: z.string().max(100).optional().describe("Field name; prefix with - for descending, e.g. -createdAt"),
  q: z.string().max(200).optional().describe("Full-text and typo-tolerant search"),
  filter: z
    .string()
    .max(5000)
    .optional()
    .describe('A condition as JSON (src/contract/conditions.ts): {"all":[{"field":"custom.tier","op":"eq","value":"gold"}]}; a plain array means all of them'),
  trashed: z.enum(["true", "false"]).optional().describe("true lists the trash"),
});

export const ListCount = z.object({
  count: z.number().int(),
  exact: z.boolean().describe("false when the count is PostgreSQL's estimate: more rows match than are counted one by one"),
});
export type ListCount = z.infer<typeof ListCount>;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

export const CountryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "Use a two-letter ISO 3166 country code, e.g. DE")
  .transform((c) => c.toUpperCase());

/** An IANA time zone the runtime knows (e.g. Europe/Berlin), written back in its canonical spelling. */
export const TimeZone = z
  .string()
  .trim()
  .min(1, "Choose a time zone")
  .max(64)
  .transform((tz, ctx) => {
    try {
      return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({ code: "custom", message: "Use an IANA time zone such as Europe/Berlin" });
      return z.NEVER;
    }
  });

export const CurrencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use an ISO 4217 code such as EUR")
  .transform((c) => c.toUpperCase());

export const Address = z
  .object({
    street: z.string().max(300).optional(),
    city: z.string().max(120).optional(),
    region: z.string().max(120).optional(),
    postalCode: z.string().max(30).optional(),
    country: CountryCode.optional(),
  })
  .strict();
export type Address = z.infer<typeof Address>;
/** Addresses as stored and returned (output schemas carry no transforms). */
export const StoredAddress = z.object({
  street: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
});

export const CustomValues = z.record(z.string(), z.unknown()).describe("Custom field values keyed by field key");

export const BulkAction = z
  .object({
    ids: z.array(Id).min(1).max(1000),
    action: z.enum(["tag", "untag", "setOwner", "delete", "restore"]),
    tag: z.string().trim().min(1).max(50).optional(),
    ownerId: Id.nullable().optional(),
  })
  .strict();
export const BulkResult = z.object({ affected: z.number().int() });

/** A phone extension: digits only, as libphonenumber reads "x4781", "ext. 12" or ";ext=9" after a number. */
export const PhoneExtension = z
  .string()
  .trim()
  .regex(/^\d{1,10}$/, "An extension is 1 to 10 digits");
