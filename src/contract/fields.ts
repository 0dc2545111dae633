/**
 * The one field registry: for each kind of record, the fields people can see, filter, sort and write conditions on,
 * with their labels and the values they can hold. Lists, saved views, rules, workflows and the condition editor read
 * it, so a field added here shows up everywhere. Custom fields are joined in at runtime with `fieldRegistry(defs)`.
 */
import {
  activityTypeLabels,
  dealStatusLabels,
  type LabelMap,
  leadSourceLabels,
  leadStatusLabels,
  lifecycleStageLabels,
  optionsOf,
  taskPriorityLabels,
  taskStatusLabels,
  ticketChannelLabels,
  ticketPriorityLabels,
} from "./labels.js";

export const registryObjects = ["contact", "company", "deal", "task", "activity", "ticket"] as const;
export type RegistryObject = (typeof registryObjects)[number];

export const fieldTypes = [
  "text",
  "number",
  "money",
  "date",
  "datetime",
  "boolean",
  "select",
  "multiselect",
  "tags",
  "user",
  "team",
  "relation",
  "email",
  "phone",
] as const;
export type FieldType = (typeof fieldTypes)[number];

export const fieldTypeLabels: Readonly<Record<FieldType, string>> = {
  text: "Text",
  number: "Number",
  money: "Amount",
  date: "Date",
  datetime: "Date and time",
  boolean: "Yes / no",
  select: "Choice",
  multiselect: "Several choices",
  tags: "Tags",
  user: "Person",
  team: "Team",
  relation: "Linked record",
  email: "Email",
  phone: "Phone",
};

export interface FieldOption {
  value: string;
  label: string;
}

/**
 * Options that depend on the workspace (its pipelines, their stages, its people): where the editor fetches them.
 * `valueKey`/`labelKey` name the properties of each item; `dependsOn` names a field whose value narrows the list
 * (a stage's pipeline), passed as the query parameter of the same name.
 */
export interface DynamicOptions {
  source: "pipelines" | "stages" | "users" | "teams";
  endpoint: string;
  valueKey: string;
  labelKey: string;
  dependsOn?: string;
}

export interface FieldDef {
  /** What conditions, filters and sorts name: `lifecycleStage`, `custom.tier`. */
  name: string;
  label: string;
  type: FieldType;
  /** Fixed values with their labels (select, multiselect). */
  options?: FieldOption[];
  dynamicOptions?: DynamicOptions;
  /** The kind of record a relation (or user/team) field points to. */
  relation?: RegistryObject | "user" | "team" | "pipeline" | "stage";
  filterable: boolean;
  sortable: boolean;
  /** Where the value sits on the record as the API returns it, dotted; the name when omitted. */
  path?: string;
  /** A custom field: its value sits in the record's `custom` values under its key. */
  custom?: boolean;
}

/**
 * A link to other records whose fields a condition can reach with a dotted path: `company.industry` on a contact
 * (one record), `deals.amount` on a contact (many: "any of the contact's deals").
 */
export interface RelationDef {
  name: string;
  label: string;
  object: RegistryObject;
  many: boolean;
}

export interface ObjectRegistry {
  object: RegistryObject;
  label: string;
  fields: FieldDef[];
  relations: RelationDef[];
}

export type FieldRegistry = Readonly<Record<RegistryObject, ObjectRegistry>>;

const opts = (labels: LabelMap): FieldOption[] => optionsOf(labels);

export const usersOptions: DynamicOptions = { source: "users", endpoint: "/api/v1/users", valueKey: "id", labelKey: "name" };
/** For team fields of objects that add them. */
export const teamsOptions: DynamicOptions = { source: "teams", endpoint: "/api/v1/teams", valueKey: "id", labelKey: "name" };

function f(name: string, label: string, type: FieldType, more: Partial<FieldDef> = {}): FieldDef {
  const sortable = ["text", "number", "money", "date", "datetime", "boolean", "select", "email", "phone"].includes(type);
  return { name, label, type, filterable: true, sortable, ...more };
}

const owner = (label = "Owner") => f("ownerId", label, "user", { relation: "user", dynamicOptions: usersOptions, sortable: false });
const timestamps = [f("createdAt", "Created", "datetime"), f("updatedAt", "Last updated", "datetime")];

