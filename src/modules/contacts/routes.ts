import type { FastifyInstance } from "fastify";
import { BulkAction, BulkResult, IdParams, ListCount } from "../../contract/common.js";
import { Contact, ContactList, ContactListQuery, CreateContactBody, UpdateContactBody } from "../../contract/contacts.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { bulkContacts, countContacts, createContact, deleteContact, getContact, listContacts, restoreContact, updateContact } from "./service.js";

export async function contactRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["contacts"];
  r.get(
    "/contacts",
    {
      schema: {
        tags,
        summary: "List, search and filter contacts",
        querystring: ContactListQuery,
        response: { 200: ContactList, ...problems },
      },
    },
    async (req) => listContacts(req.ctx, req.query),
  );
  r.get(
    "/contacts/count",
    {
      schema: {
        tags,
        summary: "How many contacts a list query matches (exact up to 10,000, else PostgreSQL's estimate)",
        description: "Takes the list's search and filters; limit, cursor and sort are ignored.",
        querystring: ContactListQuery,
        response: { 200: ListCount, ...problems },
      },
    },
    async (req) => countContacts(req.ctx, req.query),
  );
  r.post(
    "/contacts",
    {
      schema: {
        tags,
        body: CreateContactBody,
        response: { 201: Contact, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createContact(req.ctx, req.body)),
  );
  r.post(
    "/contacts/bulk",
    {
      schema: {
        tags,
        summary: "Tag, re-own, delete or restore many contacts",
        body: BulkAction,
        response: { 200: BulkResult, ...problems },
      },
    },
    async (req) => bulkContacts(req.ctx, req.body),
  );
  r.get(
    "/contacts/:id",
    {
      schema: {
        tags,
        params: IdParams,
        response: { 200: Contact, ...problems },
      },
    },
    async (req) => getContact(req.ctx, req.params.id),
  );
  r.patch(
    "/contacts/:id",
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateContactBody,
        response: { 200: Contact, ...problems },
      },
    },
    async (req) => updateContact(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/contacts/:id",
    {
      schema: {
        tags,
        summary: "Move to the trash",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteContact(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/contacts/:id/restore",
    {
      schema: {
        tags,
        summary: "Restore from the trash",
        params: IdParams,
        response: { 200: Contact, ...problems },
      },
    },
    async (req) => restoreContact(req.ctx, req.params.id),
  );
}
