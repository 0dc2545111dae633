import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../test/harness.js";

/**
 * Every operation of the OpenAPI document, called by workspace B with workspace A's ids in its path, query and body:
 * generated from the document, so a new route is covered the day it is added. B must never see A's data (no A marker
 * text in any answer, none of A's ids in a successful one), never get a 5xx, and A's records must read the same
 * afterwards as before.
 */

const MARK = "Qzmarker";
type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minItems?: number;
  minimum?: number;
  minLength?: number;
  pattern?: string;
  $ref?: string;
  default?: unknown;
};
type Param = { name: string; in: "path" | "query" | "header" | "cookie"; required?: boolean; schema?: Schema };
type Operation = { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

/**
 * Routes whose meaning is "anyone holding the link or token": not a workspace boundary B could cross. Each says why;
 * they are still called (no 5xx), only not held to the isolation rules.
 */
const PUBLIC: Record<string, string> = {
  "POST /api/public/forms/{formId}/submissions": "a published form takes submissions from anyone on the internet",
  "GET /api/calendar/{file}": "the feed's secret file name is the credential",
  "POST /hooks/in/{token}": "the token is the credential",
  "POST /api/v1/auth/signup": "creates a new workspace",
  "POST /api/v1/auth/login": "signs in by email and password",
};

/** Operations that end B's session: run last, so everything else is called signed in. */
const LAST = new Set(["POST /api/v1/auth/logout"]);

const uuid = () => crypto.randomUUID();

describe.each(databaseKinds)("every OpenAPI operation keeps workspaces apart on %s", (kind) => {
  let t: TestApp;
  let a: Client;
  let b: Client;
  let doc: Doc;
  /** A's ids by the name a path parameter or body field would give them. */
  const ids: Record<string, string> = {};
  const created = async (res: Promise<LightMyRequestResponse>, what: string): Promise<Record<string, unknown>> => {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`seeding ${what}: ${r.statusCode} ${r.body}`);
    return r.json() as Record<string, unknown>;
  };

  beforeAll(async () => {
    // The test compares A's records before and after B's requests, so nothing else may change them meanwhile: no job
    // worker here (scoring, webhook deliveries), and on PostgreSQL a database of its own, out of the reach of the
    // workers of suites running beside it on the shared one.
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: false } });
    a = await newWorkspace(t.app, `${MARK} workspace`);
    b = await newWorkspace(t.app, "Beta");
    ids.user = a.session.me?.user.id as string;
    ids.company = (await created(a.post("/api/v1/companies", { name: `${MARK} Corp`, domain: "qzmarker-corp.com" }), "company")).id as string;
    const contact = { firstName: MARK, lastName: "Contact", emails: [{ email: "first@qzmarker-corp.com" }], companyId: ids.company };
    ids.contact = (await created(a.post("/api/v1/contacts", contact), "contact")).id as string;
    // A duplicate pair, for the duplicates routes.
    ids.contact2 = (await created(a.post("/api/v1/contacts", { ...contact, lastName: "Twin" }), "contact")).id as string;
    await created(a.post("/api/v1/duplicates/scan", { object: "contact" }), "scan");
    const pipelines = (await created(a.get("/api/v1/pipelines"), "pipelines")).data as { id: string; stages: { id: string }[] }[];
    ids.pipeline = pipelines[0]?.id as string;
    ids.stage = pipelines[0]?.stages[0]?.id as string;
    ids.product = (await created(a.post("/api/v1/products", { name: `${MARK} widget`, sku: "QZ-1", unitPrice: "10", currency: "USD" }), "product"))
      .id as string;
    ids.priceList = (
      await created(a.post("/api/v1/price-lists", { name: `${MARK} list`, currency: "USD", entries: [{ productId: ids.product, price: 9 }] }), "price list")
    ).id as string;
    const deal = {
      name: `${MARK} deal`,
      pipelineId: ids.pipeline,
      currency: "USD",
      amount: 1000,
      companyId: ids.company,
      contacts: [{ contactId: ids.contact }],
    };
    ids.deal = (await created(a.post("/api/v1/deals", deal), "deal")).id as string;
    const items = (await created(a.post(`/api/v1/deals/${ids.deal}/line-items`, { productId: ids.product, quantity: 2 }), "line item")).data as {
      id: string;
    }[];
    ids.item = items[0]?.id as string;
    ids.activity = (await created(a.post(`/api/v1/contacts/${ids.contact}/activities`, { type: "note", body: `${MARK} note` }), "activity")).id as string;
    const start = new Date(Date.now() + 86_400_000);
    ids.meeting = (
      await created(
        a.post("/api/v1/meetings", { subject: `${MARK} meeting`, startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3_600_000).toISOString() }),
        "meeting",
      )
    ).id as string;
    const task = { title: `${MARK} task`, dueAt: start.toISOString(), related: { object: "contact", id: ids.contact } };
    ids.task = (await created(a.post("/api/v1/tasks", task), "task")).id as string;
    ids.team = (await created(a.post("/api/v1/teams", { name: `${MARK} team`, memberIds: [ids.user] }), "team")).id as string;
    ids.apiKey = (await created(a.post("/api/v1/api-keys", { name: `${MARK} key`, role: "admin" }), "api key")).id as string;
    ids.field = (await created(a.post("/api/v1/custom-fields", { object: "contact", label: `${MARK} tier`, key: "tier", type: "text" }), "field")).id as string;
    ids.validationRule = (await created(a.post("/api/v1/validation-rules", { object: "company", field: "industry", required: true }), "rule")).id as string;
    ids.slaCalendar = (await created(a.post("/api/v1/sla/calendars", { name: `${MARK} hours`, timeZone: "UTC" }), "calendar")).id as string;
    ids.slaPolicy = (await created(a.post("/api/v1/sla/policies", { name: `${MARK} policy`, resolutionMinutes: 60 }), "policy")).id as string;
    ids.insightModel = (await created(a.post("/api/v1/insights/models", { kind: "deal_win", name: `${MARK} model` }), "model")).id as string;
    ids.view = (await created(a.post("/api/v1/views", { object: "contact", name: `${MARK} view`, shared: true, state: { filters: [], columns: [] } }), "view"))
      .id as string;
    const report = { name: `${MARK} report`, visibility: "workspace", definition: { object: "contact", measures: [{ fn: "count" }] } };
    ids.report = (await created(a.post("/api/v1/reports", report), "report")).id as string;
    const dashboard = {
      name: `${MARK} dashboard`,
      visibility: "workspace",
      widgets: [
        { id: "w1", kind: "report", reportId: ids.report, layout: { x: 0, y: 0, w: 6, h: 6 } },
        { id: "w2", kind: "note", title: `${MARK} note`, text: `${MARK} focus`, layout: { x: 6, y: 0, w: 6, h: 6 } },
      ],
    };
    ids.dashboard = (await created(a.post("/api/v1/dashboards", dashboard), "dashboard")).id as string;
    const form = {
      name: `${MARK} form`,
      fields: [
        { key: "firstName", label: "First name" },
        { key: "email", label: "Email" },
      ],
    };
    ids.form = (await created(a.post("/api/v1/forms", form), "form")).id as string;
    ids.assignmentRule = (await created(a.post("/api/v1/assignment-rules", { name: `${MARK} rule`, target: { kind: "user", userId: ids.user } }), "rule"))
      .id as string;
    const scoring = { kind: "field", name: `${MARK} score`, conditions: [{ field: "jobTitle", op: "contains", value: "CTO" }], points: 10 };
    ids.scoringRule = (await created(a.post("/api/v1/scoring-rules", scoring), "scoring rule")).id as string;
    ids.lostReason = (await created(a.post("/api/v1/lost-reasons", { name: `${MARK} reason` }), "lost reason")).id as string;
    ids.mapping = (await created(a.post("/api/v1/imports/mappings", { object: "contact", name: `${MARK} mapping`, mapping: { Mail: "email" } }), "mapping"))
      .id as string;
    ids.webhook = (await created(a.post("/api/v1/webhooks", { url: "https://qzmarker.example/hook", eventTypes: ["contact.created"] }), "webhook"))
      .id as string;
    ids.inbound = (await created(a.post("/api/v1/webhooks/inbound", { name: `${MARK} inbound` }), "inbound hook")).id as string;
    ids.queue = (await created(a.post("/api/v1/ticket-queues", { name: `${MARK} queue`, routing: "round_robin", memberIds: [ids.user] }), "queue"))
      .id as string;
    const ticket = { subject: `${MARK} ticket`, contactId: ids.contact, queueId: ids.queue, message: { bodyText: `${MARK} first message` } };
    ids.ticket = (await created(a.post("/api/v1/tickets", ticket), "ticket")).id as string;
    await created(a.post(`/api/v1/tickets/${ids.ticket}/messages`, { kind: "note", bodyText: `${MARK} internal note` }), "ticket note");
    const routing = { name: `${MARK} routing`, condition: { all: [{ field: "channel", op: "eq", value: "email" }] }, queueId: ids.queue };
    ids.routingRule = (await created(a.post("/api/v1/ticket-routing-rules", routing), "routing rule")).id as string;
    ids.segment = (await created(a.post("/api/v1/segments", { name: `${MARK} list`, kind: "static" }), "segment")).id as string;
    await created(a.post(`/api/v1/segments/${ids.segment}/members`, { contactIds: [ids.contact] }), "list member");
    ids.topic = (await created(a.post("/api/v1/consent/topics", { name: `${MARK} topic` }), "topic")).id as string;
    ids.template = (await created(a.post("/api/v1/email-templates", { name: `${MARK} template`, subject: "Hi" }), "template")).id as string;
    const campaign = { name: `${MARK} campaign`, templateId: ids.template, audience: { include: [ids.segment] } };
    ids.campaign = (await created(a.post("/api/v1/campaigns", campaign), "campaign")).id as string;
    await created(
      a.post(`/api/v1/contacts/${ids.contact}/consent`, { channel: "email", topicId: ids.topic, status: "granted", note: `${MARK} proof` }),
      "consent",
    );
    await created(a.post("/api/v1/suppressions", { address: "second@qzmarker-corp.com", note: `${MARK} note` }), "suppression");
    const candidates = (await created(a.get("/api/v1/duplicates?object=contact"), "duplicates")).data as { id: string }[];
    ids.duplicate = candidates[0]?.id ?? uuid();
    doc = (await b.get("/api/openapi.json")).json() as Doc;
  });
  afterAll(() => t?.close());

  /** The A id a parameter or field of this name (on this path) stands for; a random id when A has none such. */
  function idFor(name: string, path: string): string {
    const n = name.toLowerCase();
    const byField: Record<string, string | undefined> = {
      contactid: ids.contact,
      companyid: ids.company,
      parentid: ids.company,
      dealid: ids.deal,
      ownerid: ids.user,
      userid: ids.user,
      assigneeid: ids.user,
      subjectid: ids.user,
      fallbackownerid: ids.user,
      pipelineid: ids.pipeline,
      stageid: ids.stage,
      productid: ids.product,
      pricelistid: ids.priceList,
      teamid: ids.team,
      formid: ids.form,
      itemid: ids.item,
      survivorid: ids.contact,
      loserid: ids.contact2,
      fieldid: ids.field,
      activityid: ids.activity,
      taskid: ids.task,
      calendarid: ids.slaCalendar,
      ticketid: ids.ticket,
      topicid: ids.topic,
      queueid: ids.queue,
      recordid: ids.contact,
      memberids: ids.user,
      contactids: ids.contact,
      ids: ids.contact,
    };
    if (byField[n]) return byField[n] as string;
    if (n !== "id") return uuid();
    const byResource: [RegExp, string | undefined][] = [
      [/^\/api\/v1\/imports\/mappings\//, ids.mapping],
      [/^\/api\/v1\/webhooks\/inbound\//, ids.inbound],
      [/^\/api\/v1\/contacts\//, ids.contact],
      [/^\/api\/v1\/companies\//, ids.company],
      [/^\/api\/v1\/deals\//, ids.deal],
      [/^\/api\/v1\/tasks\//, ids.task],
      [/^\/api\/v1\/tickets\//, ids.ticket],
      [/^\/api\/v1\/ticket-queues\//, ids.queue],
      [/^\/api\/v1\/ticket-routing-rules\//, ids.routingRule],
      [/^\/api\/v1\/activities\//, ids.activity],
      [/^\/api\/v1\/meetings\//, ids.meeting],
      [/^\/api\/v1\/forms\//, ids.form],
      [/^\/api\/v1\/assignment-rules\//, ids.assignmentRule],
      [/^\/api\/v1\/scoring-rules\//, ids.scoringRule],
      [/^\/api\/v1\/users\//, ids.user],
      [/^\/api\/v1\/teams\//, ids.team],
      [/^\/api\/v1\/api-keys\//, ids.apiKey],
      [/^\/api\/v1\/custom-fields\//, ids.field],
      [/^\/api\/v1\/views\//, ids.view],
      [/^\/api\/v1\/reports\//, ids.report],
      [/^\/api\/v1\/dashboards\//, ids.dashboard],
      [/^\/api\/v1\/validation-rules\//, ids.validationRule],
      [/^\/api\/v1\/sla\/calendars\//, ids.slaCalendar],
      [/^\/api\/v1\/sla\/policies\//, ids.slaPolicy],
      [/^\/api\/v1\/insights\/models\//, ids.insightModel],
      [/^\/api\/v1\/duplicates\//, ids.duplicate],
      [/^\/api\/v1\/pipelines\//, ids.pipeline],
      [/^\/api\/v1\/lost-reasons\//, ids.lostReason],
      [/^\/api\/v1\/products\//, ids.product],
      [/^\/api\/v1\/price-lists\//, ids.priceList],
      [/^\/api\/v1\/webhooks\//, ids.webhook],
      [/^\/api\/v1\/segments\//, ids.segment],
      [/^\/api\/v1\/consent\/topics\//, ids.topic],
      [/^\/api\/v1\/campaigns\//, ids.campaign],
      [/^\/api\/v1\/email-templates\//, ids.template],
    ];
    return byResource.find(([re]) => re.test(path))?.[1] ?? uuid();
  }

  function resolve(schema: Schema | undefined): Schema {
    let s = schema ?? {};
    for (let i = 0; s.$ref && i < 10; i++) s = doc.components?.schemas?.[s.$ref.replace("#/components/schemas/", "")] ?? {};
    if (s.allOf?.length) return Object.assign({}, ...s.allOf.map(resolve)) as Schema;
    return s;
  }

  const isUuid = (s: Schema) => s.format === "uuid";

  /** A value the schema accepts, as plain as possible (an A id where it asks for an id named `name`). */
  function sample(schema: Schema | undefined, name: string, path: string, depth = 0): unknown {
    const s = resolve(schema);
    const options = (s.anyOf ?? s.oneOf)?.map(resolve).filter((o) => o.type !== "null");
    if (options?.length) return sample(options[0], name, path, depth);
    if (s.const !== undefined) return s.const;
    if (s.enum?.length) return s.enum[0];
    if (s.default !== undefined && s.type !== "object") return s.default;
    const type = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
    if (isUuid(s)) return idFor(name, path);
    if (type === "string") {
      if (s.format === "email") return "eve@beta.example";
      if (s.format === "date-time") return new Date(Date.now() + 86_400_000).toISOString();
      if (s.format === "date") return "2026-06-30";
      if (s.format === "uri" || s.format === "url") return "https://beta.example/x";
      if (/currency/i.test(name)) return "USD";
      if (/color|colour/i.test(name)) return "#336699";
      return "Eve";
    }
    if (type === "number" || type === "integer") return Math.max(1, s.minimum ?? 1);
    if (type === "boolean") return false;
    if (type === "array") {
      const item = resolve(s.items);
      if (isUuid(item)) return [idFor(name, path)];
      return depth > 3 ? [] : Array.from({ length: s.minItems ?? 0 }, () => sample(item, name, path, depth + 1));
    }
    if (type === "object" || s.properties) {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      for (const key of s.required ?? []) out[key] = sample(s.properties?.[key], key, path, depth + 1);
      return out;
    }
    return "Eve";
  }

  /** Paths (a.b) of every id-holding field in a body schema, nested objects included, for one request per field. */
  function idFields(schema: Schema | undefined, prefix: string[] = [], depth = 0): string[][] {
    const s = resolve(schema);
    const options = (s.anyOf ?? s.oneOf)?.map(resolve).filter((o) => o.type !== "null");
    if (options?.length) return options.flatMap((o) => idFields(o, prefix, depth));
    if (depth > 4) return [];
    const out: string[][] = [];
    for (const [key, raw] of Object.entries(s.properties ?? {})) {
      const p = resolve(raw);
      const variants = [p, ...((p.anyOf ?? p.oneOf)?.map(resolve) ?? [])];
      if (variants.some((v) => isUuid(v) || (v.type === "array" && isUuid(resolve(v.items))))) out.push([...prefix, key]);
      else if (variants.some((v) => v.properties || v.type === "object" || (v.type === "array" && resolve(v.items).properties)))
        out.push(...variants.flatMap((v) => idFields(v.type === "array" ? v.items : v, [...prefix, key], depth + 1)));
    }
    return out;
  }

  function withField(body: unknown, schema: Schema | undefined, fieldPath: string[], path: string): unknown {
    const copy = structuredClone(body ?? {}) as Record<string, unknown>;
    let at: Record<string, unknown> = copy;
    let s = resolve(schema);
    for (const [i, key] of fieldPath.entries()) {
      const variants = [s, ...((s.anyOf ?? s.oneOf)?.map(resolve) ?? [])];
      const holder = variants.find((v) => v.properties?.[key]) ?? s;
      const fieldSchema = resolve(holder.properties?.[key]);
      if (i === fieldPath.length - 1) {
        at[key] = sample(fieldSchema, key, path);
        break;
      }
      const inner = [fieldSchema, ...((fieldSchema.anyOf ?? fieldSchema.oneOf)?.map(resolve) ?? [])].find((v) => v.type !== "null") ?? fieldSchema;
      if (inner.type === "array") {
        const item = sample(inner.items, key, path, 1) as Record<string, unknown>;
        at[key] = [item];
        at = item;
        s = resolve(inner.items);
      } else {
        const next = (at[key] as Record<string, unknown> | undefined) ?? (sample(inner, key, path, 1) as Record<string, unknown>);
        at[key] = next;
        at = next;
        s = inner;
      }
    }
    return copy;
  }

  interface Call {
    op: string;
    method: string;
    url: string;
    body?: unknown;
  }

  function calls(): Call[] {
    const out: Call[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        const params = op.parameters ?? [];
        const url = path.replace(/\{(\w+)\}/g, (_, p: string) => (p === "queue" ? "contacts.rescore" : idFor(p, path)));
        const query = params
          .filter((p) => p.in === "query")
          .map((p) => {
            const s = resolve(p.schema);
            const value = isUuid(s) || /id$|ids$/i.test(p.name) ? idFor(p.name, path) : p.required ? sample(s, p.name, path) : undefined;
            return value === undefined ? undefined : `${encodeURIComponent(p.name)}=${encodeURIComponent(String(value))}`;
          })
          .filter(Boolean);
        const fullUrl = query.length ? `${url}?${query.join("&")}` : url;
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        const base = schema ? sample(schema, "body", path) : undefined;
        out.push({ op: name, method: method.toUpperCase(), url: fullUrl, body: base });
        for (const field of schema ? idFields(schema) : []) {
          out.push({ op: `${name} [${field.join(".")}]`, method: method.toUpperCase(), url: fullUrl, body: withField(base, schema, field, path) });
        }
      }
    }
    // Reads first, then writes, deletes and, last of all, whatever ends B's session.
    const rank = (c: Call) => (LAST.has(c.op.split(" [")[0] as string) ? 4 : c.method === "GET" ? 0 : c.method === "DELETE" ? 2 : 1);
    return out.sort((x, y) => rank(x) - rank(y));
  }

  /** What A sees of its own records: must be the same after B's calls. */
  async function aView(): Promise<Record<string, unknown>> {
    const urls = [
      `/api/v1/contacts/${ids.contact}`,
      `/api/v1/companies/${ids.company}`,
      `/api/v1/deals/${ids.deal}`,
      `/api/v1/deals/${ids.deal}/line-items`,
      `/api/v1/tasks/${ids.task}`,
      `/api/v1/tickets/${ids.ticket}`,
      `/api/v1/tickets/${ids.ticket}/messages`,
      `/api/v1/ticket-queues/${ids.queue}`,
      "/api/v1/ticket-routing-rules",
      "/api/v1/ticket-statuses",
      `/api/v1/contacts/${ids.contact}/timeline`,
      `/api/v1/users/${ids.user}`,
      `/api/v1/forms/${ids.form}`,
      `/api/v1/pipelines/${ids.pipeline}`,
      `/api/v1/products/${ids.product}`,
      `/api/v1/price-lists/${ids.priceList}`,
      `/api/v1/webhooks/${ids.webhook}`,
      "/api/v1/teams",
      "/api/v1/custom-fields",
      "/api/v1/validation-rules",
      "/api/v1/views",
      "/api/v1/reports",
      `/api/v1/reports/${ids.report}`,
      "/api/v1/assignment-rules",
      "/api/v1/scoring-rules",
      "/api/v1/lost-reasons",
      "/api/v1/imports/mappings",
      "/api/v1/webhooks/inbound",
      "/api/v1/workspace",
      `/api/v1/dashboards/${ids.dashboard}`,
    ];
    const out: Record<string, unknown> = {};
    for (const url of urls) {
      const res = await a.get(url);
      out[url] = res.statusCode === 200 ? res.json() : res.statusCode;
    }
    // A key's last use moves when A itself calls; not B's doing.
    out.keys = ((await a.get("/api/v1/api-keys")).json() as { data: { id: string; name: string; revokedAt: string | null }[] }).data.map((k) => [
      k.id,
      k.name,
      k.revokedAt,
    ]);
    return out;
  }

  it("covers every operation, answers none with a 5xx, shows B none of A's data and changes none of it", async () => {
    const before = await aView();
    const aIds = new Set(Object.values(ids));
    const problems: string[] = [];
    const all = calls();
    const operations = new Set(all.map((c) => c.op.split(" [")[0]));
    let unauthenticated = 0;
    for (const c of all) {
      const res = await b.call(c.method as "GET", c.url, c.body);
      const where = `${c.op} ${c.url} ${c.body === undefined ? "" : JSON.stringify(c.body)} → ${res.statusCode}`;
      if (res.statusCode >= 500) problems.push(`${where}: server error ${res.body.slice(0, 300)}`);
      const isPublic = PUBLIC[c.op.split(" [")[0] as string] !== undefined;
      if (res.statusCode === 401 && !isPublic && !LAST.has(c.op)) unauthenticated++;
      if (isPublic) continue;
      if (res.body.includes(MARK) || res.body.toLowerCase().includes(MARK.toLowerCase()))
        problems.push(`${where}: answered with A's data ${res.body.slice(0, 300)}`);
      if (res.statusCode < 300) {
        const leaked = [...aIds].filter((id) => res.body.includes(id));
        if (leaked.length) problems.push(`${where}: a successful answer holds A's ids ${leaked.join(", ")}: ${res.body.slice(0, 300)}`);
      }
    }
    expect(problems).toEqual([]);
    // Every documented operation was called, and as B signed in (a 401 would have checked nothing).
    expect(operations.size).toBe(Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0));
    expect(unauthenticated).toBe(0);
    expect(await aView()).toEqual(before);
  });
});
