import { createReadStream } from "node:fs";
import { setImmediate } from "node:timers/promises";
import { and, asc, desc, eq, gt, inArray, ne, sql } from "drizzle-orm";
import type { CustomField } from "../../contract/custom-fields.js";
import type { ImportJob, ImportOptions, ImportPreview, ImportPrimary } from "../../contract/imports.js";
import { accessOf, ownerAllows, scopeOf } from "../../core/access.js";
import type { Actor, Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { parsePhone } from "../../core/phones.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { insertMany } from "../../db/insert-many.js";
import { refreshStatistics } from "../../db/maintenance.js";
import { forgetConfig } from "../../db/workspace-cache.js";
import { trashImportedActivities } from "../activities/import.js";
import { bulkCompanies, companyIdsBy, getCompany, importCompanies, updateCompany } from "../companies/service.js";
import { bulkContacts, contactIdsByEmail, contactValues, getContact, importContacts, updateContact } from "../contacts/service.js";
import { createCustomField, listCustomFields } from "../custom-fields/service.js";
import { dealIdsByName, trashImportedDeals } from "../deals/import.js";
import { updateDeal } from "../deals/service.js";
import { publishEvents } from "../history/service.js";
import { deleteImportedTasks } from "../tasks/import.js";
import { deleteImportedTickets, importTickets, type TicketImport, ticketStatusResolver } from "../tickets/import.js";
import { userIdsByEmailOrName } from "../users/service.js";
import { checkRecord, loadRules } from "../validation-rules/service.js";
import { fallbackCurrency, listWorkspaces, workspaceSettings } from "../workspaces/service.js";
import { companyChange, contactChange, markUnchanged } from "./changes.js";
import { deleteFile, storedFile, storeFile } from "./files.js";
import { contactListTargets, type ImportObject, multiTargets, presets, suggestMapping, targetsOf } from "./mapping.js";
import type { Outcome, RunState } from "./outcome.js";
import { countRows, detectFormat, type FileFormat, type FileSource, inspect, readRows, type SourceRow } from "./parse.js";
import { type Built, buildRow, type CompanyInput, type ContactInput, type Plan, splitList } from "./plan.js";
import type { TicketRowInput } from "./plan-base.js";
import {
  createActivities,
  createDeals,
  ensureStages,
  externalIds,
  looksLikeRecordId,
  resolveActivityLinks,
  resolveContacts,
  resolveStages,
  stagesToCreate,
  updateDealFromRow,
} from "./records.js";
import { importChanges, importErrors, importExternalIds, importMappings, imports } from "./table.js";
import { domainOf, SlashDateOrder, type slashDateOrder } from "./values.js";

type Row = typeof imports.$inferSelect;
export const BATCH_SIZE = 1000;
const STALE_MS = 60_000;
const PREVIEW_REJECTED = 100;

/**
 * Stores an upload's bytes in the database (import_files) as they arrive, before createImport registers it: a worker on
 * any machine reads the same bytes, and nothing lands in the OS temp folder. Returns the size in bytes.
 */
export async function saveUpload(ctx: Ctx, id: string, input: AsyncIterable<Buffer | Uint8Array>): Promise<number> {
  assertCan(ctx.actor, "write");
  try {
    return await storeFile(ctx, id, input);
  } catch (err) {
    await deleteFile(ctx.db, ctx.workspaceId, id);
    throw err;
  }
}

/** Forgets stored bytes that never became an import (a refused or too large upload). */
export async function dropUpload(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  await deleteFile(ctx.db, ctx.workspaceId, id);
}

const sourceOf = (ctx: Ctx, id: string) => storedFile(ctx.db, ctx.workspaceId, id);

const isStale = (r: Row) => r.status === "running" && (!r.heartbeatAt || Date.now() - r.heartbeatAt.getTime() > STALE_MS);

function toJob(r: Row, companiesCreated = 0): ImportJob {
  const status = isStale(r) ? "interrupted" : r.status;
  return {
    id: r.id,
    object: r.object,
    fileName: r.fileName,
    fileSize: r.fileSize,
    format: r.format,
    encoding: r.encoding,
    delimiter: r.delimiter,
    headers: r.headers,
    status,
    lastRow: r.lastRow,
    totalRows: r.totalRows,
    counts: { unchanged: 0, ...r.counts },
    companiesCreated,
    error: r.error,
    options: r.options,
    canResume: status === "interrupted" || status === "failed",
    canUndo: status === "completed" || status === "interrupted" || status === "failed",
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

const scoped = (ctx: Ctx, id: string) => and(eq(imports.workspaceId, ctx.workspaceId), eq(imports.id, id));

/**
 * The workspace an import belongs to, so the CLI's `import undo|resume <id>` needs no --workspace. Import ids are
 * UUIDv7, unique across workspaces; this is the one unscoped read of imports, and it returns only the workspace id.
 */
export async function importWorkspaceId(db: Ctx["db"], id: string): Promise<string | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [row] = await db.select({ workspaceId: imports.workspaceId }).from(imports).where(eq(imports.id, id));
  return row?.workspaceId ?? null;
}

async function findRow(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db.select().from(imports).where(scoped(ctx, id));
  if (!row) throw notFound("Import");
  return row;
}

async function companiesCreatedBy(ctx: Ctx, id: string, object: ImportObject): Promise<number> {
  if (object !== "contact" && object !== "deal") return 0;
  const [r] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(importChanges)
    .where(and(eq(importChanges.workspaceId, ctx.workspaceId), eq(importChanges.importId, id), eq(importChanges.object, "company")));
  return r?.n ?? 0;
}

export async function getImport(ctx: Ctx, id: string): Promise<ImportJob> {
  assertCan(ctx.actor, "read");
  const row = await findRow(ctx, id);
  return toJob(row, await companiesCreatedBy(ctx, id, row.object));
}

/** Imports that ran (or are running); files uploaded and only previewed, or never started, are not imports yet. */
export async function listImports(ctx: Ctx): Promise<ImportJob[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.workspaceId, ctx.workspaceId), ne(imports.status, "uploaded")))
    .orderBy(desc(imports.createdAt))
    .limit(200);
  return rows.map((r) => toJob(r));
}

/** Forgets an upload that never ran (a dry run, a refused or abandoned start) and removes its file when it was uploaded. */
export async function discardImport(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const [gone] = await ctx.db
    .delete(imports)
    .where(and(scoped(ctx, id), eq(imports.status, "uploaded")))
    .returning();
  if (!gone) {
    await findRow(ctx, id);
    throw new AppError("conflict", "Only an import that has not started can be discarded; undo it instead.");
  }
  await deleteFile(ctx.db, ctx.workspaceId, id);
}

/**
 * Registers an upload stored by saveUpload under `id`, or a local file (the CLI, the benchmark) given by `filePath`,
 * which is stored first the same way: reads its format and header, and refuses (forgetting the bytes) what is not a table.
 */
export async function createImport(
  ctx: Ctx,
  input: { id?: string; object: ImportObject; fileName: string; filePath?: string; size?: number },
): Promise<ImportJob> {
  assertCan(ctx.actor, "write");
  const id = input.id ?? newId();
  const size = input.filePath ? await saveUpload(ctx, id, createReadStream(input.filePath)) : (input.size ?? 0);
  const source = sourceOf(ctx, id);
  let format: FileFormat;
  let headers: string[];
  try {
    format = await detectFormat(source);
    const head = await inspect(source, format, 1);
    headers = head.headers;
    if (head.sample.length === 0) {
      const message = `The file has no data rows: only a header (${headers.length} ${headers.length === 1 ? "column" : "columns"})`;
      throw new AppError("validation_failed", message, [{ path: "file", message }]);
    }
  } catch (err) {
    await deleteFile(ctx.db, ctx.workspaceId, id);
    throw err;
  }
  const [row] = await ctx.db
    .insert(imports)
    .values({
      workspaceId: ctx.workspaceId,
      id,
      object: input.object,
      fileName: input.fileName.slice(0, 300),
      fileSize: Math.min(size, 2 ** 31 - 1),
      ...format,
      headers,
      status: "uploaded",
      counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 },
      createdBy: ctx.actor.userId,
    })
    .returning();
  return toJob(row as Row);
}

