import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  CreatePriceListBody,
  CreateProductBody,
  PriceList,
  PriceListList,
  Product,
  ProductList,
  ProductListQuery,
  UpdatePriceListBody,
  UpdateProductBody,
} from "../../contract/products.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { priceListInUse, productInUse } from "../deals/line-items.js";
import {
  createPriceList,
  createProduct,
  deletePriceList,
  deleteProduct,
  getPriceList,
  getProduct,
  listPriceLists,
  listProducts,
  updatePriceList,
  updateProduct,
} from "./service.js";

export async function productRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["products"];
  r.get(
    "/products",
    { schema: { tags, summary: "The product catalogue, by name", querystring: ProductListQuery, response: { 200: ProductList, ...problems } } },
    async (req) => listProducts(req.ctx, req.query),
  );
  r.post(
    "/products",
    { schema: { tags, summary: "Add a product (admin, manager)", body: CreateProductBody, response: { 201: Product, ...problems } } },
    async (req, reply) => reply.status(201).send(await createProduct(req.ctx, req.body)),
  );
  r.get("/products/:id", { schema: { tags, params: IdParams, response: { 200: Product, ...problems } } }, async (req) => getProduct(req.ctx, req.params.id));
  r.patch("/products/:id", { schema: { tags, params: IdParams, body: UpdateProductBody, response: { 200: Product, ...problems } } }, async (req) =>
    updateProduct(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/products/:id",
    { schema: { tags, summary: "Delete a product no deal uses (deactivate it otherwise)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteProduct(req.ctx, req.params.id, productInUse);
      return reply.status(204).send(null);
    },
  );
  r.get("/price-lists", { schema: { tags, response: { 200: PriceListList, ...problems } } }, async (req) => ({ data: await listPriceLists(req.ctx) }));
  r.post(
    "/price-lists",
    { schema: { tags, summary: "Add a price list (admin, manager)", body: CreatePriceListBody, response: { 201: PriceList, ...problems } } },
    async (req, reply) => reply.status(201).send(await createPriceList(req.ctx, req.body)),
  );
  r.get("/price-lists/:id", { schema: { tags, params: IdParams, response: { 200: PriceList, ...problems } } }, async (req) =>
    getPriceList(req.ctx, req.params.id),
  );
  r.patch("/price-lists/:id", { schema: { tags, params: IdParams, body: UpdatePriceListBody, response: { 200: PriceList, ...problems } } }, async (req) =>
    updatePriceList(req.ctx, req.params.id, req.body),
  );
  r.delete("/price-lists/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deletePriceList(req.ctx, req.params.id, priceListInUse);
    return reply.status(204).send(null);
  });
}
