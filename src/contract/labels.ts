/**
 * What people see for each enumerated value: one map per enum, typed so a new code without a label
 * fails to compile. Every page, the server's rule descriptions and its error messages read these, so a
 * code such as `web_form` never reaches a screen and a label such as "Web form" is never stored.
 */
import type { activityTypes, callOutcomes } from "./activities.js";
import type { roles } from "./common.js";
import type { leadSources, leadStatuses, lifecycleStages } from "./contacts.js";
import type { customFieldTypes } from "./custom-fields.js";
import type { amountSources, dealContactRoles, stageTypes } from "./deals.js";
import type { mailKinds, mailStatuses } from "./mail.js";
import type { taskPriorities, taskStatuses } from "./tasks.js";

type Labels<T extends readonly string[]> = Record<T[number], string>;
/** Indexable by any string: values come from the API and old data as plain strings. */
export type LabelMap = Readonly<Record<string, string>>;

export const lifecycleStageLabels: LabelMap = {
  subscriber: "Subscriber",
  lead: "Lead",
  marketing_qualified: "Marketing qualified",
  sales_qualified: "Sales qualified",
  opportunity: "Opportunity",
  customer: "Customer",
  evangelist: "Evangelist",
  other: "Other",
} satisfies Labels<typeof lifecycleStages>;

export const leadSourceLabels: LabelMap = {
  web_form: "Web form",
  referral: "Referral",
  cold_call: "Cold call",
  event: "Event",
  ad: "Advertising",
  import: "Import",
  api: "API",
  other: "Other",
} satisfies Labels<typeof leadSources>;

export const leadStatusLabels: LabelMap = {
  new: "New",
  attempting_contact: "Attempting contact",
  connected: "Connected",
  qualified: "Qualified",
  unqualified: "Unqualified",
} satisfies Labels<typeof leadStatuses>;

export const dealStatusLabels: LabelMap = { open: "Open", won: "Won", lost: "Lost" } satisfies Labels<typeof stageTypes>;

export const amountSourceLabels: LabelMap = { manual: "Entered by hand", line_items: "Sum of line items" } satisfies Labels<typeof amountSources>;

export const dealContactRoleLabels: LabelMap = {
  decision_maker: "Decision maker",
  champion: "Champion",
  influencer: "Influencer",
  economic_buyer: "Economic buyer",
  user: "User",
  other: "Other",
} satisfies Labels<typeof dealContactRoles>;

/**
 * Where a deal came from: the lead sources, plus what conversion stores when the lead had none.
 * Deal sources are free text (imports bring their own), so unknown values show as typed.
 */
export const dealSourceLabels: LabelMap = { ...leadSourceLabels, lead_conversion: "Lead conversion" };

export const taskPriorityLabels: LabelMap = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" } satisfies Labels<typeof taskPriorities>;
export const taskStatusLabels: LabelMap = { open: "Open", done: "Done", cancelled: "Cancelled" } satisfies Labels<typeof taskStatuses>;

export const activityTypeLabels: LabelMap = { note: "Note", call: "Call", email: "Email", meeting: "Meeting" } satisfies Labels<typeof activityTypes>;
export const callOutcomeLabels: LabelMap = {
  connected: "Connected",
  left_voicemail: "Left voicemail",
  no_answer: "No answer",
  busy: "Busy",
  wrong_number: "Wrong number",
} satisfies Labels<typeof callOutcomes>;

export const roleLabels: LabelMap = {
  admin: "Admin",
  manager: "Manager",
  sales: "Sales",
  support: "Support",
  marketing: "Marketing",
  read_only: "Read-only",
} satisfies Labels<typeof roles>;

export const customFieldTypeLabels: LabelMap = {
  text: "Text",
  long_text: "Long text",
  number: "Number",
  currency: "Currency",
  date: "Date",
  boolean: "Yes / no",
  select: "Select",
  multi_select: "Multi-select",
  url: "URL",
  email: "Email",
  phone: "Phone",
} satisfies Labels<typeof customFieldTypes>;

export const submissionOutcomeLabels: Readonly<Record<"created" | "updated" | "spam", string>> = {
  created: "New contact",
  updated: "Updated contact",
  spam: "Spam",
};

/** The label of a code, or the value itself when it is not one of the map's codes (free text, old data). */
export function labelOf(labels: LabelMap, code: string | null | undefined): string {
  if (code === null || code === undefined) return "";
  return Object.hasOwn(labels, code) ? (labels[code] as string) : code;
}

/** Select options in the map's order: the code is the value, the label what is shown. */
export function optionsOf(labels: LabelMap): { value: string; label: string }[] {
  return Object.entries(labels).map(([value, label]) => ({ value, label }));
}

/**
 * The code a person most likely meant when they typed a label or a differently written code
 * ("Web form", "web form", "WEB_FORM" → web_form); null when nothing fits.
 */
export function codeFor(labels: LabelMap, typed: string): string | null {
  const squash = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, " ");
  const t = squash(typed);
  for (const [code, label] of Object.entries(labels)) if (squash(code) === t || squash(label) === t) return code;
  return null;
}

export const mailStatusLabels: LabelMap = {
  queued: "Waiting to send",
  sending: "Sending",
  sent: "Sent",
  failed: "Failed",
  not_configured: "Not sent: no SMTP server configured",
} satisfies Labels<typeof mailStatuses>;

export const mailKindLabels: LabelMap = {
  task_reminder: "Task reminder",
  test: "Test email",
  invitation: "Invitation",
  password_reset: "Password reset",
  workflow: "Workflow email",
  ticket_reply: "Ticket reply",
  portal_link: "Portal sign-in link",
  satisfaction_survey: "Satisfaction survey",
  marketing: "Marketing email",
  template_test: "Template test",
  other: "Other",
} satisfies Labels<typeof mailKinds>;

// Tickets' (src/contract/tickets.ts re-exports these; defined here so the field registry reads them without a cycle).
export const ticketPriorityLabels: LabelMap = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" };
export const ticketChannelLabels: LabelMap = {
  email: "Email",
  web: "Web form",
  portal: "Portal",
  phone: "Phone",
  chat: "Chat",
  social: "Social media",
  api: "API",
  import: "Import",
};