const targetLabels: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  fullName: "Full name (split into first and last)",
  email: "Email",
  email2: "Email (home)",
  email3: "Email (other)",
  phone: "Phone",
  mobilePhone: "Mobile phone",
  phone2: "Phone (home)",
  phone3: "Phone (other)",
  jobTitle: "Job title",
  companyName: "Company (by name)",
  companyDomain: "Company (by domain)",
  companyExternalId: "Company (by external id)",
  ownerEmail: "Owner (user email)",
  lifecycleStage: "Lifecycle stage",
  leadSource: "Lead source",
  leadStatus: "Lead status",
  tags: "Tags",
  street: "Street",
  city: "City",
  region: "State / region",
  postalCode: "Postal code",
  country: "Country",
  linkedin: "LinkedIn URL",
  doNotContact: "Do not contact",
  emailConsent: "Email consent",
  externalId: "External id (for matching)",
  name: "Name",
  domain: "Domain / website",
  industry: "Industry",
  employees: "Employees",
  annualRevenue: "Annual revenue",
  currency: "Currency",
  description: "Description",
  amount: "Amount",
  pipeline: "Pipeline (by name)",
  stage: "Stage (by name)",
  probability: "Probability (for stages the import adds)",
  closeDate: "Close date",
  createdAt: "Created at",
  contactEmail: "Contact (by email)",
  contactExternalId: "Contact (by external id)",
  nextStep: "Next step",
  lostReason: "Lost reason",
  source: "Source",
  type: "Type (note, call, email, meeting, task)",
  subject: "Subject / title",
  body: "Body / description",
  date: "Date (when it happened, or a task's due date)",
  endsAt: "Ends at (meetings)",
  status: "Status (tasks)",
  priority: "Priority (tasks)",
  direction: "Direction (calls, emails)",
  durationSeconds: "Duration in seconds (calls)",
  durationMinutes: "Duration in minutes or h:mm",
  outcome: "Outcome (calls, meetings)",
  location: "Location (meetings)",
  dealName: "Deal (by exact name)",
  dealExternalId: "Deal (by external id)",
  relatedExternalId: "Related record (deal, company or contact external id)",
};
const dealLabels: Record<string, string> = { name: "Deal name", ownerEmail: "Owner (user email or name)", tags: "Tags" };
const activityLabels: Record<string, string> = { ownerEmail: "Owner / assignee (user email or name)" };
const ticketLabels: Record<string, string> = {
  subject: "Subject",
  body: "Description (the customer's first message)",
  status: "Status (by name: Open, Pending customer, Solved, Closed…)",
  priority: "Priority (low, medium, high, urgent or critical)",
  type: "Type (question, incident… or your own)",
  channel: "Channel (email, phone, chat, social media, web…)",
  contactName: "Customer name",
  contactEmail: "Customer email (found, or added as a contact)",
  ownerEmail: "Assignee (user email or name)",
  tags: "Tags",
  satisfaction: "Satisfaction rating (1–5)",
  createdAt: "Opened at",
  firstResponseAt: "First response at",
  resolvedAt: "Resolved at (solved and closed tickets)",
  firstResponseTime: "First response time (how long after opening: 2:30, 2 h 30 min, 150)",
  resolutionTime: "Time to resolution (how long after opening; solved and closed tickets)",
  externalId: "Ticket id in the other system",
};

export async function analyseImport(ctx: Ctx, id: string, preset?: string) {
  const job = await getImport(ctx, id);
  const row = await findRow(ctx, id);
  const { sample } = await inspect(sourceOf(ctx, id), row, 10);
  const custom = job.object !== "activity" && job.object !== "ticket";
  const defs = custom ? await listCustomFields(ctx, job.object as "contact" | "company" | "deal") : [];
  const saved = await listMappings(ctx, job.object);
  const labels = {
    ...targetLabels,
    ...(job.object === "deal" ? dealLabels : job.object === "activity" ? activityLabels : job.object === "ticket" ? ticketLabels : {}),
  };
  return {
    import: job,
    sample,
    suggestion: suggestMapping(job.object, job.headers, preset === undefined ? undefined : preset === "none" ? null : preset),
    targets: [
      ...targetsOf(job.object).map((t) => ({ value: t, label: labels[t] ?? t })),
      ...defs.map((d) => ({ value: `custom.${d.key}`, label: `Custom: ${d.label}` })),
      ...(custom ? [{ value: "new_custom", label: "New custom text field" }] : []),
    ],
    presets: Object.entries(presets).map(([pid, p]) => ({ id: pid, label: p.label })),
    savedMappings: saved.map((m) => ({ id: m.id, name: m.name, mapping: m.mapping, primary: m.primary })),
  };
}

// ---------- saved mappings ----------

/** A saved mapping as stored: its columns in order, with the primary email and phone columns flagged. */
type StoredMapping = { header: string; target: string; primary?: true }[];

/** Saved mappings from before the list form are plain header → target objects (jsonb, so their order is lost). */
function readStoredMapping(stored: unknown): { mapping: Record<string, string>; primary: ImportPrimary } {
  if (!Array.isArray(stored)) return { mapping: { ...(stored as Record<string, string>) }, primary: {} };
  const mapping: Record<string, string> = {};
  const primary: ImportPrimary = {};
  for (const c of stored as StoredMapping) {
    mapping[c.header] = c.target;
    if (c.primary && listKind(c.target)) primary[listKind(c.target) as "email" | "phone"] = c.header;
  }
  return { mapping, primary };
}

const listKind = (target: string): "email" | "phone" | undefined =>
  (contactListTargets.email as readonly string[]).includes(target)
    ? "email"
    : (contactListTargets.phone as readonly string[]).includes(target)
      ? "phone"
      : undefined;

export async function listMappings(ctx: Ctx, object?: ImportObject) {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(importMappings)
    .where(and(eq(importMappings.workspaceId, ctx.workspaceId), object ? eq(importMappings.object, object) : undefined))
    .orderBy(asc(importMappings.name));
  return rows.map((r) => ({ id: r.id, object: r.object, name: r.name, ...readStoredMapping(r.mapping), createdAt: r.createdAt.toISOString() }));
}

/**
 * Saves (or replaces) a mapping under a name. Stored as a list, not an object: jsonb re-sorts an object's keys, and
 * the order of the columns and which email and phone is primary are part of what the user chose.
 */
export async function saveMapping(ctx: Ctx, input: { object: ImportObject; name: string; mapping: Record<string, string | null>; primary?: ImportPrimary }) {
  assertCan(ctx.actor, "write");
  const columns: StoredMapping = Object.entries(input.mapping)
    .filter((e): e is [string, string] => Boolean(e[1]))
    .map(([header, target]) => {
      const kind = listKind(target);
      return { header, target, ...(kind && input.primary?.[kind] === header ? { primary: true as const } : {}) };
    });
  for (const kind of ["email", "phone"] as const) {
    const h = input.primary?.[kind];
    if (h && !columns.some((c) => c.header === h && listKind(c.target) === kind))
      throw badOption(`primary.${kind}`, `Column "${h}" is not mapped to ${kind === "email" ? "an email" : "a phone"}`);
  }
  const [row] = await ctx.db
    .insert(importMappings)
    .values({ workspaceId: ctx.workspaceId, id: newId(), object: input.object, name: input.name, mapping: columns })
    .onConflictDoUpdate({ target: [importMappings.workspaceId, importMappings.object, importMappings.name], set: { mapping: columns } })
    .returning();
  const r = row as typeof importMappings.$inferSelect;
  return { id: r.id, object: r.object, name: r.name, ...readStoredMapping(r.mapping), createdAt: r.createdAt.toISOString() };
}

export async function deleteMapping(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const rows = await ctx.db
    .delete(importMappings)
    .where(and(eq(importMappings.workspaceId, ctx.workspaceId), eq(importMappings.id, id)))
    .returning({ id: importMappings.id });
  if (rows.length === 0) throw notFound("Saved mapping");
}

// ---------- planning ----------

const badOption = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, [{ path, message }]);

