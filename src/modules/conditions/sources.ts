import { getTableName, type SQL, sql } from "drizzle-orm";
import { alias, type PgTable } from "drizzle-orm/pg-core";
import type { FieldDef, RegistryObject } from "../../contract/fields.js";
import { activityConditionSources, activityConditionTable } from "../activities/condition-fields.js";
import { companyConditionSources, companyConditionTable } from "../companies/condition-fields.js";
import { contactConditionSources, contactConditionTable } from "../contacts/condition-fields.js";
import { dealConditionSources, dealConditionTable, dealContactLinks } from "../deals/condition-fields.js";
import { taskConditionSources, taskConditionTable } from "../tasks/condition-fields.js";
import { ticketConditionSources, ticketConditionTable } from "../tickets/condition-fields.js";
import type { AnyTable, FieldSource } from "./types.js";

export type { FieldSource, StorageKind } from "./types.js";

export const builtInSources: Readonly<Record<RegistryObject, Readonly<Record<string, FieldSource>>>> = {
  contact: contactConditionSources,
  company: companyConditionSources,
  deal: dealConditionSources,
  task: taskConditionSources,
  activity: activityConditionSources,
  ticket: ticketConditionSources,
};

/** A custom field's value sits in the record's jsonb `custom` under its key. */
function customSource(def: FieldDef): FieldSource {
  const key = def.name.slice(7);
  const js = (r: Record<string, unknown>) => (r.custom as Record<string, unknown> | undefined)?.[key];
  const raw = (t: AnyTable) => sql`(${t.custom} ->> ${key})`;
  switch (def.type) {
    case "number":
    case "money":
      return { sql: (t) => sql`(${raw(t)})::numeric`, kind: "number", js };
    case "boolean":
      return { sql: (t) => sql`(${raw(t)})::boolean`, kind: "boolean", js };
    case "date":
      return { sql: raw, kind: "datetext", js };
    case "multiselect":
      return { sql: (t) => sql`(${t.custom} -> ${key})`, kind: "jsonarray", js };
    default:
      return { sql: raw, kind: "text", js };
  }
}

/** The source of a registry field of an object (custom fields included); undefined for a field with none. */
export function sourceOf(object: RegistryObject, def: FieldDef): FieldSource | undefined {
  if (def.custom) return customSource(def);
  return builtInSources[object][def.name];
}

export const tableOf: Readonly<Record<RegistryObject, PgTable & AnyTable>> = {
  contact: contactConditionTable,
  company: companyConditionTable,
  deal: dealConditionTable,
  task: taskConditionTable,
  activity: activityConditionTable,
  ticket: ticketConditionTable,
};

/** Objects whose rows go to the trash (a related record in the trash is no longer related). */
const trashable: ReadonlySet<RegistryObject> = new Set(["contact", "company", "deal", "activity", "ticket"]);

let aliasCounter = 0;

/**
 * A related record set as a SQL subquery: an alias of the related table and the predicate linking it to `outer`
 * (same workspace, the link, not in the trash). `exists (select 1 from <from> where <link> and <pred>)`.
 */
export function relationJoin(object: RegistryObject, relation: string, outer: AnyTable): { from: SQL; table: AnyTable; link: SQL } | undefined {
  const n = aliasCounter++ % 1000;
  const live = (o: RegistryObject, t: AnyTable) => (trashable.has(o) ? sql` and ${t.deletedAt} is null` : sql``);
  // An alias renders as its name alone in sql``: the FROM item spells out the table it aliases.
  const aliased = (table: PgTable, name: string) => ({
    t: alias(table, name) as AnyTable,
    from: sql`${sql.identifier(getTableName(table))} ${sql.identifier(name)}`,
  });
  const one = (o: RegistryObject, fk: string) => {
    const { t, from } = aliased(tableOf[o], `rel_${o}_${n}`);
    return { from, table: t, link: sql`${t.workspaceId} = ${outer.workspaceId} and ${t.id} = ${outer[fk]}${live(o, t)}` };
  };
  const childOf = (o: RegistryObject, fk: string) => {
    const { t, from } = aliased(tableOf[o], `rel_${o}_${n}`);
    return { from, table: t, link: sql`${t.workspaceId} = ${outer.workspaceId} and ${t[fk]} = ${outer.id}${live(o, t)}` };
  };
  const viaDealContacts = (o: "deal" | "contact", own: "contactId" | "dealId", other: "dealId" | "contactId") => {
    const { t: dc, from: dcFrom } = aliased(dealContactLinks, `rel_dc_${n}`);
    const { t, from } = aliased(tableOf[o], `rel_${o}_${n}`);
    return {
      from: sql`${dcFrom} join ${from} on ${t.workspaceId} = ${dc.workspaceId} and ${t.id} = ${dc[other]}`,
      table: t,
      link: sql`${dc.workspaceId} = ${outer.workspaceId} and ${dc[own]} = ${outer.id}${live(o, t)}`,
    };
  };
  switch (`${object}.${relation}`) {
    case "contact.company":
    case "deal.company":
    case "activity.company":
    case "ticket.company":
      return one("company", "companyId");
    case "activity.contact":
    case "ticket.contact":
      return one("contact", "contactId");
    case "activity.deal":
      return one("deal", "dealId");
    case "contact.deals":
      return viaDealContacts("deal", "contactId", "dealId");
    case "deal.contacts":
      return viaDealContacts("contact", "dealId", "contactId");
    case "contact.activities":
      return childOf("activity", "contactId");
    case "company.contacts":
      return childOf("contact", "companyId");
    case "company.deals":
      return childOf("deal", "companyId");
    default:
      return undefined;
  }
}
