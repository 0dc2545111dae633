import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TestClock } from "pg-boss";
import { Webhook as Verifier } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { postJson } from "./delivery.js";
import { guardedLookup, isPrivateAddress } from "./ssrf.js";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What standardwebhooks' verify() made of it with each secret the test knows for that path. */
  verified: boolean;
  verifiedWith: string[];
}

/**
 * A subscriber on loopback: verifies every message with the `standardwebhooks` package, as a real receiver would,
 * and answers what the test tells it to, per path.
 */
async function startReceiver() {
  const received: Received[] = [];
  const secrets = new Map<string, string[]>();
  const answers = new Map<string, { status: number; headers?: Record<string, string> }[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const verifiedWith: string[] = [];
      for (const secret of secrets.get(path) ?? []) {
        try {
          new Verifier(secret).verify(body, req.headers as Record<string, string>);
          verifiedWith.push(secret);
        } catch {
          // Not signed with this one.
        }
      }
      received.push({ path, headers: req.headers, body, verified: verifiedWith.length > 0, verifiedWith });
      const queue = answers.get(path);
      const answer = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? { status: 204 };
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.status >= 400 ? `nope ${"x".repeat(5000)}` : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    secrets,
    /** Answers for a path, in turn; the last one repeats. */
    answer: (path: string, ...list: { status: number; headers?: Record<string, string> }[]) => answers.set(path, list),
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("request forgery guard", () => {
  it("knows private, loopback, link-local and mapped addresses from public ones", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  it("checks the address a name resolves to at connect time, and refuses loopback literals without connecting", async () => {
    // The socket's own lookup: "localhost" resolves to loopback, so the connection is refused whatever the name.
    const err = await new Promise<Error | null>((resolve) => guardedLookup("localhost", { all: true }, (e) => resolve(e)));
    expect(err?.message).toMatch(/resolves to .*loopback/);
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const refused = await postJson(`http://127.0.0.1:${port}/`, {}, "{}", { allowPrivate: false });
    expect(refused).toMatchObject({ status: null, error: expect.stringMatching(/^Refused: /) });
    const local = await postJson(`http://localhost:${port}/`, {}, "{}", { allowPrivate: false });
    expect(local.error).toMatch(/^Refused: /);
    expect(hits).toBe(0);
    expect((await postJson(`http://127.0.0.1:${port}/`, {}, "{}", { allowPrivate: true })).status).toBe(200);
    expect(hits).toBe(1);
    // Redirects are answers, not instructions: a 3xx is not followed.
    const redirect = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${port}/` });
      res.end();
    });
    await new Promise<void>((resolve) => redirect.listen(0, "127.0.0.1", resolve));
    expect((await postJson(`http://127.0.0.1:${(redirect.address() as AddressInfo).port}/`, {}, "{}", { allowPrivate: true })).status).toBe(307);
    expect(hits).toBe(1);
    await new Promise((r) => redirect.close(r));
    await new Promise((r) => server.close(r));
  });
});

describe.each(databaseKinds)("webhooks on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const clock = new TestClock(Date.now());

  /** Moves time in steps until the condition holds (each step lets due timers, polls and sends run). */
  // The shared clock wait: it also gives a loaded machine's worker real time once the clock has moved far enough.
  const until = (cond: () => Promise<boolean> | boolean, stepMs = 500, steps = 200) => untilOnClock(clock, cond, stepMs, steps);

  beforeAll(async () => {
    receiver = await startReceiver();
    // A database of its own on PostgreSQL: the moved clock would move time for every suite on the shared one.
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1, webhookTimeoutMs: 3000 } });
    admin = await newWorkspace(t.app);
    // Wait for the worker to register the "webhooks" consumer: it starts at the present.
    await until(async () => ((await admin.get("/api/v1/jobs")).json().consumers as { name: string }[]).some((c) => c.name === "webhooks"));
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function subscribe(path: string, body: Record<string, unknown>) {
    // The receiver is on loopback: the workspace allows private targets (the self-hosted intranet case).
    await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true });
    const res = await admin.post("/api/v1/webhooks", { url: `${receiver.base}${path}`, ...body });
    expect(res.statusCode, res.body).toBe(201);
    const hook = res.json() as { id: string; secret: string };
    receiver.secrets.set(path, [hook.secret]);
    return hook;
  }
  const deliveries = async (id: string) =>
    (await admin.get(`/api/v1/webhooks/${id}/deliveries`)).json().data as {
      id: string;
      eventType: string;
      recordId: string;
      status: string;
      attempts: number;
      messageId: string;
      nextAttemptAt: string | null;
      log: { attempt: number; responseStatus: number | null; responseBody: string | null; error: string | null; requestHeaders: Record<string, string> }[];
    }[];

  it("refuses malformed subscriptions with problem+json and saves nothing", async () => {
    const bad = async (body: Record<string, unknown>, path: string) => {
      const p = expectProblem(await admin.post("/api/v1/webhooks", body), 400, "validation_failed");
      expect((p.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    };
    await bad({ url: "not a url", eventTypes: ["contact.created"] }, "url");
    await bad({ url: "ftp://example.com/x", eventTypes: ["contact.created"] }, "url");
    await bad({ url: "https://example.com/x", eventTypes: ["contact.exploded"] }, "eventTypes.0");
    await bad({ url: "https://example.com/x", eventTypes: [] }, "eventTypes");
    await bad({ url: "https://example.com/x", eventTypes: ["deal.updated"], conditions: [{ field: "stage", op: "eq" }] }, "conditions.0.value");
    await bad({ url: "https://example.com/x", eventTypes: ["deal.updated"], conditions: [{ field: "x;drop", op: "empty" }] }, "conditions.0.field");
    // Private, loopback and link-local targets are refused while the workspace does not allow them.
    await bad({ url: `${receiver.base}/hook`, eventTypes: ["contact.created"] }, "url");
    await bad({ url: "http://169.254.169.254/latest/meta-data", eventTypes: ["contact.created"] }, "url");
    await bad({ url: "http://localhost:9/x", eventTypes: ["contact.created"] }, "url");
    await bad({ url: "http://[::1]:9/x", eventTypes: ["contact.created"] }, "url");
    expect((await admin.get("/api/v1/webhooks")).json().data).toEqual([]);
    const sales = await userWithRole(t.app, admin, "sales");
    expectProblem(await sales.get("/api/v1/webhooks"), 403, "forbidden");
    expectProblem(await sales.post("/api/v1/webhooks", { url: "https://example.com/x", eventTypes: ["contact.created"] }), 403, "forbidden");
    expectProblem(await sales.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true }), 403, "forbidden");
    expectProblem(await admin.get(`/api/v1/webhooks/${crypto.randomUUID()}/deliveries`), 404, "not_found");
  });

  it("delivers a subscribed event, signed, to a receiver that verifies it, and logs the attempt", async () => {
    expect((await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true })).json()).toEqual({ allowPrivateTargets: true });
    const hook = await subscribe("/basic", {
      eventTypes: ["contact.created"],
      conditions: [{ field: "lifecycleStage", op: "in", value: ["lead", "customer"] }],
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = (await admin.get("/api/v1/webhooks")).json().data;
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    const skipped = (await admin.post("/api/v1/contacts", { firstName: "Not", lastName: "Matching", lifecycleStage: "subscriber" })).json();
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Grace", lastName: "Hopper", lifecycleStage: "lead" })).json();
    await until(() => receiver.at("/basic").length >= 1);
    await until(async () => (await deliveries(hook.id))[0]?.status === "succeeded");
    const [got] = receiver.at("/basic");
    expect(got?.verified).toBe(true);
    const body = JSON.parse(got?.body ?? "{}");
    expect(body).toMatchObject({ type: "contact.created", data: { recordId: contact.id, data: { record: { id: contact.id, firstName: "Grace" } } } });
    expect(got?.headers["webhook-id"]).toMatch(/^msg_/);
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ eventType: "contact.created", recordId: contact.id, status: "succeeded", attempts: 1, messageId: got?.headers["webhook-id"] });
    expect(d?.log[0]).toMatchObject({ attempt: 1, responseStatus: 204, error: null });
    expect(d?.log[0]?.requestHeaders["webhook-signature"]).toMatch(/^v1,/);
    expect(receiver.received.some((r) => r.body.includes(skipped.id))).toBe(false);
  });

  it("retries with the schedule, honours Retry-After, keeps one record's messages in order, and redelivers", async () => {
    const hook = await subscribe("/flaky", { eventTypes: ["company.created", "company.updated"] });
    receiver.answer("/flaky", { status: 500 }, { status: 503, headers: { "retry-after": "900" } }, { status: 200 });
    const company = (await admin.post("/api/v1/companies", { name: "Flaky Ltd" })).json();
    expect((await admin.patch(`/api/v1/companies/${company.id}`, { name: "Flaky Ltd (renamed)" })).statusCode).toBe(200);
    await until(() => receiver.at("/flaky").length >= 1);
    // The first attempt failed: the update waits behind it (per-record order), due again 5 s later.
    let log = await deliveries(hook.id);
    const created = log.find((d) => d.eventType === "company.created");
    expect(created).toMatchObject({ status: "pending", attempts: 1 });
    expect(receiver.at("/flaky").map((r) => JSON.parse(r.body).type)).toEqual(["company.created"]);
    await until(() => receiver.at("/flaky").length >= 2, 1000, 30);
    // The second attempt met 503 with Retry-After: 900, longer than the schedule's next wait (5 min): it is honoured.
    await until(async () => (await deliveries(hook.id)).find((d) => d.eventType === "company.created")?.attempts === 2);
    log = await deliveries(hook.id);
    const next = log.find((d) => d.eventType === "company.created")?.nextAttemptAt as string;
    expect(Date.parse(next) - clock.now()).toBeGreaterThan(850_000);
    await until(() => receiver.at("/flaky").length >= 4, 60_000, 20);
    const order = receiver.at("/flaky").map((r) => JSON.parse(r.body).type);
    expect(order).toEqual(["company.created", "company.created", "company.created", "company.updated"]);
    expect(receiver.at("/flaky").every((r) => r.verified)).toBe(true);
    // Every attempt of one message carries the same webhook-id, for the receiver's de-duplication.
    expect(
      new Set(
        receiver
          .at("/flaky")
          .slice(0, 3)
          .map((r) => r.headers["webhook-id"]),
      ).size,
    ).toBe(1);
    await until(async () => (await deliveries(hook.id)).every((d) => d.status === "succeeded"));
    const done = (await deliveries(hook.id)).find((d) => d.eventType === "company.created");
    expect(done?.log.map((a) => a.responseStatus)).toEqual([200, 503, 500]);
    expect(done?.log[2]?.responseBody?.length).toBe(2048);

    // Redelivery: the same message again, as a new delivery with its own log.
    const redo = await admin.post(`/api/v1/webhooks/${hook.id}/deliveries/${done?.id}/redeliver`);
    expect(redo.statusCode, redo.body).toBe(202);
    await until(() => receiver.at("/flaky").length >= 5);
    const again = receiver.at("/flaky")[4];
    expect(again?.verified).toBe(true);
    expect(again?.headers["webhook-id"]).toBe(done?.messageId);
    expectProblem(await admin.post(`/api/v1/webhooks/${hook.id}/deliveries/${crypto.randomUUID()}/redeliver`), 404, "not_found");
  });

  it("signs with both secrets during a rotation's grace period", async () => {
    const hook = await subscribe("/rotate", { eventTypes: ["deal.created"] });
    const rotated = (await admin.post(`/api/v1/webhooks/${hook.id}/rotate-secret`, { graceHours: 24 })).json();
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.previousSecretExpiresAt).toBeTruthy();
    // A receiver still on the old secret and one already on the new one both accept the message.
    receiver.secrets.set("/rotate", [hook.secret, rotated.secret]);
    await admin.post("/api/v1/deals", { name: "Rotation deal", amount: "10" });
    await until(() => receiver.at("/rotate").length >= 1);
    expect(receiver.at("/rotate")[0]?.verifiedWith).toEqual([hook.secret, rotated.secret]);
    expect(String(receiver.at("/rotate")[0]?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // No grace: only the new secret signs from now on.
    const now = (await admin.post(`/api/v1/webhooks/${hook.id}/rotate-secret`, { graceHours: 0 })).json();
    receiver.secrets.set("/rotate", [rotated.secret, now.secret]);
    expect((await admin.post(`/api/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
    await until(() => receiver.at("/rotate").length >= 2);
    expect(receiver.at("/rotate")[1]?.verifiedWith).toEqual([now.secret]);
    expect(JSON.parse(receiver.at("/rotate")[1]?.body ?? "{}").type).toBe("webhook.test");
  });

  it("disables an endpoint that answers 410 Gone, tells the admins, and sends nothing until it is enabled again", async () => {
    const hook = await subscribe("/gone", { eventTypes: ["task.created"] });
    receiver.answer("/gone", { status: 410 }, { status: 200 });
    await admin.post("/api/v1/tasks", { title: "First task" });
    await until(async () => (await admin.get(`/api/v1/webhooks/${hook.id}`)).json().enabled === false);
    const off = (await admin.get(`/api/v1/webhooks/${hook.id}`)).json();
    expect(off.disabledReason).toContain("410");
    const notes = (await admin.get("/api/v1/notifications")).json().data as { kind: string; recordId: string; title: string }[];
    expect(notes.find((n) => n.kind === "webhook_disabled" && n.recordId === hook.id)?.title).toContain("127.0.0.1");
    // While disabled it gets nothing: no new messages, and manual sends are refused.
    const second = (await admin.post("/api/v1/tasks", { title: "Second task" })).json();
    expectProblem(await admin.post(`/api/v1/webhooks/${hook.id}/test`), 409, "conflict");
    // The endpoint's state when the "webhooks" consumer reads the event decides: wait until it has read past it.
    await until(async () => {
      const events = (await admin.get("/api/v1/events?type=task.created&limit=500")).json().data as { recordId: string; position: number }[];
      const position = events.find((e) => e.recordId === second.id)?.position;
      const consumers = (await admin.get("/api/v1/jobs")).json().consumers as { name: string; position: number }[];
      return position !== undefined && (consumers.find((c) => c.name === "webhooks")?.position ?? 0) >= position;
    });
    expect(receiver.at("/gone")).toHaveLength(1);
    expect((await admin.patch(`/api/v1/webhooks/${hook.id}`, { enabled: true })).json()).toMatchObject({ enabled: true, disabledReason: null });
    const third = (await admin.post("/api/v1/tasks", { title: "Third task" })).json();
    await until(() => receiver.at("/gone").length >= 2);
    expect(JSON.parse(receiver.at("/gone")[1]?.body ?? "{}").data.recordId).toBe(third.id);
    expect(receiver.at("/gone")[1]?.verified).toBe(true);
  });

  it("gives up after about three days of failures, disables the endpoint and notifies the admins", async () => {
    const hook = await subscribe("/down", { eventTypes: ["product.created"] });
    receiver.answer("/down", { status: 502 });
    const res = await admin.post("/api/v1/products", { name: unique("Widget"), sku: unique("W"), unitPrice: "1", currency: "EUR" });
    expect(res.statusCode, res.body).toBe(201);
    const start = clock.now();
    await until(() => receiver.at("/down").length >= 1);
    await until(async () => (await admin.get(`/api/v1/webhooks/${hook.id}`)).json().enabled === false, 3_600_000, 100);
    expect(receiver.at("/down")).toHaveLength(11);
    const elapsedHours = (clock.now() - start) / 3_600_000;
    expect(elapsedHours).toBeGreaterThan(69);
    // Each retry is picked up within the test's one-hour clock steps: the schedule plus at most 11 steps.
    expect(elapsedHours).toBeLessThan(82);
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: "failed", attempts: 11, nextAttemptAt: null });
    const off = (await admin.get(`/api/v1/webhooks/${hook.id}`)).json();
    expect(off.disabledReason).toContain("three days");
    const notes = (await admin.get("/api/v1/notifications")).json().data as { kind: string; recordId: string }[];
    expect(notes.some((n) => n.kind === "webhook_disabled" && n.recordId === hook.id)).toBe(true);
  });

  it("refuses to connect to a private address once the setting is off again, logging why", async () => {
    const hook = await subscribe("/guarded", { eventTypes: ["contact.updated"] });
    await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: false });
    try {
      expect((await admin.post(`/api/v1/webhooks/${hook.id}/test`)).statusCode).toBe(202);
      await until(async () => ((await deliveries(hook.id))[0]?.log.length ?? 0) >= 1);
      expect((await deliveries(hook.id))[0]?.log[0]?.error).toMatch(/^Refused: .*private/);
      expect(receiver.at("/guarded")).toHaveLength(0);
    } finally {
      await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true });
    }
  });

  it("turns a JSON POST to an inbound hook's secret URL into an event that webhooks can forward", async () => {
    const forward = await subscribe("/inbound", { eventTypes: ["inbound_hook.received"] });
    const created = await admin.post("/api/v1/webhooks/inbound", { name: "Billing system" });
    expect(created.statusCode, created.body).toBe(201);
    const { url, id } = created.json() as { url: string; id: string };
    const path = new URL(url).pathname;
    expect(JSON.stringify((await admin.get("/api/v1/webhooks/inbound")).json())).not.toContain(path.split(".")[1]);
    const post = (p: string, payload: string, type = "application/json") =>
      t.app.inject({ method: "POST", url: p, headers: { "content-type": type }, payload });
    const ok = await post(path, JSON.stringify({ invoice: "INV-7", paid: true }));
    expect(ok.statusCode, ok.body).toBe(202);
    await until(() => receiver.at("/inbound").length >= 1);
    const message = JSON.parse(receiver.at("/inbound")[0]?.body ?? "{}");
    expect(message.type).toBe("inbound_hook.received");
    expect(message.data.data.record).toMatchObject({ hookId: id, hookName: "Billing system", body: { invoice: "INV-7", paid: true } });
    expect(receiver.at("/inbound")[0]?.verified).toBe(true);
    expect((await deliveries(forward.id))[0]?.status).toBe("succeeded");
    // Bad input: problem+json, and no event.
    expectProblem(await post(path, JSON.stringify({ blob: "x".repeat(70 * 1024) })), 413, "payload_too_large");
    expectProblem(await post(path, "{not json"), 400, "invalid_json");
    expectProblem(await post(path, "a=b", "application/x-www-form-urlencoded"), 415);
    expectProblem(await post(`${path.slice(0, -3)}abc`, "{}"), 404, "not_found");
    expectProblem(await post("/hooks/in/garbage", "{}"), 404, "not_found");
    expect((await admin.get("/api/v1/webhooks/inbound")).json().data[0]).toMatchObject({ receivedCount: 1 });
    expect((await admin.del(`/api/v1/webhooks/inbound/${id}`)).statusCode).toBe(204);
    expectProblem(await post(path, "{}"), 404, "not_found");
  });
});
