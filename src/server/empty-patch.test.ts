import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, unique, userWithRole } from "../test/harness.js";

const idOf = (res: LightMyRequestResponse): string => {
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
};

/**
 * `PATCH … {}` changes nothing and must say so with the record as it is (or name a required field), never a 500 from
 * an empty UPDATE. The table
 * names one record per PATCH route; the test fails when a PATCH route is added without a line here.
 */
describe.each(databaseKinds)("PATCH with an empty body on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
  });
  afterAll(() => t.close());

  it("answers every PATCH route's {} with 200 and the unchanged record", async () => {
    const a = admin;
    const contactId = idOf(await a.post("/api/v1/contacts", { firstName: "Ada", lastName: "Patch" }));
    const sales = await userWithRole(t.app, a, "sales");
    const productId = idOf(await a.post("/api/v1/products", { name: "Seat", sku: unique("sku"), unitPrice: 10, currency: "EUR" }));
    const targets: Record<string, () => Promise<string | null>> = {
      "/validation-rules/{id}": async () => idOf(await a.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true })),
      "/companies/{id}": async () => idOf(await a.post("/api/v1/companies", { name: "Acme Patch" })),
      "/pipelines/{id}": async () => idOf(await a.post("/api/v1/pipelines", { name: unique("Pipe"), stages: [{ name: "One", probability: 5 }] })),
      "/lost-reasons/{id}": async () => idOf(await a.post("/api/v1/lost-reasons", { name: unique("Reason") })),
      "/deals/{id}": async () => idOf(await a.post("/api/v1/deals", { name: "Deal Patch" })),
      "/users/{id}": async () => sales.userId,
      "/teams/{id}": async () => idOf(await a.post("/api/v1/teams", { name: unique("Team"), memberIds: [sales.userId] })),
      "/views/{id}": async () => idOf(await a.post("/api/v1/views", { object: "contact", name: "Mine", shared: false, state: {} })),
      "/tasks/{id}": async () => idOf(await a.post("/api/v1/tasks", { title: "Call back" })),
      "/reports/{id}": async () => idOf(await a.post("/api/v1/reports", { name: "Counts", definition: { object: "deal", measures: [{ fn: "count" }] } })),
      "/dashboards/{id}": async () => idOf(await a.post("/api/v1/dashboards", { name: "Board" })),
      "/workspace": async () => null,
      "/forms/{id}": async () => idOf(await a.post("/api/v1/forms", { name: "Contact us", fields: [{ key: "email", label: "Email" }] })),
      "/assignment-rules/{id}": async () =>
        idOf(await a.post("/api/v1/assignment-rules", { name: "Everyone", target: { kind: "user", userId: sales.userId } })),
      "/contacts/{id}": async () => contactId,
      "/activities/{id}": async () => idOf(await a.post(`/api/v1/contacts/${contactId}/activities`, { type: "note", body: "<p>Hello</p>" })),
      "/products/{id}": async () => productId,
      "/price-lists/{id}": async () => idOf(await a.post("/api/v1/price-lists", { name: unique("List"), currency: "EUR", entries: [{ productId, price: 8 }] })),
      "/meetings/{id}": async () =>
        idOf(
          await a.post("/api/v1/meetings", {
            subject: "Kick-off",
            startsAt: "2030-01-02T09:00:00Z",
            endsAt: "2030-01-02T10:00:00Z",
            attendees: { contactIds: [contactId] },
          }),
        ),
      "/webhooks/{id}": async () => idOf(await a.post("/api/v1/webhooks", { url: "https://hooks.example.com/rapport", eventTypes: ["contact.created"] })),
      "/webhooks/settings": async () => null,
      "/workflows/{id}": async () => idOf(await a.post("/api/v1/workflows", { name: unique("Workflow") })),
      "/custom-fields/{id}": async () => idOf(await a.post("/api/v1/custom-fields", { object: "contact", label: unique("Tier"), type: "text" })),
      "/roles/{id}": async () => idOf(await a.post("/api/v1/roles", { name: unique("Partner") })),
      "/tickets/{id}": async () => idOf(await a.post("/api/v1/tickets", { subject: "Patch me", tags: ["x"] })),
      "/ticket-statuses/{key}": async () => "pending_customer",
      "/ticket-queues/{id}": async () => idOf(await a.post("/api/v1/ticket-queues", { name: unique("Queue"), memberIds: [sales.userId] })),
      "/canned-replies/{id}": async () => idOf(await a.post("/api/v1/canned-replies", { name: unique("Canned"), body: "Hello {{ contact.first_name }}" })),
      "/macros/{id}": async () => idOf(await a.post("/api/v1/macros", { name: unique("Macro"), changes: { priority: "high" } })),
      "/csat/settings": async () => null,
      "/kb/settings": async () => null,
      "/email-templates/{id}": async () => idOf(await a.post("/api/v1/email-templates", { name: unique("Template"), subject: "Hi {{ contact.firstName }}" })),
      "/settings/email-sending": async () => null,

      "/segments/{id}": async () => idOf(await a.post("/api/v1/segments", { name: unique("Segment"), kind: "static" })),
      "/sequences/{id}": async () => idOf(await a.post("/api/v1/sequences", { name: unique("Sequence") })),
      "/campaigns/{id}": async () => {
        const templateId = idOf(await a.post("/api/v1/email-templates", { name: unique("Template"), subject: "Hi" }));
        const segmentId = idOf(await a.post("/api/v1/segments", { name: unique("Segment"), kind: "static" }));
        return idOf(await a.post("/api/v1/campaigns", { name: unique("Campaign"), templateId, audience: { include: [segmentId] } }));
      },
      "/consent/topics/{id}": async () => idOf(await a.post("/api/v1/consent/topics", { name: unique("Topic") })),
      "/kb/categories/{id}": async () => idOf(await a.post("/api/v1/kb/categories", { name: unique("Category") })),
      "/kb/articles/{id}": async () => idOf(await a.post("/api/v1/kb/articles", { title: unique("Article"), bodyHtml: "<p>x</p>" })),
      "/mailboxes/{id}": async () => idOf(await a.post("/api/v1/mailboxes", { name: unique("Help"), address: `${unique("help")}@support.example.com` })),
      "/sla/calendars/{id}": async () => idOf(await a.post("/api/v1/sla/calendars", { name: unique("Hours"), timeZone: "Europe/Berlin" })),
      "/sla/policies/{id}": async () => idOf(await a.post("/api/v1/sla/policies", { name: unique("Policy"), resolutionMinutes: 60 })),
      "/insights/models/{id}": async () => idOf(await a.post("/api/v1/insights/models", { kind: "deal_win" })),
      "/ticket-routing-rules/{id}": async () => {
        const queueId = idOf(await a.post("/api/v1/ticket-queues", { name: unique("Queue") }));
        return idOf(
          await a.post("/api/v1/ticket-routing-rules", { name: "Phones", condition: { all: [{ field: "channel", op: "eq", value: "phone" }] }, queueId }),
        );
      },
    };

    const spec = (await a.get("/api/openapi.json")).json() as { paths: Record<string, Record<string, unknown>> };
    const patchRoutes = Object.keys(spec.paths)
      .filter((p) => spec.paths[p]?.patch)
      .map((p) => p.replace(/^\/api\/v1/, ""));
    expect(patchRoutes.sort()).toEqual(Object.keys(targets).sort());

    const failures: string[] = [];
    for (const route of patchRoutes) {
      const id = await (targets[route] as () => Promise<string | null>)();
      const url = `/api/v1${id ? route.replace(/\{(id|key)\}/, id) : route}`;
      const before = await a.get(url);
      const res = await a.patch(url, {});
      // A route whose body has a required field (a lost reason's name) may refuse {} as bad input, naming the field.
      if (res.statusCode === 400 && res.json().code === "validation_failed" && res.json().errors?.length) continue;
      if (res.statusCode !== 200) {
        failures.push(`${route}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        continue;
      }
      const { updatedAt: _after, scoredAt: _scoredAfter, ...body } = res.json() as Record<string, unknown>;
      if (id && (body.id ?? body.key) !== id) failures.push(`${route}: answered another record`);
      // Where the record can be read back, none of its values moved (some services still touch updatedAt;
      // a contact's score is recomputed, and its scoredAt says when).
      if (before.statusCode === 200) {
        const { updatedAt: _before, scoredAt: _scoredBefore, ...was } = before.json() as Record<string, unknown>;
        if (JSON.stringify(body) !== JSON.stringify(was)) failures.push(`${route}: changed ${JSON.stringify(was)} → ${JSON.stringify(body)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