/** Checks a mapping against the file and the object's fields; new_custom stays as is until a run creates the fields. */
async function makePlan(ctx: Ctx, job: Row, options: ImportOptions): Promise<Plan> {
  const defs = job.object === "activity" || job.object === "ticket" ? [] : await listCustomFields(ctx, job.object);
  const byKey = new Map(defs.map((d) => [d.key, d]));
  const allowed = new Set(targetsOf(job.object));
  const columns: Plan["columns"] = [];
  const used = new Map<string, string>();
  for (const [header, target] of Object.entries(options.mapping)) {
    if (!target) continue;
    const index = job.headers.indexOf(header);
    if (index < 0) throw badOption(`mapping.${header}`, "No such column in the file");
    if (target === "new_custom" && job.object === "activity") throw badOption(`mapping.${header}`, "Activities have no custom fields");
    if (target === "new_custom" && job.object === "ticket") throw badOption(`mapping.${header}`, "Tickets take no new custom fields from an import");
    if (target !== "new_custom" && !allowed.has(target) && !(target.startsWith("custom.") && byKey.has(target.slice(7))))
      throw badOption(`mapping.${header}`, `Unknown target "${target}"`);
    if (target !== "new_custom") {
      const shared = job.object === "contact" && multiTargets.has(target);
      if (used.has(target) && !shared) throw badOption(`mapping.${header}`, `"${target}" is already mapped from column "${used.get(target)}"`);
      if (!used.has(target)) used.set(target, header);
    }
    columns.push({ index, header, target });
  }
  // File order, whatever order the mapping's keys arrive in (a jsonb copy of it has them sorted by length).
  columns.sort((a, b) => a.index - b.index);
  const primary: Plan["primary"] = {};
  for (const kind of ["email", "phone"] as const) {
    const header = options.primary?.[kind];
    if (!header) continue;
    const column = columns.find((c) => c.header === header);
    if (!column || listKind(column.target) !== kind)
      throw badOption(`primary.${kind}`, `Column "${header}" is not mapped to ${kind === "email" ? "an email" : "a phone"}`);
    primary[kind] = column.index;
  }
  const dates: Plan["dates"] = new Map();
  for (const [header, order] of Object.entries(options.columnDateFormats ?? {})) {
    const column = columns.find((c) => c.header === header);
    if (!column) throw badOption(`columnDateFormats.${header}`, "No mapped column has that name");
    dates.set(column.index, order);
  }
  const matchable = {
    contact: ["email", "externalId", "none"],
    company: ["domain", "name", "externalId", "none"],
    deal: ["externalId", "name", "none"],
    activity: ["externalId", "none"],
    ticket: ["externalId", "none"],
  }[job.object];
  const match = options.match ?? (job.object === "contact" ? "email" : job.object === "company" ? "domain" : used.has("externalId") ? "externalId" : "none");
  if (!matchable.includes(match)) throw badOption("match", `A ${job.object} import matches on ${matchable.join(", ")}`);
  const needs: Record<string, string> = { email: "email", domain: "domain", name: "name", externalId: "externalId" };
  if (match !== "none" && !used.has(needs[match] as string)) throw badOption("match", `Map a column to ${needs[match]} to match on it`);
  if ((job.object === "company" || job.object === "deal") && !used.has("name")) throw badOption("mapping", `Map a column to the ${job.object} name`);
  if (job.object === "activity" && !used.has("subject") && !used.has("body")) throw badOption("mapping", "Map a column to the subject or the body");
  if (job.object === "ticket" && !used.has("subject")) throw badOption("mapping", "Map a column to the ticket's subject");
  if (job.object === "ticket" && options.onDuplicate === "update")
    throw badOption("onDuplicate", "Tickets already imported are skipped or created again; they are not updated");
  if (job.object === "activity" && options.onDuplicate === "update")
    throw badOption("onDuplicate", "Activities already imported are skipped or created again; they are not updated");
  if (job.object === "deal" && options.createMissingStages && !accessOf(ctx.actor).manageSettings)
    throw badOption("createMissingStages", "Only an admin can add stages to a pipeline");
  return { object: job.object, columns, options: { ...options, match }, defs: byKey, dates, primary };
}

type DateColumn = ImportPreview["dateColumns"][number] & { index: number };
const orderLabels = { mdy: "month/day", dmy: "day/month" } as const;

/**
 * Reads the mapped date columns' values and decides, once per column, the order its slash dates are read in: the one
 * its own values show (a 25 first means day/month), the user's choice for the column, or the import's date format.
 * A column whose values fit both orders and that nobody decided gets no order: the preview asks, the run refuses.
 * Every column already decided by its values ends the scan early (after enough rows to also see a contradiction).
 */
async function dateColumns(source: FileSource, job: Row, plan: Plan): Promise<{ columns: DateColumn[]; file: ReturnType<typeof slashDateOrder> }> {
  const dateTargets = new Set(["closeDate", "createdAt", "date", "endsAt"]);
  const cols = plan.columns.filter((c) =>
    c.target.startsWith("custom.")
      ? plan.defs.get(c.target.slice(7))?.type === "date"
      : dateTargets.has(c.target) && job.object !== "contact" && job.object !== "company",
  );
  if (cols.length === 0) return { columns: [], file: "none" };
  const seen = cols.map(() => new SlashDateOrder());
  const file = new SlashDateOrder();
  let rows = 0;
  for await (const r of readRows(source, job)) {
    if ("headers" in r) continue;
    cols.forEach((c, k) => {
      const v = r.values[c.index] ?? "";
      seen[k]?.add(v);
      file.add(v);
    });
    if (++rows >= 20_000 && seen.every((o) => o.order === "dmy" || o.order === "mdy")) break;
  }
  const columns: DateColumn[] = [];
  cols.forEach((c, k) => {
    const o = seen[k] as SlashDateOrder;
    if (o.order === "none" && !plan.dates.has(c.index)) return;
    const format = plan.options.dateFormat;
    const chosen = plan.dates.get(c.index) ?? (format === "auto" ? undefined : format);
    const order = chosen ?? (o.order === "dmy" || o.order === "mdy" ? o.order : null);
    columns.push({ index: c.index, header: c.header, detected: o.order, order, example: o.example ?? o.evidence.dmy ?? o.evidence.mdy });
  });
  return { columns, file: file.order };
}

/** What the user must still decide about dates, or what a decision will reject, in words. */
function dateWarnings(columns: DateColumn[]): string[] {
  const out: string[] = [];
  for (const c of columns) {
    if (c.order === null && c.detected === "conflict")
      out.push(
        `Column "${c.header}" mixes date orders: some dates only work as day/month, others only as month/day. Choose how to read it; dates that do not fit are rejected.`,
      );
    else if (c.order === null)
      out.push(`Column "${c.header}": dates such as ${c.example} could be month/day or day/month. Choose how to read this column before importing.`);
    else if (c.order !== "ymd" && ((c.detected === "dmy" && c.order === "mdy") || (c.detected === "mdy" && c.order === "dmy") || c.detected === "conflict"))
      out.push(`Column "${c.header}" is read as ${orderLabels[c.order]}, but some of its dates only fit the other order: those rows are rejected.`);
  }
  return out;
}

const matchKey = (plan: Plan, b: Built): string | undefined => {
  const input = b.input as Record<string, unknown> | undefined;
  switch (plan.options.match) {
    case "email": {
      const emails = input?.emails as { email: string; primary?: boolean }[] | undefined;
      return (emails?.find((e) => e.primary) ?? emails?.[0])?.email;
    }
    case "domain":
      return (input?.domain as string | undefined) ?? undefined;
    case "name":
      return plan.object === "deal" ? (input?.name as string | undefined) : (input?.name as string | undefined)?.toLowerCase();
    case "externalId":
      return b.refs.externalId;
    default:
      return undefined;
  }
};

/** The match key of a row that did not build (a bad value elsewhere), read from its raw cells the way matchKey reads a built row. */
function rawMatchKey(plan: Plan, values: string[]): string | undefined {
  const { match } = plan.options;
  const targets = match === "email" ? ["email", "email2", "email3"] : [match];
  for (const c of plan.columns) {
    if (!targets.includes(c.target)) continue;
    const raw = (values[c.index] ?? "").trim();
    if (!raw) continue;
    if (match === "email") return splitList(raw)[0]?.toLowerCase();
    if (match === "domain") return domainOf(raw) ?? undefined;
    if (match === "name") return plan.object === "deal" ? raw : raw.toLowerCase();
    return raw;
  }
  return undefined;
}

