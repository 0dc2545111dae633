import type { FastifyInstance } from "fastify";
import { BulkAction, BulkResult, IdParams, ListCount } from "../../contract/common.js";
import { Company, CompanyList, CompanyListQuery, CreateCompanyBody, UpdateCompanyBody } from "../../contract/companies.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { bulkCompanies, countCompanies, createCompany, deleteCompany, getCompany, listCompanies, restoreCompany, updateCompany } from "./service.js";

export async function companyRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["companies"];
  r.get(
    "/companies",
    {
      schema: {
        tags,
        summary: "List, search and filter companies",
        querystring: CompanyListQuery,
        response: { 200: CompanyList, ...problems },
      },
    },
    async (req) => listCompanies(req.ctx, req.query),
  );
  r.get(
    "/companies/count",
    {
      schema: {
        tags,
        summary: "How many companies a list query matches (exact up to 10,000, else PostgreSQL's estimate)",
        description: "Takes the list's search and filters; limit, cursor and sort are ignored.",
        querystring: CompanyListQuery,
        response: { 200: ListCount, ...problems },
      },
    },
    async (req) => countCompanies(req.ctx, req.query),
  );
  r.post(
    "/companies",
    {
      schema: {
        tags,
        body: CreateCompanyBody,
        response: { 201: Company, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createCompany(req.ctx, req.body)),
  );
  r.post(
    "/companies/bulk",
    {
      schema: {
        tags,
        summary: "Tag, re-own, delete or restore many companies",
        body: BulkAction,
        response: { 200: BulkResult, ...problems },
      },
    },
    async (req) => bulkCompanies(req.ctx, req.body),
  );
  r.get(
    "/companies/:id",
    {
      schema: {
        tags,
        params: IdParams,
        response: { 200: Company, ...problems },
      },
    },
    async (req) => getCompany(req.ctx, req.params.id),
  );
  r.patch(
    "/companies/:id",
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateCompanyBody,
        response: { 200: Company, ...problems },
      },
    },
    async (req) => updateCompany(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/companies/:id",
    {
      schema: {
        tags,
        summary: "Move to the trash",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteCompany(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/companies/:id/restore",
    {
      schema: {
        tags,
        summary: "Restore from the trash",
        params: IdParams,
        response: { 200: Company, ...problems },
      },
    },
    async (req) => restoreCompany(req.ctx, req.params.id),
  );
}