/** Built-in fields, custom fields not included. */
export const builtInFields: FieldRegistry = {
  contact: {
    object: "contact",
    label: "Contact",
    fields: [
      f("firstName", "First name", "text"),
      f("lastName", "Last name", "text"),
      f("primaryEmail", "Email", "email"),
      f("email", "Any email address", "tags", { path: "emails", sortable: false }),
      f("emailDomain", "Email domain", "text", { sortable: false }),
      f("primaryPhone", "Phone", "phone", { sortable: false }),
      f("jobTitle", "Job title", "text"),
      f("companyId", "Company", "relation", { relation: "company", sortable: false }),
      owner(),
      f("lifecycleStage", "Lifecycle stage", "select", { options: opts(lifecycleStageLabels) }),
      f("leadSource", "Lead source", "select", { options: opts(leadSourceLabels) }),
      f("leadStatus", "Lead status", "select", { options: opts(leadStatusLabels) }),
      f("leadScore", "Lead score", "number"),
      f("tags", "Tags", "tags", { sortable: false }),
      f("country", "Country", "text", { path: "address.country" }),
      f("region", "Region", "text", { path: "address.region" }),
      f("city", "City", "text", { path: "address.city" }),
      f("doNotContact", "Do not contact", "boolean"),
      f("emailConsent", "Email consent", "boolean"),
      ...timestamps,
    ],
    relations: [
      { name: "company", label: "Company", object: "company", many: false },
      { name: "deals", label: "Deals", object: "deal", many: true },
      { name: "activities", label: "Activities", object: "activity", many: true },
    ],
  },
  company: {
    object: "company",
    label: "Company",
    fields: [
      f("name", "Name", "text"),
      f("domain", "Domain", "text"),
      f("industry", "Industry", "text"),
      f("employees", "Employees", "number"),
      f("annualRevenue", "Annual revenue", "money"),
      f("currency", "Currency", "text", { sortable: false }),
      f("phone", "Phone", "phone", { sortable: false }),
      f("country", "Country", "text", { path: "address.country" }),
      f("city", "City", "text", { path: "address.city" }),
      f("parentId", "Parent company", "relation", { relation: "company", sortable: false }),
      owner(),
      f("tags", "Tags", "tags", { sortable: false }),
      f("description", "Description", "text", { sortable: false }),
      ...timestamps,
    ],
    relations: [
      { name: "contacts", label: "Contacts", object: "contact", many: true },
      { name: "deals", label: "Deals", object: "deal", many: true },
    ],
  },
  deal: {
    object: "deal",
    label: "Deal",
    fields: [
      f("name", "Name", "text"),
      f("amount", "Amount", "money"),
      f("currency", "Currency", "text", { sortable: false }),
      f("expectedCloseDate", "Expected close date", "date"),
      owner(),
      f("companyId", "Company", "relation", { relation: "company", sortable: false }),
      f("pipelineId", "Pipeline", "select", {
        relation: "pipeline",
        dynamicOptions: { source: "pipelines", endpoint: "/api/v1/pipelines", valueKey: "id", labelKey: "name" },
        sortable: false,
      }),
      f("stageId", "Stage", "select", {
        relation: "stage",
        dynamicOptions: { source: "stages", endpoint: "/api/v1/pipelines", valueKey: "id", labelKey: "name", dependsOn: "pipelineId" },
        sortable: false,
      }),
      f("status", "Status", "select", { options: opts(dealStatusLabels) }),
      f("source", "Source", "text"),
      f("tags", "Tags", "tags", { sortable: false }),
      f("stageEnteredAt", "In stage since", "datetime"),
      f("closedAt", "Closed", "datetime"),
      // Derived, read-only: the sales cycle (days from the deal's creation to its close), for filters and report measures.
      f("daysToClose", "Days to close", "number", { sortable: false }),
      ...timestamps,
    ],
    relations: [
      { name: "company", label: "Company", object: "company", many: false },
      { name: "contacts", label: "Contacts", object: "contact", many: true },
    ],
  },
  task: {
    object: "task",
    label: "Task",
    fields: [
      f("title", "Title", "text"),
      f("dueAt", "Due", "datetime"),
      f("priority", "Priority", "select", { options: opts(taskPriorityLabels) }),
      f("status", "Status", "select", { options: opts(taskStatusLabels) }),
      f("assigneeId", "Assignee", "user", { relation: "user", dynamicOptions: usersOptions, sortable: false }),
      f("completedAt", "Completed", "datetime"),
      ...timestamps.slice(0, 1),
    ],
    relations: [],
  },
  activity: {
    object: "activity",
    label: "Activity",
    fields: [
      f("type", "Type", "select", { options: opts(activityTypeLabels) }),
      f("subject", "Subject", "text"),
      f("occurredAt", "When", "datetime"),
      f("authorId", "Logged by", "user", { relation: "user", dynamicOptions: usersOptions, sortable: false }),
      f("contactId", "Contact", "relation", { relation: "contact", sortable: false }),
      f("companyId", "Company", "relation", { relation: "company", sortable: false }),
      f("dealId", "Deal", "relation", { relation: "deal", sortable: false }),
      f("createdAt", "Created", "datetime"),
    ],
    relations: [
      { name: "contact", label: "Contact", object: "contact", many: false },
      { name: "company", label: "Company", object: "company", many: false },
      { name: "deal", label: "Deal", object: "deal", many: false },
    ],
  },
  ticket: {
    object: "ticket",
    label: "Ticket",
    fields: [
      f("number", "Number", "number"),
      f("subject", "Subject", "text"),
      f("status", "Status", "text"),
      f("priority", "Priority", "select", { options: opts(ticketPriorityLabels) }),
      f("type", "Type", "text"),
      f("channel", "Channel", "select", { options: opts(ticketChannelLabels) }),
      f("senderDomain", "Sender's email domain", "text", { sortable: false }),
      f("assigneeId", "Assignee", "user", { relation: "user", dynamicOptions: usersOptions, sortable: false }),
      f("contactId", "Contact", "relation", { relation: "contact", sortable: false }),
      f("companyId", "Company", "relation", { relation: "company", sortable: false }),
      f("tags", "Tags", "tags", { sortable: false }),
      f("satisfaction", "Satisfaction (1–5)", "number"),
      ...timestamps,
    ],
    relations: [
      { name: "contact", label: "Contact", object: "contact", many: false },
      { name: "company", label: "Company", object: "company", many: false },
    ],
  },
};