/** Records matching these keys, and (deals by name) the keys several records share. */
async function existingByKey(ctx: Ctx, plan: Plan, wanted: string[]): Promise<{ existing: Map<string, string>; ambiguous: Set<string> }> {
  const ambiguous = new Set<string>();
  const { match } = plan.options;
  if (wanted.length === 0) return { existing: new Map(), ambiguous };
  if (match === "externalId") return { existing: await externalIds(ctx, plan.object, wanted), ambiguous };
  if (plan.object === "contact") return { existing: await contactIdsByEmail(ctx, wanted), ambiguous };
  if (plan.object === "deal") {
    const named = await dealIdsByName(ctx, wanted);
    for (const [k, ids] of named) if (ids.length > 1) ambiguous.add(k);
    return { existing: new Map([...named].map(([k, ids]) => [k, ids[0] as string])), ambiguous };
  }
  return { existing: await companyIdsBy(ctx, match === "domain" ? "domain" : "name", wanted), ambiguous };
}

/**
 * Decides each row of a batch: reject (with reasons), skip, update an existing record, leave it unchanged, or create.
 * Rows that match an existing record under "skip" are skipped before any value of theirs is checked: a re-import
 * must not reject rows it was asked to leave alone.
 */
async function planBatch(ctx: Ctx, plan: Plan, rows: SourceRow[], state: RunState): Promise<Outcome[]> {
  const out: Outcome[] = rows.map((src) => {
    if (src.problem) return { src, action: "reject", reason: `Row ${src.problem}` };
    const built = buildRow(plan, src.values);
    if (built.errors.length) return { src, action: "reject", reason: built.errors.join("; "), built };
    return { src, action: "create", built };
  });
  const live = () => out.filter((o) => o.action === "create" || o.action === "update");
  const reject = (o: Outcome, reason: string) => {
    o.action = "reject";
    o.reason = reason;
  };

  // Duplicates against the database first: their keys come from the raw cells when a row did not build.
  const { match, onDuplicate } = plan.options;
  const keys = new Map<Outcome, string>();
  let found: Awaited<ReturnType<typeof existingByKey>> = { existing: new Map(), ambiguous: new Set() };
  if (match !== "none") {
    for (const o of out) {
      if (o.src.problem) continue;
      const k = o.action === "reject" ? rawMatchKey(plan, o.src.values) : o.built ? matchKey(plan, o.built) : undefined;
      if (k) keys.set(o, k);
    }
    if (onDuplicate !== "create") found = await existingByKey(ctx, plan, [...new Set(keys.values())]);
    if (onDuplicate === "skip")
      for (const [o, k] of keys)
        if (found.existing.has(k)) {
          o.action = "skip";
          delete o.reason;
        }
  }

  // Phones are checked here with the same rule the services apply, so a preview counts what a run will reject.
  // They are stored in E.164 here, so the import's default country reaches the services, which only know the workspace's.
  const defaultCountry = plan.options.defaultCountry ?? (await workspaceSettings(ctx)).defaultCountry;
  for (const o of live()) {
    const input = o.built?.input as
      | { phones?: { phone: string; extension?: string }[]; phone?: string | null; phoneExtension?: string | null; address?: { country?: string } | null }
      | undefined;
    const country = input?.address?.country ?? defaultCountry;
    const bad: string[] = [];
    const parse = (raw: string) => {
      const n = parsePhone(raw, country);
      if (!n) bad.push(raw);
      return n ?? { number: raw };
    };
    // The extension ("x4781") is kept beside the E.164 number, which has no room for it.
    if (input && plan.object === "contact" && input.phones) {
      const phones: { phone: string; extension?: string; primary?: boolean }[] = [];
      for (const p of input.phones) {
        const n = parse(p.phone);
        // One number written in two columns (or two ways) is kept once, with the primary flag if either had it.
        const same = phones.find((x) => x.phone === n.number && x.extension === n.extension);
        if (same) {
          if ((p as { primary?: boolean }).primary) same.primary = true;
          continue;
        }
        phones.push({ ...p, phone: n.number, ...(n.extension ? { extension: n.extension } : {}) });
      }
      input.phones = phones;
    } else if (input?.phone) {
      const n = parse(input.phone);
      input.phone = n.number;
      input.phoneExtension = n.extension ?? null;
    }
    if (bad.length)
      reject(
        o,
        bad
          .map((p) => `"${p}" is not a valid phone number${country ? ` in ${country}` : ""} (add its country code${country ? "" : " or map a Country column"})`)
          .join("; "),
      );
  }

  // Owners by email: unknown ones are reported, never guessed.
  const ownerEmails = live().flatMap((o) => (o.built?.refs.ownerEmail ? [o.built.refs.ownerEmail] : []));
  if (ownerEmails.length) {
    const owners = await userIdsByEmailOrName(ctx, ownerEmails);
    for (const o of live()) {
      const e = o.built?.refs.ownerEmail;
      if (!e) continue;
      const id = owners.get(e);
      if (id) (o.built?.input as { ownerId?: string }).ownerId = id;
      else reject(o, `Owner "${e}" is not a user of this workspace${e.includes("@") ? "" : " (or several users have that name)"}`);
    }
  }

  // A contact's, a deal's or an activity's company: by external id, then domain, then name. A name column often holds
  // another system's ids (a Salesforce Lead's Company is an Account id), so names are tried as external ids first.
  if (plan.object !== "company") {
    const refs = live().map((o) => o.built?.refs ?? {});
    const byExt = await externalIds(
      ctx,
      "company",
      refs.flatMap((r) => [r.companyExternalId, r.companyName].filter((x): x is string => Boolean(x))),
    );
    const byDomain = await companyIdsBy(
      ctx,
      "domain",
      refs.flatMap((r) => (r.companyDomain ? [r.companyDomain] : [])),
    );
    const byName = await companyIdsBy(
      ctx,
      "name",
      refs.flatMap((r) => (r.companyName ? [r.companyName] : [])),
    );
    for (const o of live()) {
      const r = o.built?.refs ?? {};
      if (!r.companyExternalId && !r.companyDomain && !r.companyName) continue;
      const id =
        (r.companyExternalId && byExt.get(r.companyExternalId)) ||
        (r.companyName && byExt.get(r.companyName)) ||
        (r.companyDomain && byDomain.get(r.companyDomain)) ||
        (r.companyName && (byName.get(r.companyName.toLowerCase()) ?? state.newCompanies.get(r.companyName.toLowerCase())));
      const mayCreate = plan.object !== "activity" && plan.options.createMissingCompanies;
      if (id) o.companyId = id;
      else if (r.companyName && mayCreate) o.newCompany = r.companyName;
      else {
        const what = [
          r.companyExternalId && `external id "${r.companyExternalId}"`,
          r.companyDomain && `domain "${r.companyDomain}"`,
          r.companyName && `name${looksLikeRecordId(r.companyName) ? " or external id" : ""} "${r.companyName}"`,
        ]
          .filter(Boolean)
          .join(" or ");
        reject(o, `No company with ${what}${r.companyName && plan.object !== "activity" ? " (turn on “create missing companies” to add it)" : ""}`);
      }
    }
  }
  if (plan.object === "deal" || plan.object === "activity") await resolveContacts(ctx, live(), reject);
  if (plan.object === "deal") await resolveStages(ctx, plan, live(), state, reject);
  if (plan.object === "activity") await resolveActivityLinks(ctx, live(), reject);
  if (plan.object === "ticket") await resolveTicketStatuses(ctx, live(), reject);

  // Duplicates within the batch (and, in previews, earlier batches), among the rows that passed; then the updates.
  if (match !== "none") {
    const firstInBatch = new Map<string, number>();
    for (const o of live()) {
      const k = keys.get(o);
      if (!k) continue;
      const earlier = firstInBatch.get(k) ?? state.seen?.get(k);
      if (earlier !== undefined && onDuplicate !== "create") {
        reject(o, `Same ${match} as row ${earlier} of this file (${k})`);
        continue;
      }
      if (!firstInBatch.has(k)) firstInBatch.set(k, o.src.row);
      if (state.seen && !state.seen.has(k) && state.seen.size < 1_000_000) state.seen.set(k, o.src.row);
      if (onDuplicate !== "update") continue;
      const id = found.existing.get(k);
      if (!id) continue;
      if (found.ambiguous.has(k)) reject(o, `Several deals are named "${k}": match on an external id to update one`);
      else {
        o.action = "update";
        o.targetId = id;
      }
    }
  }
  await checkValidationRules(ctx, plan, out, defaultCountry, reject);
  await markUnchanged(ctx, plan, out);
  for (const o of out)
    if (o.newCompany && (o.action === "create" || o.action === "update")) {
      state.wouldCreate.add(o.newCompany.toLowerCase());
      if (looksLikeRecordId(o.newCompany)) state.idLikeCompanies.add(o.newCompany);
    }
  return out;
}

