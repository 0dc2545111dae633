import { z } from "zod";
import { Id, Timestamp } from "./common.js";

export const customObjects = ["company", "contact", "deal"] as const;
export const CustomObject = z.enum(customObjects);
export type CustomObject = z.infer<typeof CustomObject>;

export const customFieldTypes = ["text", "long_text", "number", "currency", "date", "boolean", "select", "multi_select", "url", "email", "phone"] as const;
export const CustomFieldType = z.enum(customFieldTypes);
export type CustomFieldType = z.infer<typeof CustomFieldType>;

export const CustomField = z.object({
  id: Id,
  object: CustomObject,
  key: z.string(),
  label: z.string(),
  type: CustomFieldType,
  options: z.array(z.string()),
  required: z.boolean(),
  position: z.number().int(),
  createdAt: Timestamp,
});
export type CustomField = z.infer<typeof CustomField>;

export const CreateCustomFieldBody = z
  .object({
    object: CustomObject,
    label: z.string().trim().min(1).max(80),
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, "Use lower-case letters, digits and _; start with a letter")
      .optional()
      .describe("Derived from the label when omitted"),
    type: CustomFieldType,
    options: z.array(z.string().trim().min(1).max(80)).max(200).optional(),
    required: z.boolean().optional(),
  })
  .strict()
  .refine((f) => !["select", "multi_select"].includes(f.type) || (f.options?.length ?? 0) > 0, {
    path: ["options"],
    message: "A select field needs at least one option",
  });
export const UpdateCustomFieldBody = z
  .object({
    label: z.string().trim().min(1).max(80).optional(),
    options: z.array(z.string().trim().min(1).max(80)).max(200).optional(),
    required: z.boolean().optional(),
    position: z.number().int().min(0).max(10000).optional(),
  })
  .strict();
