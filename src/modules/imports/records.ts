/**
 * Deals and activities in an import: resolving what a row points at (pipeline and stage, contact, deal, a
 * Salesforce-style "what" id) and writing them through their modules' bulk functions. Unresolved references
 * reject the row with the reason; nothing is guessed.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Pipeline, Stage } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { type ActivityImport, existingActivityIds, importActivities } from "../activities/import.js";
import { existingCompanyIds } from "../companies/service.js";
import { contactCompanyIds, contactIdsByEmail, existingContactIds } from "../contacts/service.js";
import { type DealImport, dealCompanyIds, dealIdsByName, importDeals } from "../deals/import.js";
import { firstOpenStage, listPipelines, updatePipeline } from "../deals/pipelines.js";
import { getDeal, updateDeal } from "../deals/service.js";
import { existingTaskIds, importTasks, type TaskImport } from "../tasks/import.js";
import { dealChange } from "./changes.js";
import { normHeader } from "./mapping.js";
import type { Outcome, RunState } from "./outcome.js";
import type { ActivityRowInput, DealRowInput, Plan } from "./plan.js";
import { importExternalIds } from "./table.js";

export type ExternalObject = "contact" | "company" | "deal" | "activity" | "ticket";

/** Live records by the external ids earlier imports gave them (a record deleted since no longer answers). */
export async function externalIds(ctx: Ctx, object: ExternalObject, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter(Boolean))];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ externalId: importExternalIds.externalId, recordId: importExternalIds.recordId })
    .from(importExternalIds)
    .where(and(eq(importExternalIds.workspaceId, ctx.workspaceId), eq(importExternalIds.object, object), inArray(importExternalIds.externalId, unique)));
  const recordIds = rows.map((r) => r.recordId);
  let live: Set<string>;
  if (object === "company") live = await existingCompanyIds(ctx, recordIds);
  else if (object === "contact") live = await existingContactIds(ctx, recordIds);
  else if (object === "deal") live = new Set((await dealCompanyIds(ctx, recordIds)).keys());
  else live = new Set([...(await existingActivityIds(ctx, recordIds)), ...(await existingTaskIds(ctx, recordIds))]);
  const map = new Map<string, string>();
  for (const r of rows) if (live.has(r.recordId)) map.set(r.externalId, r.recordId);
  return map;
}

/**
 * A value shaped like another system's record id rather than a name: Salesforce ids (15 or 18 letters and digits,
 * mixed), UUIDs, MongoDB object ids, and long numbers (HubSpot record ids). A Salesforce Lead's Company column
 * holds an Account id, for one.
 */
export function looksLikeRecordId(raw: string): boolean {
  const v = raw.trim();
  if (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(v) && /\d/.test(v) && /[a-zA-Z]/.test(v)) return true;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) || /^[0-9a-f]{24}$/i.test(v) || /^\d{7,}$/.test(v);
}

type Reject = (o: Outcome, reason: string) => void;

/** Deals and activities: the contact, by email or by external id. */
export async function resolveContacts(ctx: Ctx, outs: Outcome[], reject: Reject): Promise<void> {
  const refs = outs.map((o) => o.built?.refs ?? {});
  const byEmail = await contactIdsByEmail(
    ctx,
    refs.flatMap((r) => (r.contactEmail ? [r.contactEmail] : [])),
  );
  const byExt = await externalIds(
    ctx,
    "contact",
    refs.flatMap((r) => (r.contactExternalId ? [r.contactExternalId] : [])),
  );
  for (const o of outs) {
    const r = o.built?.refs ?? {};
    if (!r.contactEmail && !r.contactExternalId) continue;
    const id = (r.contactExternalId && byExt.get(r.contactExternalId)) || (r.contactEmail && byEmail.get(r.contactEmail));
    if (id) o.contactId = id;
    else
      reject(
        o,
        `No contact with ${[r.contactExternalId && `external id "${r.contactExternalId}"`, r.contactEmail && `email "${r.contactEmail}"`].filter(Boolean).join(" or ")} (import the contacts first)`,
      );
  }
}

const wonNames = new Set(["won", "closedwon", "wonclosed", "win"]);
const lostNames = new Set(["lost", "closedlost", "lostclosed"]);
const listOf = (names: string[]) => names.map((n) => `"${n}"`).join(", ");

function defaultPipeline(plan: Plan, pipelines: Pipeline[]): Pipeline {
  const p = plan.options.pipelineId ? pipelines.find((x) => x.id === plan.options.pipelineId) : (pipelines.find((x) => x.isDefault) ?? pipelines[0]);
  if (!p) throw new AppError("validation_failed", "pipelineId: no such pipeline", [{ path: "pipelineId", message: "No such pipeline" }]);
  return p;
}

function stageNamed(p: Pipeline, name: string): Stage | undefined {
  const k = normHeader(name);
  return (
    p.stages.find((s) => normHeader(s.name) === k) ??
    (wonNames.has(k) ? p.stages.find((s) => s.type === "won") : lostNames.has(k) ? p.stages.find((s) => s.type === "lost") : undefined)
  );
}

