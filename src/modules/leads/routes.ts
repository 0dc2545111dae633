import type { FastifyInstance } from "fastify";
import { IdParams, ListCount } from "../../contract/common.js";
import { Contact, ContactList, ContactListQuery } from "../../contract/contacts.js";
import {
  AssignmentReorderBody,
  AssignmentRule,
  AssignmentRuleInput,
  AssignmentRuleList,
  AssignmentSettings,
  AssignmentSettingsBody,
  ConvertLeadBody,
  ConvertLeadResult,
  FormInput,
  FormSubmissionList,
  LeadForm,
  LeadFormList,
  RescoreStatus,
  ScoringRule,
  ScoringRuleInput,
  ScoringRuleList,
  SubmissionListQuery,
  UpdateAssignmentRuleBody,
  UpdateFormBody,
} from "../../contract/leads.js";
import { assertCan } from "../../core/roles.js";
import { jobsOf, NoContent, problems, typed } from "../../server/route-kit.js";
import { countContacts, getContact, listContacts } from "../contacts/service.js";
import {
  createAssignmentRule,
  deleteAssignmentRule,
  getAssignmentSettings,
  listAssignmentRules,
  reorderAssignmentRules,
  setAssignmentSettings,
  updateAssignmentRule,
} from "./assignment.js";
import { convertLead } from "./convert.js";
import { createForm, deleteForm, getForm, listForms, listSubmissions, updateForm } from "./forms.js";
import { createScoringRule, deleteScoringRule, listScoringRules, pendingRescoreStatus, rescoreContacts, rescoreStatus, updateScoringRule } from "./scoring.js";

