import type { Writable } from "node:stream";
import type { Contact } from "../../contract/contacts.js";
import type { VcardImportResult } from "../../contract/exports.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { logActivity } from "../activities/service.js";
import { createCompany, listCompanies } from "../companies/service.js";
import { createContact, getContact, listContacts } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { workspaceSettings } from "../workspaces/service.js";
import { cardToDraft } from "./map.js";
import { parseVcardFile } from "./parse.js";
import { contactToVcard } from "./write.js";

export const MAX_VCARD_BYTES = 20 * 1024 * 1024;

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const noteHtml = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");

async function emailTaken(ctx: Ctx, email: string): Promise<boolean> {
  const found = await listContacts(ctx, { email, limit: 1 });
  return found.data.length > 0;
}

/** PostgreSQL's data exceptions (class 22: bad character, value out of range…) that a card's values can cause. */
function databaseInputError(err: unknown): string | null {
  let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined;
  for (let depth = 0; e && depth < 3; depth++) {
    if (typeof e.code === "string" && /^22[0-9A-Z]{3}$/.test(e.code)) {
      return e.code === "22021" || e.code === "22P05"
        ? "A value holds a character that cannot be stored (such as NUL)"
        : `A value cannot be stored: ${String(e.message ?? e.code)}`;
    }
    e = e.cause as typeof e;
  }
  return null;
}

/**
 * Imports every card of a .vcf file as a contact. Each card stands alone: one that cannot be read or fails
 * validation is reported (index + reason) and the others go in. A card whose email belongs to an existing
 * contact (or to an earlier card of the same file) is skipped, so importing the same file twice adds nothing.
 * ORG resolves to the workspace's company of that name (case-insensitive), else a new company is created.
 * NOTE becomes a note on the contact's timeline; BDAY fills a date custom field keyed "birthday" (or labelled
 * "Birthday"/"Date of birth") when the workspace has one, else it is left out.
 */
export async function importVcards(caller: Ctx, bytes: Buffer): Promise<VcardImportResult> {
  assertCan(caller.actor, "write");
  // A bulk load: the contacts and companies it creates publish events flagged as an import's, as a CSV import's do.
  const ctx: Ctx = { ...caller, eventSource: "import" };
  if (bytes.length > MAX_VCARD_BYTES) throw new AppError("payload_too_large", `A vCard file can be at most ${MAX_VCARD_BYTES / 1024 / 1024} MB`);
  const parsed = parseVcardFile(bytes);
  if (parsed.cards.length === 0 && parsed.errors.length === 0) {
    throw new AppError("validation_failed", "No vCard found in this file (expected BEGIN:VCARD … END:VCARD)", [
      { path: "file", message: "No vCard found in this file" },
    ]);
  }
  const settings = await workspaceSettings(ctx);
  const defs = await listCustomFields(ctx, "contact");
  const birthdayField = defs.find((f) => f.type === "date" && (["birthday", "bday", "date_of_birth"].includes(f.key) || /birth/i.test(f.label)));
  const result: VcardImportResult = {
    cards: parsed.cards.length + parsed.errors.length,
    created: 0,
    skipped: [],
    rejected: parsed.errors.map((e) => ({ index: e.index, name: null, reason: e.reason })),
    warnings: [],
    companiesCreated: 0,
    notesCreated: 0,
    contactIds: [],
  };
  const companyIds = new Map<string, string>();
  const emailsInFile = new Set<string>();

  for (const card of parsed.cards) {
    const d = cardToDraft(card, settings.defaultCountry);
    const name = d.displayName;
    for (const w of d.warnings) result.warnings.push({ index: card.index, name, reason: w });
    if (!d.firstName && !d.lastName && d.emails.length === 0) {
      result.rejected.push({ index: card.index, name, reason: "The card has no name and no valid email" });
      continue;
    }
    const dup = d.emails.find((e) => emailsInFile.has(e.email));
    if (dup) {
      result.skipped.push({ index: card.index, name, reason: `${dup.email} is on an earlier card of this file` });
      continue;
    }
    let existing: string | undefined;
    for (const e of d.emails) if (await emailTaken(ctx, e.email)) existing = e.email;
    if (existing) {
      result.skipped.push({ index: card.index, name, reason: `A contact with ${existing} already exists` });
      continue;
    }
    try {
      let companyId: string | undefined;
      if (d.organisation) {
        const key = d.organisation.toLowerCase();
        companyId = companyIds.get(key);
        if (!companyId) {
          const found = await listCompanies(ctx, { limit: 1, filter: JSON.stringify([{ field: "name", op: "eq", value: d.organisation }]) });
          companyId = found.data[0]?.id;
          if (!companyId) {
            companyId = (await createCompany(ctx, { name: d.organisation })).id;
            result.companiesCreated++;
          }
          companyIds.set(key, companyId);
        }
      }
      const contact = await createContact(ctx, {
        firstName: d.firstName,
        lastName: d.lastName,
        emails: d.emails,
        phones: d.phones,
        jobTitle: d.jobTitle ?? null,
        companyId: companyId ?? null,
        address: d.address ?? null,
        socialProfiles: d.socialProfiles,
        tags: d.tags,
        leadSource: "import",
        ...(birthdayField && d.birthday ? { custom: { [birthdayField.key]: d.birthday } } : {}),
      });
      for (const e of d.emails) emailsInFile.add(e.email);
      result.created++;
      result.contactIds.push(contact.id);
      if (d.note) {
        await logActivity(ctx, { object: "contact", id: contact.id }, { type: "note", subject: "Note from vCard", body: noteHtml(d.note.slice(0, 50_000)) });
        result.notesCreated++;
      }
    } catch (err) {
      // A value the database refuses (a NUL character, a number out of range) fails its card, never the file.
      const dataError = databaseInputError(err);
      if (!(err instanceof AppError) && !dataError) throw err;
      const reason =
        err instanceof AppError
          ? err.errors?.length
            ? err.errors.map((e) => `${e.path}: ${e.message}`).join("; ")
            : (err.detail ?? err.message)
          : (dataError as string);
      result.rejected.push({ index: card.index, name, reason });
    }
  }
  result.rejected.sort((a, b) => a.index - b.index);
  return result;
}

/** One contact as a vCard 4.0 file. */
export async function contactVcard(ctx: Ctx, id: string): Promise<{ text: string; contact: Contact }> {
  const contact = await getContact(ctx, id);
  return { text: contactToVcard(contact), contact };
}

/** Writes pages of contacts (a filtered list or a selection) as one .vcf stream. */
export async function writeVcf(pages: AsyncIterable<Contact[]>, out: Writable, progress?: (rows: number) => void): Promise<number> {
  let rows = 0;
  for await (const page of pages) {
    if (out.destroyed) break;
    const chunk = page.map(contactToVcard).join("");
    if (!out.write(chunk) && !out.destroyed)
      await new Promise((r) => {
        out.once("drain", r);
        out.once("close", r);
      });
    rows += page.length;
    progress?.(rows);
  }
  await new Promise<void>((resolve, reject) => {
    if (out.destroyed || out.closed) return resolve();
    out.once("finish", resolve);
    out.once("close", resolve);
    out.once("error", reject);
    out.end();
  });
  return rows;
}

/** Pages of the selected contacts, in the order given; ids outside the workspace are not found. */
export function selectedContacts(ctx: Ctx, ids: string[]): AsyncIterable<Contact[]> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < ids.length; i += 100) {
        yield await Promise.all(ids.slice(i, i + 100).map((id) => getContact(ctx, id)));
      }
    },
  };
}