/** Deals: the pipeline (a column, the chosen one, or the default) and the stage in it, and the lost reason a lost stage needs. */
export async function resolveStages(ctx: Ctx, plan: Plan, outs: Outcome[], state: RunState, reject: Reject): Promise<void> {
  state.pipelines ??= await listPipelines(ctx);
  const pipelines = state.pipelines;
  const fallback = defaultPipeline(plan, pipelines);
  for (const o of outs) {
    const r = o.built?.refs ?? {};
    const input = o.built?.input as DealRowInput;
    const pipeline = r.pipelineName ? pipelines.find((p) => normHeader(p.name) === normHeader(r.pipelineName as string)) : fallback;
    if (!pipeline) {
      reject(o, `No pipeline "${r.pipelineName}" (pipelines: ${listOf(pipelines.map((p) => p.name))})`);
      continue;
    }
    if (!r.stageName) {
      o.stage = firstOpenStage(pipeline);
      continue;
    }
    const stage = stageNamed(pipeline, r.stageName);
    if (stage) {
      o.stage = stage;
      if (stage.type === "lost" && !input.lostReason) {
        if (plan.options.defaultLostReason) input.lostReason = plan.options.defaultLostReason;
        else reject(o, `Stage "${stage.name}" is a lost stage and the row gives no lost reason (map a lost-reason column or set a default lost reason)`);
      }
      continue;
    }
    if (!plan.options.createMissingStages) {
      reject(
        o,
        `Stage "${r.stageName}" is not in pipeline "${pipeline.name}" (its stages: ${listOf(pipeline.stages.map((s) => s.name))}); turn on “create missing stages” to add it`,
      );
      continue;
    }
    o.newStage = { pipelineId: pipeline.id, name: r.stageName.trim().slice(0, 100) };
    const wanted = state.newStages.get(pipeline.id) ?? new Map();
    const key = o.newStage.name.toLowerCase();
    if (!wanted.has(key)) wanted.set(key, { name: o.newStage.name, probability: r.probability });
    state.newStages.set(pipeline.id, wanted);
  }
}

/** The stages a preview would add, as "Pipeline: Stage". */
export function stagesToCreate(state: RunState): string[] {
  const out: string[] = [];
  for (const [pid, stages] of state.newStages) {
    const p = state.pipelines?.find((x) => x.id === pid);
    for (const s of stages.values()) out.push(`${p?.name ?? pid}: ${s.name}`);
  }
  return out;
}

/** Activities: the deal (by external id or exact name), a "what" id, the company through the contact or deal, and a task's assignee. */
export async function resolveActivityLinks(ctx: Ctx, outs: Outcome[], reject: Reject): Promise<void> {
  const refs = outs.map((o) => o.built?.refs ?? {});
  const dealsByExt = await externalIds(
    ctx,
    "deal",
    refs.flatMap((r) => [r.dealExternalId, r.relatedExternalId].filter((x): x is string => Boolean(x))),
  );
  const dealsByName = await dealIdsByName(
    ctx,
    refs.flatMap((r) => (r.dealName ? [r.dealName] : [])),
  );
  const related = refs.flatMap((r) => (r.relatedExternalId ? [r.relatedExternalId] : []));
  const companiesByExt = await externalIds(ctx, "company", related);
  const contactsByExt = await externalIds(ctx, "contact", related);
  for (const o of outs) {
    const r = o.built?.refs ?? {};
    if (r.dealExternalId || r.dealName) {
      const named = r.dealName ? dealsByName.get(r.dealName.trim()) : undefined;
      const id = (r.dealExternalId && dealsByExt.get(r.dealExternalId)) || (named?.length === 1 ? named[0] : undefined);
      if (id) o.dealId = id;
      else if (named && named.length > 1) reject(o, `${named.length} deals are named "${r.dealName}": map the deal's external id instead`);
      else
        reject(
          o,
          `No deal with ${[r.dealExternalId && `external id "${r.dealExternalId}"`, r.dealName && `name "${r.dealName}"`].filter(Boolean).join(" or ")}`,
        );
    }
    if (r.relatedExternalId && o.action !== "reject") {
      const x = r.relatedExternalId;
      const deal = dealsByExt.get(x);
      const company = companiesByExt.get(x);
      const contact = contactsByExt.get(x);
      if (deal) o.dealId ??= deal;
      else if (company) o.companyId ??= company;
      else if (contact) o.contactId ??= contact;
      else reject(o, `No deal, company or contact with external id "${x}" (import them first)`);
    }
  }
  const live = outs.filter((o) => o.action !== "reject");
  // An interaction with a contact, or about a deal, also belongs on that company's timeline.
  const contactCompanies = await contactCompanyIds(
    ctx,
    live.flatMap((o) => (o.contactId && !o.companyId ? [o.contactId] : [])),
  );
  const dealCompanies = await dealCompanyIds(
    ctx,
    live.flatMap((o) => (o.dealId && !o.companyId ? [o.dealId] : [])),
  );
  for (const o of live) {
    o.companyId ??= (o.contactId && contactCompanies.get(o.contactId)) || (o.dealId && dealCompanies.get(o.dealId)) || undefined;
    const input = o.built?.input as ActivityRowInput;
    if (input.type === "task") {
      if (!input.ownerId && !ctx.actor.userId)
        reject(o, "A task needs an assignee: map an owner column (a user's email or name), or import as a user (in the CLI: --as <email>)");
    } else if (!o.contactId && !o.companyId && !o.dealId)
      reject(o, "Nothing to file it on: map a contact, company or deal column (email, name or external id)");
  }
}

