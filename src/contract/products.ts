import { z } from "zod";
import { Id, ListQueryBase, listOf, Timestamp } from "./common.js";
import { Currency, MoneyInput } from "./deals.js";

export const ProductInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(200),
    sku: z
      .string()
      .trim()
      .min(1, "Enter a SKU")
      .max(64)
      .regex(/^[A-Za-z0-9._\-/]+$/, "Use letters, digits and . _ - / only"),
    unitPrice: MoneyInput,
    currency: Currency,
    active: z.boolean().optional(),
    description: z.string().max(5000).nullable().optional(),
  })
  .strict();
export const CreateProductBody = ProductInput;
export const UpdateProductBody = ProductInput.partial().strict();
export const Product = z.object({
  id: Id,
  name: z.string(),
  sku: z.string(),
  unitPrice: z.string(),
  currency: z.string(),
  active: z.boolean(),
  description: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Product = z.infer<typeof Product>;
export const ProductListQuery = ListQueryBase.pick({ limit: true, cursor: true, q: true })
  .extend({ active: z.enum(["true", "false"]).optional() })
  .strict();
export const ProductList = listOf(Product);

export const PriceListEntryInput = z.object({ productId: Id, price: MoneyInput }).strict();
export const PriceListInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(100),
    currency: Currency,
    active: z.boolean().optional(),
    entries: z.array(PriceListEntryInput).max(5000).optional().describe("Replaces the whole list of prices when given"),
  })
  .strict();
export const CreatePriceListBody = PriceListInput;
export const UpdatePriceListBody = PriceListInput.partial().strict();
export const PriceList = z.object({
  id: Id,
  name: z.string(),
  currency: z.string(),
  active: z.boolean(),
  entries: z.array(z.object({ productId: Id, productName: z.string(), sku: z.string(), price: z.string() })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PriceList = z.infer<typeof PriceList>;
export const PriceListList = z.object({ data: z.array(PriceList.omit({ entries: true }).extend({ entryCount: z.number().int() })) });