/**
 * Validation rules on the rows to create, as the create path will check them, so a preview counts (and explains)
 * the rows a run will reject. Updates are checked by the update itself (only the fields a row writes).
 */
async function checkValidationRules(
  ctx: Ctx,
  plan: Plan,
  out: Outcome[],
  defaultCountry: string | undefined,
  reject: (o: Outcome, reason: string) => void,
): Promise<void> {
  if (plan.object === "activity" || plan.object === "ticket") return;
  const rules = await loadRules(ctx, plan.object);
  if (rules.length === 0) return;
  const currency = (await workspaceSettings(ctx)).defaultCurrency ?? fallbackCurrency;
  for (const o of out) {
    if (o.action !== "create") continue;
    const input = o.built?.input as Record<string, unknown>;
    // A company the run will create has no id yet; any value stands for it.
    const companyId = o.companyId ?? (o.newCompany ? "(new company)" : (input.companyId ?? null));
    const custom = (input.custom as Record<string, unknown> | undefined) ?? {};
    const record =
      plan.object === "contact"
        ? { ...contactValues(input as ContactInput, defaultCountry).values, companyId, custom }
        : plan.object === "deal"
          ? { ...input, currency: input.currency ?? currency, ownerId: input.ownerId ?? ctx.actor.userId, companyId, custom }
          : { ...input, custom };
    const errors = checkRecord(rules, record);
    if (errors.length) reject(o, errors.map((e) => `${e.path}: ${e.message}`).join("; "));
  }
}

