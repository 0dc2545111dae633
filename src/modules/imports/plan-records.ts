/** Turning one file row into a deal or an activity input, or into reasons to reject it. */

import type { callOutcomes } from "../../contract/activities.js";
import { Tags } from "../../contract/common.js";
import { normHeader } from "./mapping.js";
import {
  type ActivityRowInput,
  type Built,
  type DealRowInput,
  dateFormatAt,
  type Plan,
  type Refs,
  readCustom,
  splitList,
  type TicketRowInput,
} from "./plan-base.js";
import { notADate, parseBoolean, parseDate, parseDateTime, parseDuration, parseNumber } from "./values.js";

const refTargets = new Set([
  "externalId",
  "ownerEmail",
  "companyName",
  "companyExternalId",
  "contactExternalId",
  "dealName",
  "dealExternalId",
  "relatedExternalId",
  "pipeline",
  "stage",
]);

/** The reference columns every object shares; true when the target was one of them. */
function readRef(target: string, raw: string, refs: Refs, fail: (m: string) => void): boolean {
  if (target === "companyDomain") {
    const d = raw
      .trim()
      .toLowerCase()
      .replace(/^[a-z]+:\/\//, "")
      .replace(/^www\./, "")
      .replace(/[/?#:].*$/, "");
    if (/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(d)) refs.companyDomain = d;
    else fail(`"${raw}" is not a domain`);
    return true;
  }
  if (target === "contactEmail") {
    const e = raw.trim().toLowerCase();
    if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) refs.contactEmail = e;
    else fail(`"${raw}" is not an email address`);
    return true;
  }
  if (!refTargets.has(target)) return false;
  if (target === "pipeline") refs.pipelineName = raw;
  else if (target === "stage") refs.stageName = raw;
  else if (target === "ownerEmail") refs.ownerEmail = raw.toLowerCase();
  else refs[target as "externalId"] = raw;
  return true;
}

export function buildDealRow(plan: Plan, values: string[]): Built {
  const errors: string[] = [];
  const refs: Refs = {};
  const given = new Set<string>();
  const custom: Record<string, unknown> = {};
  const input: DealRowInput = {
    name: "",
    amount: null,
    currency: null,
    expectedCloseDate: null,
    nextStep: null,
    lostReason: null,
    source: null,
    tags: [],
  };
  const { numberFormat } = plan.options;
  for (const column of plan.columns) {
    const { index, header, target } = column;
    const raw = (values[index] ?? "").trim();
    if (!raw) continue;
    const fail = (msg: string) => errors.push(`${header}: ${msg}`);
    const dateFormat = dateFormatAt(plan, index);
    if (readCustom(plan, column, raw, custom, fail)) {
      given.add("custom");
      continue;
    }
    if (readRef(target, raw, refs, fail)) {
      if (target === "stage" || target === "pipeline") given.add("stage");
      if (target.startsWith("company")) given.add("companyId");
      if (target.startsWith("contact")) given.add("contacts");
      continue;
    }
    switch (target) {
      case "name":
        if (raw.length > 200) fail("longer than 200 characters");
        else input.name = raw;
        break;
      case "amount": {
        const n = parseNumber(raw, numberFormat);
        if (n === null) fail(`"${raw}" is not an amount`);
        else if (n < 0) fail(`"${raw}" is negative`);
        else if (Math.abs(n * 100 - Math.round(n * 100)) > 1e-6) fail(`"${raw}" has more than 2 decimals`);
        else if (n >= 1e15) fail(`"${raw}" is too large`);
        else input.amount = n.toFixed(2);
        break;
      }
      case "currency":
        if (/^[A-Za-z]{3}$/.test(raw)) input.currency = raw.toUpperCase();
        else fail(`"${raw}" is not an ISO 4217 currency code such as EUR`);
        break;
      case "probability": {
        const n = parseNumber(raw.replace(/%$/, ""), numberFormat);
        if (n === null || n < 0 || n > 100) fail(`"${raw}" is not a probability from 0 to 100`);
        else refs.probability = Math.round(n);
        continue;
      }
      case "closeDate": {
        const d = parseDate(raw, dateFormat);
        if (d) input.expectedCloseDate = d;
        else fail(notADate(raw, dateFormat));
        break;
      }
      case "createdAt": {
        const d = parseDateTime(raw, dateFormat);
        if (d) input.createdAt = d;
        else fail(notADate(raw, dateFormat));
        continue;
      }
      case "nextStep":
        input.nextStep = raw.slice(0, 500);
        break;
      case "lostReason":
        input.lostReason = raw.slice(0, 300);
        break;
      case "source":
        input.source = raw.slice(0, 100);
        break;
      case "tags": {
        const t = Tags.safeParse(splitList(raw));
        if (t.success) input.tags = t.data;
        else fail(t.error.issues[0]?.message ?? "not a list of tags");
        break;
      }
      default:
        continue;
    }
    given.add(target === "closeDate" ? "expectedCloseDate" : target);
  }
  if (!input.name) errors.push("No deal name");
  if (Object.keys(custom).length) input.custom = custom;
  return errors.length ? { given, refs, errors } : { input, given, refs, errors };
}

const typeAliases: Record<string, ActivityRowInput["type"]> = {
  note: "note",
  notes: "note",
  comment: "note",
  call: "call",
  calls: "call",
  phone: "call",
  phonecall: "call",
  logacall: "call",
  calllog: "call",
  email: "email",
  emails: "email",
  emailmessage: "email",
  listemail: "email",
  sentemail: "email",
  inboundemail: "email",
  meeting: "meeting",
  meetings: "meeting",
  event: "meeting",
  appointment: "meeting",
  lunch: "meeting",
  demo: "meeting",
  task: "task",
  tasks: "task",
  todo: "task",
  followup: "task",
  deadline: "task",
  cadence: "task",
};

const statusAliases: Record<string, NonNullable<ActivityRowInput["status"]>> = {
  open: "open",
  notstarted: "open",
  inprogress: "open",
  waitingonsomeoneelse: "open",
  deferred: "open",
  pending: "open",
  todo: "open",
  new: "open",
  planned: "open",
  scheduled: "open",
  done: "done",
  completed: "done",
  complete: "done",
  closed: "done",
  finished: "done",
  held: "done",
  cancelled: "cancelled",
  canceled: "cancelled",
  abandoned: "cancelled",
};

const priorityAliases: Record<string, NonNullable<ActivityRowInput["priority"]>> = {
  low: "low",
  normal: "normal",
  medium: "normal",
  high: "high",
  urgent: "urgent",
  critical: "urgent",
  highest: "urgent",
};

const outcomeAliases: Record<string, (typeof callOutcomes)[number]> = {
  connected: "connected",
  answered: "connected",
  reached: "connected",
  leftvoicemail: "left_voicemail",
  voicemail: "left_voicemail",
  leftmessage: "left_voicemail",
  noanswer: "no_answer",
  notanswered: "no_answer",
  busy: "busy",
  wrongnumber: "wrong_number",
};

/** "90", "1.5" (minutes) or "01:30" / "01:30:00" (hours:minutes[:seconds]) → seconds. */
function durationFromMinutes(raw: string): number | null {
  const hm = raw.match(/^(\d{1,3}):(\d{2})(?::(\d{2}))?$/);
  if (hm) return Number(hm[1]) * 3600 + Number(hm[2]) * 60 + Number(hm[3] ?? 0);
  const n = parseNumber(raw);
  return n === null || n < 0 ? null : Math.round(n * 60);
}

export function buildActivityRow(plan: Plan, values: string[]): Built {
  const errors: string[] = [];
  const refs: Refs = {};
  const given = new Set<string>();
  const details: Record<string, unknown> = {};
  let type: ActivityRowInput["type"] | undefined;
  const input: ActivityRowInput = { type: "note", subject: null, body: null, at: null, createdAt: null, status: null, priority: null, details };
  const { numberFormat } = plan.options;
  for (const { index, header, target } of plan.columns) {
    const raw = (values[index] ?? "").trim();
    if (!raw) continue;
    const fail = (msg: string) => errors.push(`${header}: ${msg}`);
    const dateFormat = dateFormatAt(plan, index);
    if (readRef(target, raw, refs, fail)) continue;
    const n = normHeader(raw);
    switch (target) {
      case "type":
        type = typeAliases[n];
        if (!type) fail(`"${raw}" is not an activity type (note, call, email, meeting or task)`);
        break;
      case "subject":
        input.subject = raw.slice(0, 300);
        break;
      case "body":
        if (raw.length > 100_000) fail("longer than 100,000 characters");
        else input.body = raw;
        break;
      case "date":
      case "createdAt":
      case "endsAt": {
        const d = parseDateTime(raw, dateFormat);
        if (!d) fail(notADate(raw, dateFormat));
        else if (target === "date") input.at = d;
        else if (target === "createdAt") input.createdAt = d;
        else details.endsAt = d.toISOString();
        break;
      }
      case "status": {
        const b = parseBoolean(raw);
        const s = b === null ? statusAliases[n] : b ? "done" : "open";
        if (s) input.status = s;
        else fail(`"${raw}" is not a task status (open, done or cancelled)`);
        break;
      }
      case "priority": {
        const p = priorityAliases[n];
        if (p) input.priority = p;
        else fail(`"${raw}" is not a priority (low, normal, high or urgent)`);
        break;
      }
      case "direction":
        if (/^(inbound|incoming|in)$/.test(n)) details.direction = "inbound";
        else if (/^(outbound|outgoing|out)$/.test(n)) details.direction = "outbound";
        // Salesforce's "Internal" calls have neither direction.
        else if (n !== "internal") fail(`"${raw}" is not a direction (inbound or outbound)`);
        break;
      case "durationSeconds":
      case "durationMinutes": {
        const secs = target === "durationSeconds" ? parseNumber(raw, numberFormat) : durationFromMinutes(raw);
        if (secs === null || secs < 0 || secs > 86_400 || !Number.isInteger(secs)) fail(`"${raw}" is not a duration`);
        else details.durationSeconds = secs;
        break;
      }
      case "outcome":
        details.outcome = outcomeAliases[n] ?? raw.slice(0, 300);
        break;
      case "location":
        details.location = raw.slice(0, 300);
        break;
    }
    given.add(target);
  }
  input.type = type ?? plan.options.activityType ?? "note";
  // A meeting's length (Pipedrive's "Duration") is its end.
  if (input.type === "meeting" && typeof details.durationSeconds === "number" && input.at && !details.endsAt)
    details.endsAt = new Date(input.at.getTime() + details.durationSeconds * 1000).toISOString();
  if (input.type !== "call") delete details.durationSeconds;
  if (input.type !== "meeting") {
    delete details.location;
    delete details.endsAt;
  }
  if (input.type !== "call" && input.type !== "email") delete details.direction;
  if (input.type !== "call" && input.type !== "meeting") delete details.outcome;
  if (input.type === "task") {
    if (!input.subject) errors.push("No subject: a task needs a title");
  } else {
    input.at ??= input.createdAt;
    if (!input.at) errors.push("No date: map the column that says when it happened");
    if (!input.subject && !input.body) errors.push("No subject and no body: nothing to put on the timeline");
  }
  if (input.type === "meeting" && typeof details.endsAt === "string" && input.at && Date.parse(details.endsAt) < input.at.getTime())
    errors.push("The meeting ends before it starts");
  return errors.length ? { given, refs, errors } : { input, given, refs, errors };
}

const channelAliases: Record<string, TicketRowInput["channel"]> = {
  email: "email",
  mail: "email",
  phone: "phone",
  call: "phone",
  telephone: "phone",
  chat: "chat",
  livechat: "chat",
  socialmedia: "social",
  social: "social",
  twitter: "social",
  facebook: "social",
  web: "web",
  webform: "web",
  form: "web",
  portal: "portal",
  api: "api",
};

/** A ticket row: subject, the customer's first message, status (resolved to the workspace's statuses later), and when. */
export function buildTicketRow(plan: Plan, values: string[]): Built {
  const errors: string[] = [];
  const refs: Refs = {};
  const given = new Set<string>();
  const input: TicketRowInput = {
    subject: "",
    body: null,
    status: null,
    priority: "normal",
    type: null,
    channel: "import",
    contactName: null,
    tags: [],
    satisfaction: null,
    createdAt: null,
    firstResponseAt: null,
    resolvedAt: null,
    firstResponseSeconds: null,
    resolutionSeconds: null,
  };
  for (const { index, header, target } of plan.columns) {
    const raw = (values[index] ?? "").trim();
    if (!raw) continue;
    const fail = (msg: string) => errors.push(`${header}: ${msg}`);
    const dateFormat = dateFormatAt(plan, index);
    if (readRef(target, raw, refs, fail)) continue;
    const n = normHeader(raw);
    switch (target) {
      case "subject":
        input.subject = raw.slice(0, 500);
        break;
      case "body":
        if (raw.length > 200_000) fail("longer than 200,000 characters");
        else input.body = raw;
        break;
      case "status":
        input.status = raw;
        break;
      case "priority": {
        const p = priorityAliases[n];
        if (p) input.priority = p;
        else fail(`"${raw}" is not a priority (low, normal, high or urgent)`);
        break;
      }
      case "type":
        if (/^[\p{L}\p{N} _-]{1,60}$/u.test(raw)) input.type = raw;
        else fail(`"${raw}" is not a ticket type (letters, digits, spaces, _ and -; at most 60)`);
        break;
      case "channel": {
        const c = channelAliases[n];
        if (c) input.channel = c;
        else fail(`"${raw}" is not a channel (email, phone, chat, social media, web, portal or API)`);
        break;
      }
      case "contactName":
        input.contactName = raw.slice(0, 200);
        break;
      case "tags": {
        const tags = Tags.safeParse(splitList(raw));
        if (tags.success) input.tags = tags.data;
        else fail("tags: at most 50, each up to 50 characters");
        break;
      }
      case "satisfaction": {
        const s = parseNumber(raw, plan.options.numberFormat);
        if (s !== null && Number.isInteger(s) && s >= 1 && s <= 5) input.satisfaction = s;
        else fail(`"${raw}" is not a satisfaction rating from 1 to 5`);
        break;
      }
      case "createdAt":
      case "firstResponseAt":
      case "resolvedAt": {
        const d = parseDateTime(raw, dateFormat);
        if (!d) fail(notADate(raw, dateFormat));
        else input[target] = d;
        break;
      }
      case "firstResponseTime":
      case "resolutionTime": {
        const secs = parseDuration(raw);
        if (secs === null) fail(`"${raw}" is not a duration (such as 2:30, 2 h 30 min, P1DT2H or a number of minutes)`);
        else input[target === "firstResponseTime" ? "firstResponseSeconds" : "resolutionSeconds"] = secs;
        break;
      }
    }
    given.add(target);
  }
  if (!input.subject) errors.push("No subject: a ticket needs one");
  return errors.length ? { given, refs, errors } : { input, given, refs, errors };
}
