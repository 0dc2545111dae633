import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import { CreateTeamBody, CreateUserBody, Team, UpdateTeamBody, UpdateUserBody, User } from "../../contract/users.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { assertRoleExists } from "../roles/service.js";
import { createTeam, createUser, deleteTeam, getUser, listTeams, listUsers, updateTeam, updateUser } from "./service.js";

export async function userRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["users"];
  r.get(
    "/users",
    {
      schema: {
        tags,
        summary: "Users of the workspace",
        response: { 200: z.object({ data: z.array(User) }), ...problems },
      },
    },
    async (req) => ({
      data: await listUsers(req.ctx),
    }),
  );
  r.get(
    "/users/:id",
    {
      schema: { tags, params: IdParams, response: { 200: User, ...problems } },
    },
    async (req) => getUser(req.ctx, req.params.id),
  );
  r.post(
    "/users",
    {
      schema: {
        tags,
        summary: "Add a user (admin)",
        body: CreateUserBody,
        response: { 201: User, ...problems },
      },
    },
    async (req, reply) => {
      // Roles are the workspace's own (Settings → Roles): the key must name one of them.
      await assertRoleExists(req.ctx, req.body.role);
      return reply.status(201).send(await createUser(req.ctx, req.body));
    },
  );
  r.patch(
    "/users/:id",
    {
      schema: {
        tags,
        summary: "Change a user (admin)",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...problems },
      },
    },
    async (req) => {
      await assertRoleExists(req.ctx, req.body.role);
      return updateUser(req.ctx, req.params.id, req.body);
    },
  );

  const teamTags = ["teams"];
  r.get(
    "/teams",
    {
      schema: {
        tags: teamTags,
        response: { 200: z.object({ data: z.array(Team) }), ...problems },
      },
    },
    async (req) => ({ data: (await listTeams(req.ctx)).map((t) => ({ ...t, memberIds: [...t.memberIds] })) }),
  );
  r.post(
    "/teams",
    {
      schema: {
        tags: teamTags,
        body: CreateTeamBody,
        response: { 201: Team, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createTeam(req.ctx, req.body)),
  );
  r.patch(
    "/teams/:id",
    {
      schema: {
        tags: teamTags,
        params: IdParams,
        body: UpdateTeamBody,
        response: { 200: Team, ...problems },
      },
    },
    async (req) => updateTeam(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/teams/:id",
    {
      schema: {
        tags: teamTags,
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteTeam(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
