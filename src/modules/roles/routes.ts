import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import {
  CreateRoleBody,
  CreateShareBody,
  MyAccess,
  RoleDefinition,
  RoleList,
  Share,
  ShareDeleteParams,
  ShareParams,
  UpdateRoleBody,
} from "../../contract/roles.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createRole, deleteRole, listRoles, myAccess, updateRole } from "./service.js";
import { listShares, shareRecord, unshareRecord } from "./shares.js";

/** Settings → Roles (admins): the permission matrix and field rules; record sharing; the actor's own rights. */
export async function roleRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["roles"];
  r.get("/roles", { schema: { tags, summary: "Roles with their permission matrix (admins)", response: { 200: RoleList, ...problems } } }, async (req) => ({
    data: await listRoles(req.ctx),
  }));
  r.post(
    "/roles",
    { schema: { tags, summary: "Add a custom role (admins)", body: CreateRoleBody, response: { 201: RoleDefinition, ...problems } } },
    async (req, reply) => reply.code(201).send(await createRole(req.ctx, req.body)),
  );
  r.patch(
    "/roles/:id",
    {
      schema: {
        tags,
        summary: "Rename a role or change its rights (admins)",
        params: IdParams,
        body: UpdateRoleBody,
        response: { 200: RoleDefinition, ...problems },
      },
    },
    async (req) => updateRole(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/roles/:id",
    { schema: { tags, summary: "Delete a custom role nobody holds (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteRole(req.ctx, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get("/me/access", { schema: { tags, summary: "The signed-in user's (or key's) rights", response: { 200: MyAccess, ...problems } } }, async (req) =>
    myAccess(req.ctx),
  );

  const shareTags = ["sharing"];
  r.get(
    "/shares/:object/:id",
    {
      schema: {
        tags: shareTags,
        summary: "Who a record is shared with beyond the rule",
        params: ShareParams,
        response: { 200: z.object({ data: z.array(Share) }), ...problems },
      },
    },
    async (req) => ({ data: await listShares(req.ctx, req.params.object, req.params.id) }),
  );
  r.post(
    "/shares/:object/:id",
    {
      schema: {
        tags: shareTags,
        summary: "Share a record with a person or a team (read, or read and edit)",
        params: ShareParams,
        body: CreateShareBody,
        response: { 201: z.object({ data: z.array(Share) }), ...problems },
      },
    },
    async (req, reply) => reply.code(201).send({ data: await shareRecord(req.ctx, req.params.object, req.params.id, req.body) }),
  );
  r.delete(
    "/shares/:object/:id/:shareId",
    { schema: { tags: shareTags, summary: "Stop sharing a record with someone", params: ShareDeleteParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await unshareRecord(req.ctx, req.params.object, req.params.id, req.params.shareId);
      return reply.code(204).send(null);
    },
  );
}