async function* batches(source: FileSource, job: Row, fromRow: number, size = BATCH_SIZE): AsyncGenerator<SourceRow[]> {
  let batch: SourceRow[] = [];
  for await (const r of readRows(source, job)) {
    if ("headers" in r) {
      if (JSON.stringify(r.headers) !== JSON.stringify(job.headers)) throw new AppError("conflict", "The file's header changed since it was uploaded");
      continue;
    }
    if (r.row <= fromRow) continue;
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** What a run would do, row by row, without writing anything. */
export async function previewImport(ctx: Ctx, id: string, options: ImportOptions, onProgress?: (rows: number) => void): Promise<ImportPreview> {
  assertCan(ctx.actor, "read");
  const job = await findRow(ctx, id);
  // Columns that would become new custom fields are read as text: leave them out of the dry run's checks.
  const plan = await makePlan(ctx, job, { ...options, mapping: Object.fromEntries(Object.entries(options.mapping).filter(([, t]) => t !== "new_custom")) });
  const source = sourceOf(ctx, id);
  const dates = await dateColumns(source, job, plan);
  for (const c of dates.columns) if (c.order) plan.dates.set(c.index, c.order);
  const state: RunState = { seen: new Map(), newCompanies: new Map(), wouldCreate: new Set(), idLikeCompanies: new Set(), newStages: new Map() };
  const counts = { create: 0, update: 0, unchanged: 0, skip: 0, reject: 0 };
  const rejected: ImportPreview["rejected"] = [];
  let total = 0;
  let lastRow = 0;
  for await (const batch of batches(source, job, 0)) {
    for (const o of await planBatch(ctx, plan, batch, state)) {
      counts[o.action]++;
      if (o.action === "reject" && rejected.length < PREVIEW_REJECTED)
        rejected.push({ row: o.src.row, line: o.src.line, reason: o.reason ?? "", values: o.src.values });
    }
    total += batch.length;
    lastRow = batch[batch.length - 1]?.row ?? lastRow;
    onProgress?.(total);
  }
  const warnings = dateWarnings(dates.columns);
  if (state.seen && state.seen.size >= 1_000_000) warnings.push("Duplicates within the file were only checked among the first million distinct keys.");
  if (state.idLikeCompanies.size) {
    const examples = [...state.idLikeCompanies].slice(0, 3).map((n) => `“${n}”`);
    const header = plan.columns.find((c) => c.target === "companyName")?.header ?? "company";
    warnings.push(
      `${fmtCount(state.idLikeCompanies.size, "company", "companies")} to create would be named after values that look like another system's record ids (${examples.join(", ")}${state.idLikeCompanies.size > 3 ? ", …" : ""}). ` +
        `Column “${header}” probably holds ids: import that system's companies first with their id mapped to “External id”, or turn off “create missing companies”.`,
    );
  }
  const ignoredColumns = job.headers.filter((h) => !options.mapping[h]);
  // The run's progress counts towards this total without reading the file twice.
  await ctx.db
    .update(imports)
    .set({ totalRows: lastRow })
    .where(and(scoped(ctx, id), eq(imports.status, "uploaded")));
  return {
    totalRows: total,
    counts,
    companiesToCreate: state.wouldCreate.size,
    ignoredColumns,
    stagesToCreate: stagesToCreate(state),
    rejected,
    warnings,
    dateOrder: dates.file,
    dateColumns: dates.columns.map(({ index: _, ...c }) => c),
  };
}

const fmtCount = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

// ---------- running ----------

/** What an imports.run job carries: the import, and who started it (the owner of what the file assigns to no one). */
export interface ImportRunData {
  workspaceId: string;
  importId: string;
  actor: Actor;
}

/**
 * Enqueues the imports.run job in the caller's transaction (src/jobs provides it): the job exists only if the claim
 * that marks the import running commits, so a failed start leaves neither a job nor a running import.
 */
export type EnqueueImport = (tx: Db, data: ImportRunData) => Promise<unknown>;

/** Creates the custom fields the mapping asked for (text fields named after their columns) and rewrites the mapping to them. */
async function createRequestedFields(ctx: Ctx, job: Row, options: ImportOptions): Promise<ImportOptions> {
  const wanted = Object.entries(options.mapping).filter(([, t]) => t === "new_custom");
  if (wanted.length === 0 || job.object === "activity" || job.object === "ticket") return options;
  const object = job.object;
  const existing = await listCustomFields(ctx, object);
  const mapping = { ...options.mapping };
  for (const [header] of wanted) {
    const same = existing.find((f: CustomField) => f.label.toLowerCase() === header.toLowerCase() && f.type === "text");
    const field = same ?? (await createCustomField(ctx, { object, label: header.slice(0, 100), type: "text" }));
    mapping[header] = `custom.${field.key}`;
  }
  return { ...options, mapping };
}

/** Starts a fresh import: claims it and enqueues its job, which a worker (this process or another) runs; poll getImport. */
export async function startImport(ctx: Ctx, id: string, options: ImportOptions, enqueue: EnqueueImport): Promise<ImportJob> {
  assertCan(ctx.actor, "write");
  const job = await findRow(ctx, id);
  if (job.status !== "uploaded") throw new AppError("conflict", `This import is ${job.status}; upload the file again to import it again.`);
  // Validate before creating any field.
  const check = await makePlan(ctx, job, { ...options, mapping: Object.fromEntries(Object.entries(options.mapping).filter(([, t]) => t !== "new_custom")) });
  const dates = await dateColumns(sourceOf(ctx, id), job, check);
  const undecided = dates.columns.filter((c) => c.order === null);
  if (undecided.length)
    throw new AppError(
      "validation_failed",
      `Choose how to read the dates of ${undecided.map((c) => `"${c.header}"`).join(", ")}: month/day or day/month`,
      undecided.map((c) => ({
        path: `columnDateFormats.${c.header}`,
        message: c.detected === "conflict" ? "Its dates mix both orders: choose one" : `Dates such as ${c.example} could be month/day or day/month`,
      })),
    );
  // The orders decided now are the run's, and a resumed run's: stored with the options, never decided again.
  const decided = Object.fromEntries(dates.columns.flatMap((c) => (c.order ? [[c.header, c.order]] : [])));
  const finalOptions = await createRequestedFields(ctx, job, {
    ...options,
    ...(Object.keys(decided).length ? { columnDateFormats: { ...options.columnDateFormats, ...decided } } : {}),
  });
  await makePlan(ctx, job, finalOptions);
  const claimed = await ctx.db.transaction(async (tx: Tx) => {
    const [row] = await tx
      .update(imports)
      .set({ status: "running", options: finalOptions as unknown as Record<string, unknown>, heartbeatAt: new Date(), updatedAt: new Date() })
      .where(and(scoped(ctx, id), eq(imports.status, "uploaded")))
      .returning();
    if (row) await enqueue(tx, { workspaceId: ctx.workspaceId, importId: id, actor: ctx.actor });
    return row;
  });
  if (!claimed) throw new AppError("conflict", "This import has already started");
  return getImport(ctx, id);
}

/** Continues an interrupted or failed import after its last committed row, as a new job. */
export async function resumeImport(ctx: Ctx, id: string, enqueue: EnqueueImport): Promise<ImportJob> {
  assertCan(ctx.actor, "write");
  const job = await findRow(ctx, id);
  // Resuming writes records under the importer's mapping: it belongs to whoever ran the import, or a manager or admin.
  if (!ownerAllows(ctx.actor, scopeOf(ctx.actor, "import", "edit"), job.createdBy))
    throw new AppError("forbidden", "Only the person who ran this import, a manager or an admin can resume it.");
  const status = toJob(job).status;
  if (status !== "interrupted" && status !== "failed")
    throw new AppError("conflict", `Only an interrupted or failed import can be resumed; this one is ${status}.`);
  const claimed = await ctx.db.transaction(async (tx: Tx) => {
    const [row] = await tx
      .update(imports)
      .set({ status: "running", error: null, heartbeatAt: new Date(), updatedAt: new Date() })
      .where(and(scoped(ctx, id), eq(imports.status, job.status), eq(imports.lastRow, job.lastRow)))
      .returning();
    // The job's singleton key is the import: if its previous job still waits for a retry, that one runs it.
    if (row) await enqueue(tx, { workspaceId: ctx.workspaceId, importId: id, actor: ctx.actor });
    return row;
  });
  if (!claimed) throw new AppError("conflict", "This import was resumed by someone else");
  return getImport(ctx, id);
}

/**
 * Waits for a queued or running import to end (completed, failed, undone), polling its row: the CLI's progress bar
 * and the tests. Returns the last state seen; gives up after `timeoutMs` (the import goes on).
 */
export async function followImport(
  ctx: Ctx,
  id: string,
  opts: { onProgress?: (job: ImportJob) => void; intervalMs?: number; timeoutMs?: number } = {},
): Promise<ImportJob> {
  const until = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
  let lastRow = -1;
  for (;;) {
    const row = await findRow(ctx, id);
    if (row.lastRow !== lastRow || row.status !== "running") {
      lastRow = row.lastRow;
      opts.onProgress?.(toJob(row));
    }
    if (row.status !== "running" || Date.now() > until) return getImport(ctx, id);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** A run that finds the import no longer its own (undone, or another run committed first): it stops, writing nothing. */
class Overtaken extends Error {}

export interface RunAttempt {
  /** The job's last attempt: an unexpected error then fails the import (resumable by hand) instead of a retry. */
  final: boolean;
  /** Aborted when pg-boss gives the job up (expired) or the worker stops: the run ends after the batch in hand. */
  signal?: AbortSignal;
  /** Called after each committed batch (tests simulate a crash here). */
  afterBatch?: (job: ImportJob) => void | Promise<void>;
}

/**
 * The imports.run job. Idempotent: it continues after the last committed batch (each batch commits its records and
 * the import's progress together, and only if the progress is still what this run read), so a rerun after a crash
 * never writes a row twice. An import that is already over is left alone.
 */
export async function runImportJob(db: Db, data: ImportRunData, attempt: RunAttempt): Promise<{ status: string; lastRow?: number }> {
  const ctx: Ctx = { db, workspaceId: data.workspaceId, actor: data.actor };
  const [row] = await db.select().from(imports).where(scoped(ctx, data.importId));
  if (!row) return { status: "gone" };
  if (row.status === "interrupted") {
    // Marked interrupted at a restart while its job waited for a retry: the retry is the resume.
    const [claimed] = await db
      .update(imports)
      .set({ status: "running", error: null, heartbeatAt: new Date(), updatedAt: new Date() })
      .where(and(scoped(ctx, row.id), eq(imports.status, "interrupted"), eq(imports.lastRow, row.lastRow)))
      .returning({ id: imports.id });
    if (!claimed) return { status: "taken" };
  } else if (row.status !== "running") return { status: row.status, lastRow: row.lastRow };
  return execute(ctx, data.importId, attempt);
}

async function execute(ctx: Ctx, id: string, attempt: RunAttempt): Promise<{ status: string; lastRow?: number }> {
  try {
    const job = await findRow(ctx, id);
    const plan = await makePlan(ctx, job, job.options as unknown as ImportOptions);
    const file = sourceOf(ctx, id);
    // A total for the progress (rows done, rate, time left), unless a preview of this upload has counted them already.
    if (job.totalRows === null) {
      const totalRows = await countRows(file, job);
      // Counting a million rows takes a while: the heartbeat says this run is alive.
      await ctx.db.update(imports).set({ totalRows, heartbeatAt: new Date() }).where(scoped(ctx, id));
    }
    const state: RunState = { newCompanies: new Map(), wouldCreate: new Set(), idLikeCompanies: new Set(), newStages: new Map() };
    const source = batches(file, job, job.lastRow);
    let done = job.lastRow;
    // The next batch is read and parsed while this one waits on the database. A read that fails surfaces when its
    // batch's turn comes; if an earlier batch fails first, it must not be left as an unhandled rejection.
    const ahead = () => {
      const p = source.next();
      p.catch(() => {});
      return p;
    };
    try {
      let next = ahead();
      for (let r = await next; !r.done; r = await next) {
        if (attempt.signal?.aborted)
          throw new Error("The import's job was stopped (the worker shut down or the job expired); it continues on its next attempt");
        next = ahead();
        const outcomes = await planBatch(ctx, plan, r.value, state);
        done = await commitBatch(ctx, job, plan, outcomes, state, done);
        // On PGlite a batch is promises that never wait for I/O: a turn of the event loop lets the embedded server
        // answer its requests (the page's progress polls among them) between batches instead of after the import.
        await setImmediate();
        // A deal batch may have added stages: this process's next read of the pipelines must see them.
        if (job.object === "deal") forgetConfig(ctx);
        if (attempt.afterBatch) await attempt.afterBatch(await getImport(ctx, id));
      }
    } finally {
      await source.return(undefined).catch(() => {});
    }
    // Completed, announced and the upload's bytes dropped in one transaction: import.finished is published once.
    const finished = await ctx.db.transaction(async (tx: Tx) => {
      const [row] = await tx
        .update(imports)
        .set({ status: "completed", finishedAt: new Date(), updatedAt: new Date(), totalRows: sql`${imports.lastRow}` })
        .where(and(scoped(ctx, id), inArray(imports.status, ["running", "interrupted"]), eq(imports.lastRow, done)))
        .returning();
      if (!row) return undefined;
      await publishEvents(tx, ctx, [{ type: "import.finished", recordId: id, record: importEventRecord(row) }]);
      await deleteFile(tx, ctx.workspaceId, id);
      return row;
    });
    if (!finished) return { status: "stopped" };
    await refreshStatistics(ctx.db, job.object);
    return { status: "completed", lastRow: finished.lastRow };
  } catch (err) {
    if (err instanceof Overtaken) return { status: "stopped" };
    // A bad file or option fails at once (a retry would fail the same way); anything else is retried by the queue,
    // the import staying "running", until the last attempt.
    const expected = err instanceof AppError;
    if (expected || attempt.final) {
      const message = err instanceof AppError ? (err.detail ?? err.message) : err instanceof Error ? err.message : String(err);
      await ctx.db.transaction(async (tx: Tx) => {
        const [row] = await tx
          .update(imports)
          .set({ status: "failed", error: message.slice(0, 2000), finishedAt: new Date(), updatedAt: new Date() })
          .where(and(scoped(ctx, id), eq(imports.status, "running")))
          .returning();
        if (row) await publishEvents(tx, ctx, [{ type: "import.failed", recordId: id, record: importEventRecord(row) }]);
      });
    }
    if (!expected) throw err;
    return { status: "failed" };
  }
}

/** What import.finished and import.failed carry as their record (the contract's ImportEventRecord). */
function importEventRecord(r: Row): Record<string, unknown> {
  return {
    id: r.id,
    object: r.object,
    fileName: r.fileName,
    status: r.status,
    counts: {
      created: r.counts.created,
      updated: r.counts.updated,
      unchanged: r.counts.unchanged ?? 0,
      skipped: r.counts.skipped,
      failed: r.counts.rejected,
    },
    rows: r.lastRow,
    error: r.error,
    startedBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

type Tx = Ctx["db"];

/** One batch, one transaction: records, history (by the services), bookkeeping, rejected rows and progress together. */
async function commitBatch(ctx: Ctx, job: Row, plan: Plan, outcomes: Outcome[], state: RunState, after: number): Promise<number> {
  return ctx.db.transaction(async (tx: Tx) => {
    // Every change of the batch, whichever service writes it, is flagged as an import's (one event per record).
    const t: Ctx = { ...ctx, db: tx, eventSource: "import" };
    const changes: (typeof importChanges.$inferInsert)[] = [];
    const ext: (typeof importExternalIds.$inferInsert)[] = [];
    const base = { workspaceId: ctx.workspaceId, importId: job.id };

    // Companies the file names that do not exist yet, when the user asked for them.
    // Each gets the owner of the first row naming it (the mapped owner, else the importing user), as that row's record does.
    const toCreate = new Map<string, { name: string; row: number; ownerId?: string }>();
    for (const o of outcomes)
      if (o.newCompany && (o.action === "create" || o.action === "update")) {
        const key = o.newCompany.toLowerCase();
        const known = state.newCompanies.get(key);
        if (known) o.companyId = known;
        else if (!toCreate.has(key))
          toCreate.set(key, { name: o.newCompany, row: o.src.row, ownerId: (o.built?.input as { ownerId?: string } | undefined)?.ownerId });
      }
    if (toCreate.size) {
      const list = [...toCreate.values()];
      const { ids, errors } = await importCompanies(
        t,
        list.map((c) => ({ name: c.name.slice(0, 200), ...(c.ownerId ? { ownerId: c.ownerId } : {}) })),
      );
      list.forEach((c, i) => {
        const cid = ids[i];
        if (cid) {
          state.newCompanies.set(c.name.toLowerCase(), cid);
          changes.push({ ...base, object: "company", recordId: cid, action: "created", rowNumber: c.row, previous: null });
        } else state.newCompanies.delete(c.name.toLowerCase());
        if (errors.has(i)) state.newCompanies.delete(c.name.toLowerCase());
      });
      for (const o of outcomes) {
        if (!o.newCompany || o.companyId) continue;
        const cid = state.newCompanies.get(o.newCompany.toLowerCase());
        if (cid) o.companyId = cid;
        else if (o.action === "create" || o.action === "update") {
          o.action = "reject";
          o.reason = `Could not create company "${o.newCompany}"`;
        }
      }
    }

    if (plan.object === "deal") await ensureStages(t, outcomes, state);

    // Creates: one multi-row insert through the object's own module.
    const creates = outcomes.filter((o) => o.action === "create");
    const created = (o: Outcome, rid: string, object: (typeof importChanges.$inferInsert)["object"]) => {
      changes.push({ ...base, object, recordId: rid, action: "created", rowNumber: o.src.row, previous: null });
      if (o.built?.refs.externalId)
        ext.push({ workspaceId: ctx.workspaceId, object: plan.object, externalId: o.built.refs.externalId, recordId: rid, importId: job.id });
    };
    if (plan.object === "ticket") {
      const { ids, createdContacts } = await importTickets(
        t,
        creates.map((o) => ticketImportOf(o)),
      );
      for (const c of createdContacts)
        changes.push({ ...base, object: "contact", recordId: c.id, action: "created", rowNumber: creates[c.index]?.src.row ?? 0, previous: null });
      creates.forEach((o, i) => {
        const rid = ids[i];
        if (rid) created(o, rid, "ticket");
      });
    } else if (plan.object === "activity") {
      const ids = await createActivities(t, creates);
      for (const o of creates) {
        const made = ids.get(o);
        if (made) created(o, made.id, made.object);
      }
    } else {
      const inputs = creates.map((o) => {
        const input = { ...(o.built?.input as Record<string, unknown>) };
        if (o.companyId) input.companyId = o.companyId;
        return input;
      });
      const result =
        plan.object === "contact"
          ? await importContacts(t, inputs as ContactInput[])
          : plan.object === "company"
            ? await importCompanies(t, inputs as CompanyInput[])
            : await createDeals(t, creates);
      creates.forEach((o, i) => {
        const rid = result.ids[i];
        if (!rid) {
          o.action = "reject";
          o.reason = result.errors.get(i) ?? "Not created";
          return;
        }
        created(o, rid, plan.object);
      });
    }

    // Updates: through the service's own update (validation, history), each in a savepoint so one bad row stays one rejected row.
    for (const o of outcomes.filter((x) => x.action === "update")) {
      const rid = o.targetId as string;
      try {
        await tx.transaction(async (sp: Tx) => {
          const s: Ctx = { ...t, db: sp };
          if (plan.object === "deal") {
            const previous = await updateDealFromRow(s, rid, o);
            changes.push({ ...base, object: "deal", recordId: rid, action: "updated", rowNumber: o.src.row, previous });
          } else if (plan.object === "contact") {
            const current = await getContact(s, rid);
            const { patch, previous } = contactChange(current, o.built?.input as ContactInput, o.built?.given ?? new Set(), o.companyId);
            if (Object.keys(patch).length) await updateContact(s, rid, patch);
            changes.push({ ...base, object: "contact", recordId: rid, action: "updated", rowNumber: o.src.row, previous });
          } else {
            const current = await getCompany(s, rid);
            const { patch, previous } = companyChange(current, o.built?.input as CompanyInput, o.built?.given ?? new Set());
            if (Object.keys(patch).length) await updateCompany(s, rid, patch);
            changes.push({ ...base, object: "company", recordId: rid, action: "updated", rowNumber: o.src.row, previous });
          }
        });
        if (o.built?.refs.externalId)
          ext.push({ workspaceId: ctx.workspaceId, object: plan.object, externalId: o.built.refs.externalId, recordId: rid, importId: job.id });
      } catch (err) {
        o.action = "reject";
        o.reason = err instanceof AppError ? (err.detail ?? err.message) : String(err);
      }
    }

    // Unchanged rows write nothing, but their external ids still point at the records they matched.
    for (const o of outcomes)
      if (o.action === "unchanged" && plan.options.match !== "externalId" && o.built?.refs.externalId && o.targetId)
        ext.push({ workspaceId: ctx.workspaceId, object: plan.object, externalId: o.built.refs.externalId, recordId: o.targetId, importId: job.id });

    // A record two rows of the file updated keeps the first row's "previous", which is what an undo restores.
    await insertMany(tx, importChanges, changes, { onConflict: "doNothing" });
    if (ext.length) {
      const uniqueExt = [...new Map(ext.map((e) => [e.externalId, e])).values()];
      await tx
        .insert(importExternalIds)
        .values(uniqueExt)
        .onConflictDoUpdate({
          target: [importExternalIds.workspaceId, importExternalIds.object, importExternalIds.externalId],
          set: { recordId: sql`excluded.record_id`, importId: sql`excluded.import_id` },
        });
    }
    const rejected = outcomes.filter((o) => o.action === "reject");
    if (rejected.length)
      await tx
        .insert(importErrors)
        .values(rejected.map((o) => ({ ...base, rowNumber: o.src.row, line: o.src.line, reason: (o.reason ?? "").slice(0, 4000), values: o.src.values })))
        .onConflictDoNothing();
    const n = (a: Outcome["action"]) => outcomes.filter((o) => o.action === a).length;
    const last = outcomes[outcomes.length - 1]?.src.row ?? after;
    const [updated] = await tx
      .update(imports)
      .set({
        lastRow: last,
        counts: sql`jsonb_build_object(
          'created', (${imports.counts}->>'created')::int + ${n("create")}::int,
          'updated', (${imports.counts}->>'updated')::int + ${n("update")}::int,
          'unchanged', coalesce((${imports.counts}->>'unchanged')::int, 0) + ${n("unchanged")}::int,
          'skipped', (${imports.counts}->>'skipped')::int + ${n("skip")}::int,
          'rejected', (${imports.counts}->>'rejected')::int + ${n("reject")}::int)`,
        status: "running",
        heartbeatAt: new Date(),
        updatedAt: new Date(),
      })
      // "interrupted": a server started meanwhile took this run for a dead one; it is not, and the lastRow check
      // keeps it from racing a resume of the same rows.
      .where(and(scoped(ctx, job.id), inArray(imports.status, ["running", "interrupted"]), eq(imports.lastRow, after)))
      .returning({ id: imports.id });
    // Someone undid the import meanwhile, or another run of it committed these rows first: drop this batch with the
    // transaction, so no row is written twice.
    if (!updated) throw new Overtaken("The import was stopped or is run elsewhere");
    return last;
  });
}

// ---------- undo ----------

/** Removes what the import created (to the trash, with history) and restores the fields it updated. */
export async function undoImport(ctx: Ctx, id: string): Promise<ImportJob> {
  assertCan(ctx.actor, "write");
  const job = await findRow(ctx, id);
  // Undo deletes and rewrites records wholesale: it belongs to whoever ran the import, or a manager or admin.
  if (!ownerAllows(ctx.actor, scopeOf(ctx.actor, "import", "delete"), job.createdBy))
    throw new AppError("forbidden", "Only the person who ran this import, a manager or an admin can undo it.");
  const status = toJob(job).status;
  if (status !== "completed" && status !== "interrupted" && status !== "failed") throw new AppError("conflict", `A ${status} import cannot be undone.`);
  // Claim it first, so a run that is still alive stops at its next batch.
  const [claimed] = await ctx.db
    .update(imports)
    .set({ status: "undone", updatedAt: new Date(), finishedAt: new Date() })
    .where(and(scoped(ctx, id), eq(imports.status, job.status)))
    .returning();
  if (!claimed) throw new AppError("conflict", "The import changed meanwhile; try again");
  const page = 500;
  // Updated records first (their previous values), then what was created, dependants before what they point at.
  for (const [object, action] of [
    ["contact", "updated"],
    ["company", "updated"],
    ["deal", "updated"],
    ["activity", "created"],
    ["task", "created"],
    ["ticket", "created"],
    ["deal", "created"],
    ["contact", "created"],
    ["company", "created"],
  ] as const) {
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const rows = await ctx.db
        .select()
        .from(importChanges)
        .where(
          and(
            eq(importChanges.workspaceId, ctx.workspaceId),
            eq(importChanges.importId, id),
            eq(importChanges.object, object),
            eq(importChanges.action, action),
            gt(importChanges.recordId, after),
          ),
        )
        .orderBy(asc(importChanges.recordId))
        .limit(page);
      if (rows.length === 0) break;
      after = (rows[rows.length - 1] as (typeof rows)[number]).recordId;
      if (action === "created") {
        const ids = rows.map((r) => r.recordId);
        if (object === "contact") await bulkContacts(ctx, { ids, action: "delete" });
        else if (object === "company") await bulkCompanies(ctx, { ids, action: "delete" });
        else if (object === "deal") await trashImportedDeals(ctx, ids);
        else if (object === "activity") await trashImportedActivities(ctx, ids);
        else if (object === "ticket") await deleteImportedTickets(ctx, ids);
        else await deleteImportedTasks(ctx, ids);
      } else {
        for (const r of rows) {
          const prev = r.previous ?? {};
          if (Object.keys(prev).length === 0) continue;
          try {
            if (object === "contact") await updateContact(ctx, r.recordId, prev);
            else if (object === "company") await updateCompany(ctx, r.recordId, prev);
            else await updateDeal(ctx, r.recordId, prev);
          } catch {
            // A record deleted or changed beyond repair since the import keeps its current values.
          }
        }
      }
    }
  }
  await ctx.db.delete(importExternalIds).where(and(eq(importExternalIds.workspaceId, ctx.workspaceId), eq(importExternalIds.importId, id)));
  // A failed or interrupted import kept its upload to be resumed; undone, it never will be.
  await deleteFile(ctx.db, ctx.workspaceId, id);
  return getImport(ctx, id);
}

// ---------- error report ----------

/** Rejected rows in file order, page by page, for the CSV report. */
export async function* errorRows(
  ctx: Ctx,
  id: string,
): AsyncGenerator<{ header: string[] } | { row: number; line: number | null; reason: string; values: string[] }> {
  assertCan(ctx.actor, "read");
  const job = await findRow(ctx, id);
  yield { header: job.headers };
  let after = 0;
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(importErrors)
      .where(and(eq(importErrors.workspaceId, ctx.workspaceId), eq(importErrors.importId, id), gt(importErrors.rowNumber, after)))
      .orderBy(asc(importErrors.rowNumber))
      .limit(2000);
    if (rows.length === 0) return;
    for (const r of rows) yield { row: r.rowNumber, line: r.line, reason: r.reason, values: r.values };
    after = (rows[rows.length - 1] as (typeof rows)[number]).rowNumber;
  }
}

/** At start-up: runs that were in progress in a process that is gone become interrupted (resumable). */
export async function markInterrupted(db: Ctx["db"], olderThanMs = 0): Promise<void> {
  for (const w of await listWorkspaces(db)) {
    await db
      .update(imports)
      .set({ status: "interrupted", updatedAt: new Date() })
      .where(
        and(
          eq(imports.workspaceId, w.id),
          eq(imports.status, "running"),
          sql`coalesce(${imports.heartbeatAt}, ${imports.createdAt}) < now() - make_interval(secs => ${olderThanMs / 1000})`,
        ),
      );
  }
}

// ---------- tickets ----------

/** Each ticket row's status, as written, becomes one of the workspace's statuses; a row without one opens as new. */
async function resolveTicketStatuses(ctx: Ctx, outs: Outcome[], reject: (o: Outcome, reason: string) => void): Promise<void> {
  const keyOf = await ticketStatusResolver(ctx);
  for (const o of outs) {
    const input = o.built?.input as TicketRowInput | undefined;
    if (!input?.status) continue;
    const key = keyOf(input.status);
    if (key) input.status = key;
    else reject(o, `"${input.status}" is not a ticket status here (add it in Settings → Service, or map the column to nothing)`);
  }
}

function ticketImportOf(o: Outcome): TicketImport {
  const input = o.built?.input as TicketRowInput;
  return {
    subject: input.subject,
    body: input.body,
    status: input.status ?? "new",
    priority: input.priority,
    type: input.type,
    channel: input.channel,
    contactEmail: o.built?.refs.contactEmail ?? null,
    contactName: input.contactName,
    assigneeId: input.ownerId,
    tags: input.tags,
    satisfaction: input.satisfaction,
    createdAt: input.createdAt,
    firstResponseAt: input.firstResponseAt,
    resolvedAt: input.resolvedAt,
    firstResponseSeconds: input.firstResponseSeconds,
    resolutionSeconds: input.resolutionSeconds,
  };
}
