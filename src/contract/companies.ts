import { z } from "zod";
import { Address, CustomValues, Id, ListQueryBase, listOf, PhoneExtension, StoredAddress, Tags, Timestamp } from "./common.js";

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .transform((d) =>
    d
      .replace(/^https?:\/\//, "")
      .replace(/^www\./, "")
      .replace(/\/.*$/, ""),
  )
  .pipe(z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "Enter a domain such as example.com"));

const Money = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform((v) => String(v));

export const CompanyInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(200),
    domain: Domain.nullable().optional(),
    industry: z.string().trim().max(100).nullable().optional(),
    employees: z.number().int().min(0).max(10_000_000).nullable().optional(),
    annualRevenue: Money.nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "Use an ISO 4217 code such as EUR")
      .optional(),
    phone: z
      .string()
      .trim()
      .max(60)
      .nullable()
      .optional()
      .describe('A number; an extension written after it ("+1 365 756 9410 x4781") is kept as phoneExtension'),
    phoneExtension: PhoneExtension.nullable().optional().describe("Wins over an extension written in phone; cleared when phone is"),
    address: Address.nullable().optional(),
    parentId: Id.nullable().optional(),
    ownerId: Id.nullable().optional(),
    tags: Tags.optional(),
    description: z.string().max(10_000).nullable().optional(),
    custom: CustomValues.optional(),
  })
  .strict();
export const CreateCompanyBody = CompanyInput;
export const UpdateCompanyBody = CompanyInput.partial().strict();

export const Company = z.object({
  id: Id,
  name: z.string(),
  domain: z.string().nullable(),
  industry: z.string().nullable(),
  employees: z.number().nullable(),
  annualRevenue: z.string().nullable(),
  currency: z.string(),
  phone: z.string().nullable().describe("E.164"),
  phoneExtension: z.string().nullable(),
  address: StoredAddress.nullable(),
  parentId: Id.nullable(),
  ownerId: Id.nullable(),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  custom: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable(),
});
export type Company = z.infer<typeof Company>;

export const CompanyListQuery = ListQueryBase.extend({
  ownerId: z.string().max(40).optional().describe("A user id, or 'me'"),
  tag: z.string().max(50).optional(),
  industry: z.string().max(100).optional(),
  domain: z.string().max(253).optional(),
}).strict();
export const CompanyList = listOf(Company);

export const companySortFields = ["name", "domain", "industry", "employees", "annualRevenue", "createdAt", "updatedAt"] as const;