export async function leadRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const leads = ["leads"];
  const forms = ["forms"];
  const rules = ["lead rules"];

  r.get(
    "/leads",
    {
      schema: {
        tags: leads,
        summary: "Contacts in a lead stage (subscriber to sales-qualified); sort=-leadScore, leadScoreMin, leadStatus, leadSource…",
        querystring: ContactListQuery,
        response: { 200: ContactList, ...problems },
      },
    },
    async (req) => listContacts(req.ctx, { ...req.query, leadsOnly: "true" }),
  );
  r.get(
    "/leads/count",
    {
      schema: {
        tags: leads,
        summary: "How many leads a list query matches (exact up to 10,000, else PostgreSQL's estimate)",
        querystring: ContactListQuery,
        response: { 200: ListCount, ...problems },
      },
    },
    async (req) => countContacts(req.ctx, { ...req.query, leadsOnly: "true" }),
  );
  r.post(
    "/contacts/:id/convert",
    {
      schema: {
        tags: leads,
        summary: "Qualify a lead: stage and status, company (found or created) and an optional deal, in one transaction",
        params: IdParams,
        body: ConvertLeadBody,
        response: { 200: ConvertLeadResult, ...problems },
      },
    },
    async (req) => convertLead(req.ctx, req.params.id, req.body),
  );
  r.post(
    "/contacts/:id/rescore",
    { schema: { tags: leads, summary: "Recompute this contact's lead score now", params: IdParams, response: { 200: Contact, ...problems } } },
    async (req) => {
      // Rescoring writes the contact's score: read-only callers may not.
      assertCan(req.ctx.actor, "write");
      await getContact(req.ctx, req.params.id);
      await rescoreContacts(req.ctx, [req.params.id]);
      return getContact(req.ctx, req.params.id);
    },
  );

  // ---- forms ----
  r.get("/forms", { schema: { tags: forms, summary: "Web-to-lead forms", response: { 200: LeadFormList, ...problems } } }, async (req) => ({
    data: await listForms(req.ctx),
    nextCursor: null,
  }));
  r.post(
    "/forms",
    { schema: { tags: forms, summary: "Create a form (admins)", body: FormInput, response: { 201: LeadForm, ...problems } } },
    async (req, reply) => reply.status(201).send(await createForm(req.ctx, req.body)),
  );
  r.get("/forms/:id", { schema: { tags: forms, params: IdParams, response: { 200: LeadForm, ...problems } } }, async (req) => getForm(req.ctx, req.params.id));
  r.patch(
    "/forms/:id",
    { schema: { tags: forms, summary: "Change a form (admins)", params: IdParams, body: UpdateFormBody, response: { 200: LeadForm, ...problems } } },
    async (req) => updateForm(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/forms/:id",
    { schema: { tags: forms, summary: "Delete a form and its submissions (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteForm(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    "/forms/:id/submissions",
    {
      schema: {
        tags: forms,
        summary: "A form's submissions, newest first",
        params: IdParams,
        querystring: SubmissionListQuery,
        response: { 200: FormSubmissionList, ...problems },
      },
    },
    async (req) => listSubmissions(req.ctx, req.params.id, req.query),
  );

  // ---- assignment rules ----
  r.get(
    "/assignment-rules",
    { schema: { tags: rules, summary: "Owner assignment rules, in evaluation order", response: { 200: AssignmentRuleList, ...problems } } },
    async (req) => ({
      data: await listAssignmentRules(req.ctx),
      nextCursor: null,
    }),
  );
  r.post(
    "/assignment-rules",
    { schema: { tags: rules, summary: "Add a rule at the end (admins)", body: AssignmentRuleInput, response: { 201: AssignmentRule, ...problems } } },
    async (req, reply) => reply.status(201).send(await createAssignmentRule(req.ctx, req.body)),
  );
  r.post(
    "/assignment-rules/reorder",
    { schema: { tags: rules, summary: "Set the evaluation order (admins)", body: AssignmentReorderBody, response: { 200: AssignmentRuleList, ...problems } } },
    async (req) => ({ data: await reorderAssignmentRules(req.ctx, req.body.ids), nextCursor: null }),
  );
  r.patch(
    "/assignment-rules/:id",
    { schema: { tags: rules, params: IdParams, body: UpdateAssignmentRuleBody, response: { 200: AssignmentRule, ...problems } } },
    async (req) => updateAssignmentRule(req.ctx, req.params.id, req.body),
  );
  r.delete("/assignment-rules/:id", { schema: { tags: rules, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteAssignmentRule(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.get("/assignment-settings", { schema: { tags: rules, summary: "The fallback owner", response: { 200: AssignmentSettings, ...problems } } }, async (req) =>
    getAssignmentSettings(req.ctx),
  );
  r.put(
    "/assignment-settings",
    { schema: { tags: rules, summary: "Set the fallback owner (admins)", body: AssignmentSettingsBody, response: { 200: AssignmentSettings, ...problems } } },
    async (req) => setAssignmentSettings(req.ctx, req.body),
  );

  // ---- scoring rules ----
  r.get("/scoring-rules", { schema: { tags: rules, summary: "Lead scoring rules", response: { 200: ScoringRuleList, ...problems } } }, async (req) => ({
    data: await listScoringRules(req.ctx),
    nextCursor: null,
  }));
  r.post(
    "/scoring-rules",
    {
      schema: {
        tags: rules,
        summary: "Add a rule (admins); rescoring runs in the background",
        body: ScoringRuleInput,
        response: { 201: ScoringRule, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createScoringRule(req.ctx, req.body)),
  );
  r.get(
    "/scoring-rules/rescore",
    { schema: { tags: rules, summary: "Progress of the last workspace rescore", response: { 200: RescoreStatus, ...problems } } },
    async (req) => rescoreStatus(req.ctx),
  );
  r.post(
    "/scoring-rules/rescore",
    { schema: { tags: rules, summary: "Rescore every contact (admins)", response: { 202: RescoreStatus, ...problems } } },
    async (req, reply) => {
      const status = await pendingRescoreStatus(req.ctx);
      await jobsOf(req.server).send("scoring.rescore_workspace", { workspaceId: req.ctx.workspaceId }, { singletonKey: req.ctx.workspaceId });
      return reply.status(202).send(status);
    },
  );
  r.put(
    "/scoring-rules/:id",
    { schema: { tags: rules, summary: "Replace a rule (admins)", params: IdParams, body: ScoringRuleInput, response: { 200: ScoringRule, ...problems } } },
    async (req) => updateScoringRule(req.ctx, req.params.id, req.body),
  );
  r.delete("/scoring-rules/:id", { schema: { tags: rules, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteScoringRule(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
}