/** What a custom-field definition needs to join the registry (the custom-fields contract's shape, loosely). */
export interface CustomFieldLike {
  object: string;
  key: string;
  label: string;
  type: string;
  options: string[];
}

const customTypes: Record<string, FieldType> = {
  text: "text",
  long_text: "text",
  url: "text",
  number: "number",
  currency: "money",
  date: "date",
  boolean: "boolean",
  select: "select",
  multi_select: "multiselect",
  email: "email",
  phone: "phone",
};

/** A custom field as a registry field: `custom.<key>`, its options its own labels (they are stored as written). */
export function customFieldDef(d: CustomFieldLike): FieldDef {
  const type = customTypes[d.type] ?? "text";
  return {
    name: `custom.${d.key}`,
    label: d.label,
    type,
    filterable: true,
    sortable: type !== "multiselect",
    custom: true,
    ...(type === "select" || type === "multiselect" ? { options: d.options.map((o) => ({ value: o, label: o })) } : {}),
  };
}

/** The full registry: built-in fields plus each object's custom fields, in their order. */
export function fieldRegistry(customFields: readonly CustomFieldLike[] = []): FieldRegistry {
  const out = {} as Record<RegistryObject, ObjectRegistry>;
  for (const o of registryObjects) {
    const base = builtInFields[o];
    out[o] = { ...base, fields: [...base.fields, ...customFields.filter((d) => d.object === o).map(customFieldDef)] };
  }
  return out;
}

/** A field of an object by name, or undefined. */
export const findField = (registry: FieldRegistry, object: RegistryObject, name: string): FieldDef | undefined =>
  registry[object].fields.find((d) => d.name === name);

/** The label of a value of a field: its option's label, else the value itself. */
export function optionLabel(field: FieldDef, value: unknown): string {
  const s = String(value);
  return field.options?.find((o) => o.value === s)?.label ?? s;
}