// ---------- writing ----------

/** Adds the stages this batch needs to their pipelines (open stages, before won and lost), then points the rows at them. */
export async function ensureStages(t: Ctx, outs: Outcome[], state: RunState): Promise<void> {
  const needed = new Set(outs.filter((o) => o.newStage && (o.action === "create" || o.action === "update")).map((o) => o.newStage?.pipelineId as string));
  for (const pid of needed) {
    const wanted = state.newStages.get(pid);
    const pipeline = state.pipelines?.find((p) => p.id === pid);
    if (!wanted?.size || !pipeline) continue;
    const open = pipeline.stages.filter((s) => s.type === "open");
    const closed = pipeline.stages.filter((s) => s.type !== "open");
    let last = open[open.length - 1]?.probability ?? 0;
    const added = [...wanted.values()].map((s) => {
      last = s.probability ?? last;
      return { name: s.name, probability: last, type: "open" as const, playbook: [] };
    });
    const keep = (s: Stage) => ({ id: s.id, name: s.name, probability: s.probability, type: s.type, playbook: s.playbook });
    await updatePipeline(t, pid, { stages: [...open.map(keep), ...added, ...closed.map(keep)] });
    state.newStages.delete(pid);
  }
  if (needed.size) state.pipelines = await listPipelines(t);
  for (const o of outs) {
    if (!o.newStage) continue;
    const p = state.pipelines?.find((x) => x.id === o.newStage?.pipelineId);
    const stage = p?.stages.find((s) => s.name.toLowerCase() === o.newStage?.name.toLowerCase());
    if (stage) o.stage = stage;
    else if (o.action === "create" || o.action === "update") {
      o.action = "reject";
      o.reason = `Could not add stage "${o.newStage.name}"`;
    }
  }
}

export function dealImportOf(o: Outcome): DealImport {
  const input = o.built?.input as DealRowInput;
  return {
    ...input,
    stage: o.stage as Stage,
    ownerId: input.ownerId,
    companyId: o.companyId ?? null,
    contacts: o.contactId ? [{ contactId: o.contactId, role: "other" }] : [],
  };
}

export async function createDeals(t: Ctx, outs: Outcome[]) {
  return importDeals(t, outs.map(dealImportOf));
}

/** Only the fields the row gives that differ; lists (tags, contacts) are merged. Returns what undo restores. */
export async function updateDealFromRow(s: Ctx, id: string, o: Outcome): Promise<Record<string, unknown>> {
  const { patch, previous } = dealChange(await getDeal(s, id), o);
  if (Object.keys(patch).length) await updateDeal(s, id, patch);
  return previous;
}

/** Splits activity rows into tasks and timeline entries and writes each kind in one statement; ids come back per outcome. */
export async function createActivities(t: Ctx, outs: Outcome[]): Promise<Map<Outcome, { id: string; object: "activity" | "task" }>> {
  const ids = new Map<Outcome, { id: string; object: "activity" | "task" }>();
  const isTask = (o: Outcome) => (o.built?.input as ActivityRowInput | undefined)?.type === "task";
  const taskRows = outs.filter(isTask);
  const entryRows = outs.filter((o) => !isTask(o));
  const taskIds = await importTasks(
    t,
    taskRows.map((o): TaskImport => {
      const a = o.built?.input as ActivityRowInput;
      return {
        title: a.subject as string,
        description: a.body,
        dueAt: a.at,
        priority: a.priority ?? "normal",
        status: a.status ?? "open",
        assigneeId: (a.ownerId ?? t.actor.userId) as string,
        related: o.dealId
          ? { object: "deal", id: o.dealId }
          : o.contactId
            ? { object: "contact", id: o.contactId }
            : o.companyId
              ? { object: "company", id: o.companyId }
              : null,
        ...(a.createdAt ? { createdAt: a.createdAt } : {}),
      };
    }),
  );
  taskRows.forEach((o, i) => {
    ids.set(o, { id: taskIds[i] as string, object: "task" });
  });
  const entryIds = await importActivities(
    t,
    entryRows.map((o): ActivityImport => {
      const a = o.built?.input as ActivityRowInput;
      return {
        type: a.type as ActivityImport["type"],
        subject: a.subject,
        body: a.body,
        occurredAt: a.at as Date,
        details: a.details,
        contactId: o.contactId ?? null,
        companyId: o.companyId ?? null,
        dealId: o.dealId ?? null,
        authorId: a.ownerId ?? null,
      };
    }),
  );
  entryRows.forEach((o, i) => {
    ids.set(o, { id: entryIds[i] as string, object: "activity" });
  });
  return ids;
}
