import fastJson from "fast-json-stringify";
import type { FastifySerializerCompiler } from "fastify/types/schema.js";
import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { z } from "zod";

type JsonSchema = { [key: string]: unknown };

/** Routes whose response schema fast-json-stringify could not take, answered through zod instead; tests keep it empty. */
export const zodSerializedRoutes = new Set<string>();

const PRIMITIVE = new Set(["string", "number", "integer", "boolean"]);

/**
 * zod writes `.nullable()` as `anyOf: [X, { type: "null" }]`, which fast-json-stringify resolves per value by running a
 * validator over the branches; for a primitive X, `type: [X, "null"]` says the same and is written directly.
 */
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (!node || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) out[k] = simplify(v);
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && Object.keys(out).length === 1) {
    const [a, b] = anyOf as JsonSchema[];
    const nullable = (x?: JsonSchema) => x?.type === "null" && Object.keys(x).length === 1;
    const value = nullable(b) ? a : nullable(a) ? b : undefined;
    if (value && typeof value.type === "string" && PRIMITIVE.has(value.type)) return { ...value, type: [value.type, "null"] };
  }
  return out;
}

/**
 * Writes each response with fast-json-stringify, compiled once per route from the JSON Schema of its zod response
 * schema (the same schema the OpenAPI document shows). fastify-type-provider-zod's own serializer re-checks every
 * response against zod before JSON.stringify, which for a page of 50 contacts cost more than building the page's SQL.
 * What leaves is still exactly the schema's fields: objects are written property by property (additionalProperties
 * false), so a column a schema does not name never reaches a client. A schema JSON Schema cannot express falls back to
 * zod's serializer.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = (route) => {
  try {
    const json = z.toJSONSchema(route.schema, { target: "draft-7", io: "output", unrepresentable: "throw" }) as JsonSchema;
    delete json.$schema;
    return fastJson(simplify(json) as Parameters<typeof fastJson>[0]);
  } catch {
    zodSerializedRoutes.add(`${route.method} ${route.url} ${route.httpStatus}`);
    return zodSerializerCompiler(route);
  }
};
