import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Board, Deal, Pipeline } from "../../contract/deals.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

const pathsOf = (body: Record<string, unknown>) => (body.errors as { path: string }[]).map((e) => e.path);
const put = (c: Client, url: string, body: unknown) => c.call("PUT", url, body);

async function defaultPipeline(c: Client): Promise<Pipeline> {
  const res = await c.get("/api/v1/pipelines");
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as Pipeline[]).find((p) => p.isDefault) as Pipeline;
}
const stage = (p: Pipeline, name: string) => {
  const s = p.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
async function newDeal(c: Client, body: Record<string, unknown>): Promise<Deal> {
  const res = await c.post("/api/v1/deals", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Deal;
}

describe.each(databaseKinds)("deals on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  let p: Pipeline;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
    p = await defaultPipeline(c);
  });
  afterAll(() => t.close());

  it("gives every workspace one default Sales pipeline with ordered stages and lost reasons", async () => {
    expect(p.name).toBe("Sales");
    expect(p.stages.map((s) => [s.name, s.probability, s.type])).toEqual([
      ["Qualification", 10, "open"],
      ["Discovery", 25, "open"],
      ["Proposal", 50, "open"],
      ["Negotiation", 75, "open"],
      ["Won", 100, "won"],
      ["Lost", 0, "lost"],
    ]);
    // Asking again (and concurrently) creates nothing new.
    const again = await Promise.all([c.get("/api/v1/pipelines"), c.get("/api/v1/pipelines"), c.get("/api/v1/lost-reasons")]);
    expect(again[0].json().data).toHaveLength(1);
    expect(again[1].json().data[0].id).toBe(p.id);
    expect(again[2].json().data.map((r: { name: string }) => r.name)).toContain("Price");
  });

  it("creates a deal in the default pipeline's first open stage, with contacts and their roles", async () => {
    const company = (await c.post("/api/v1/companies", { name: "Acme" })).json();
    const ann = (await c.post("/api/v1/contacts", { firstName: "Ann", lastName: "Buyer" })).json();
    const deal = await newDeal(c, {
      name: "Acme renewal",
      amount: 1200.5,
      currency: "eur",
      expectedCloseDate: "2026-12-31",
      companyId: company.id,
      contacts: [{ contactId: ann.id, role: "decision_maker" }],
      source: "referral",
    });
    expect(deal).toMatchObject({
      pipelineId: p.id,
      stageId: stage(p, "Qualification").id,
      stageName: "Qualification",
      status: "open",
      amount: "1200.50",
      currency: "EUR",
      companyName: "Acme",
      ownerId: c.session.me?.user.id,
      closedAt: null,
    });
    expect(deal.contacts).toEqual([{ contactId: ann.id, role: "decision_maker", name: "Ann Buyer" }]);
    const changed = await c.patch(`/api/v1/deals/${deal.id}`, { contacts: [{ contactId: ann.id, role: "champion" }], nextStep: "Call Ann" });
    expect(changed.json().contacts[0].role).toBe("champion");
    const history = (await c.get(`/api/v1/deals/${deal.id}/stage-history`)).json();
    expect(history.data).toHaveLength(1);
    expect(history.data[0]).toMatchObject({ fromStageId: null, toStageName: "Qualification" });
    // Deals listed by contact and by company.
    expect((await c.get(`/api/v1/deals?contactId=${ann.id}`)).json().data.map((d: Deal) => d.id)).toEqual([deal.id]);
    expect((await c.get(`/api/v1/deals?companyId=${company.id}`)).json().data.map((d: Deal) => d.id)).toEqual([deal.id]);
  });

  it("moves deals through stages, keeps every change, refuses lost without a reason from every path, and sets closed_at", async () => {
    const deal = await newDeal(c, { name: "Globex", amount: 500 });
    const proposal = stage(p, "Proposal");
    const moved = await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: proposal.id });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ stageId: proposal.id, status: "open", stageProbability: 50 });

    const lost = stage(p, "Lost");
    expect(pathsOf(expectProblem(await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: lost.id }), 400, "validation_failed"))).toEqual(["lostReason"]);
    expect(pathsOf(expectProblem(await c.patch(`/api/v1/deals/${deal.id}`, { stageId: lost.id }), 400))).toEqual(["lostReason"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "Born lost", stageId: lost.id }), 400))).toEqual(["lostReason"]);
    expect((await c.get(`/api/v1/deals/${deal.id}`)).json().stageId).toBe(proposal.id);

    const lostOk = await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: lost.id, lostReason: "Price" });
    expect(lostOk.json()).toMatchObject({ status: "lost", lostReason: "Price" });
    expect(lostOk.json().closedAt).not.toBeNull();
    // A move answers with the deal as stored, not as the service assumed it would be.
    expect(lostOk.json()).toEqual((await c.get(`/api/v1/deals/${deal.id}`)).json());
    const reopened = (await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage(p, "Negotiation").id })).json();
    expect(reopened).toMatchObject({ status: "open", lostReason: null, closedAt: null });
    const won = (await c.patch(`/api/v1/deals/${deal.id}`, { stageId: stage(p, "Won").id })).json();
    expect(won.status).toBe("won");
    expect(won.closedAt).not.toBeNull();

    const history = (await c.get(`/api/v1/deals/${deal.id}/stage-history`)).json();
    expect(history.data.map((h: { toStageName: string }) => h.toStageName)).toEqual(["Won", "Negotiation", "Lost", "Proposal", "Qualification"]);
    expect(history.data[1]).toMatchObject({ fromStageName: "Lost", actorName: "Ada Admin" });
    expect(history.timeInStage.map((s: { stageName: string }) => s.stageName).sort()).toEqual(["Lost", "Negotiation", "Proposal", "Qualification", "Won"]);
    for (const s of history.timeInStage) expect(s.durationMs).toBeGreaterThanOrEqual(0);
    // History module: who changed the stage, old → new.
    const timeline = await c.get(`/api/v1/deals/${deal.id}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    const stageChanges = (timeline.json().data as { kind: string; changes?: { field: string; from: unknown; to: unknown }[] }[])
      .flatMap((e) => e.changes ?? [])
      .filter((ch) => ch.field === "stage");
    expect(stageChanges[0]).toEqual({ field: "stage", from: "Negotiation", to: "Won" });
  });

  it("creates the stage playbook's tasks for the deal's owner when a deal enters the stage", async () => {
    const sales = await userWithRole(t.app, c, "sales");
    const deal = await newDeal(c, { name: "Playbook deal", ownerId: sales.userId });
    await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage(p, "Proposal").id });
    const tasks = await c.get(`/api/v1/tasks?assignee=all&relatedObject=deal&relatedId=${deal.id}`);
    expect(tasks.statusCode, tasks.body).toBe(200);
    const list = tasks.json().data as { title: string; assigneeId: string; priority: string; dueAt: string }[];
    expect(list.map((x) => x.title).sort()).toEqual(["Confirm budget, authority, need and timing", "Send the proposal"]);
    expect(new Set(list.map((x) => x.assigneeId))).toEqual(new Set([sales.userId]));
    expect(list.find((x) => x.title === "Send the proposal")?.priority).toBe("high");
  });

  it("lets admins edit stages: add, rename, reorder, retype, and refuses deleting a stage with deals unless they move", async () => {
    const created = await c.post("/api/v1/pipelines", {
      name: "Partners",
      stages: [
        { name: "Intro", probability: 10 },
        { name: "Trial", probability: 40, playbook: [{ title: "Set up the trial", dueInDays: 1 }] },
        { name: "Signed", probability: 100, type: "won" },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const pl = created.json() as Pipeline;
    expect(pl.isDefault).toBe(false);
    const [intro, trial, signed] = pl.stages as [Pipeline["stages"][0], Pipeline["stages"][0], Pipeline["stages"][0]];
    const deal = await newDeal(c, { name: "Partner deal", pipelineId: pl.id, amount: 100 });
    expect(deal.stageId).toBe(intro.id);

    // Deleting Intro (which holds the deal) is refused…
    const refused = await c.patch(`/api/v1/pipelines/${pl.id}`, { stages: [trial, signed].map(({ pipelineId: _p, position: _x, ...s }) => s) });
    expect(pathsOf(expectProblem(refused, 409, "conflict"))).toEqual([`moveDeals.${intro.id}`]);
    // …unless its deals move; meanwhile add a stage, rename and reorder.
    const edited = await c.patch(`/api/v1/pipelines/${pl.id}`, {
      name: "Partner deals",
      stages: [
        { id: trial.id, name: "Pilot", probability: 45, type: "open" },
        { name: "Contract", probability: 80 },
        { id: signed.id, name: "Signed", probability: 100, type: "won" },
      ],
      moveDeals: { [intro.id]: trial.id },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().name).toBe("Partner deals");
    expect(edited.json().stages.map((s: { name: string }) => s.name)).toEqual(["Pilot", "Contract", "Signed"]);
    const after = (await c.get(`/api/v1/deals/${deal.id}`)).json();
    expect(after.stageId).toBe(trial.id);
    const history = (await c.get(`/api/v1/deals/${deal.id}/stage-history`)).json();
    expect(history.data[0]).toMatchObject({ fromStageName: "(deleted stage)", toStageName: "Pilot" });

    // Bad edits name the field.
    expect(
      pathsOf(expectProblem(await c.patch(`/api/v1/pipelines/${pl.id}`, { stages: [{ name: "Only won", probability: 100, type: "won" }] }), 400)),
    ).toContain("stages");
    expect(pathsOf(expectProblem(await c.patch(`/api/v1/pipelines/${pl.id}`, { stages: [{ name: "A", probability: 101 }] }), 400))).toEqual([
      "stages.0.probability",
    ]);
    expect(
      pathsOf(
        expectProblem(
          await c.patch(`/api/v1/pipelines/${pl.id}`, {
            stages: [
              { name: "Same", probability: 1 },
              { name: "same", probability: 2 },
            ],
          }),
          400,
        ),
      ),
    ).toEqual(["stages.1.name"]);
    expect(pathsOf(expectProblem(await c.patch(`/api/v1/pipelines/${pl.id}`, { stages: [{ id: p.stages[0]?.id, name: "X", probability: 1 }] }), 400))).toEqual([
      "stages.0.id",
    ]);
    // A pipeline with deals, or the default one, cannot be deleted.
    expectProblem(await c.del(`/api/v1/pipelines/${pl.id}`), 409, "conflict");
    expectProblem(await c.del(`/api/v1/pipelines/${p.id}`), 409, "conflict");
    const empty = (await c.post("/api/v1/pipelines", { name: "Scratch", stages: [{ name: "One", probability: 5 }] })).json();
    expect((await c.del(`/api/v1/pipelines/${empty.id}`)).statusCode).toBe(204);
    // Making another pipeline the default moves the flag.
    await c.patch(`/api/v1/pipelines/${pl.id}`, { isDefault: true });
    const all = (await c.get("/api/v1/pipelines")).json().data as Pipeline[];
    expect(all.filter((x) => x.isDefault).map((x) => x.id)).toEqual([pl.id]);
    await c.patch(`/api/v1/pipelines/${p.id}`, { isDefault: true });
  });

  it("edits the lost-reason list (admin only)", async () => {
    const created = await c.post("/api/v1/lost-reasons", { name: "Went silent" });
    expect(created.statusCode, created.body).toBe(201);
    expectProblem(await c.post("/api/v1/lost-reasons", { name: "went SILENT" }), 409, "conflict");
    expect((await c.patch(`/api/v1/lost-reasons/${created.json().id}`, { name: "Ghosted" })).json().name).toBe("Ghosted");
    const list = (await c.get("/api/v1/lost-reasons")).json().data as { id: string; name: string }[];
    const reordered = await put(c, "/api/v1/lost-reasons/order", { ids: [...list].reverse().map((r) => r.id) });
    expect(reordered.json().data[0].name).toBe("Ghosted");
    expectProblem(await put(c, "/api/v1/lost-reasons/order", { ids: [list[0]?.id] }), 400);
    expect((await c.del(`/api/v1/lost-reasons/${created.json().id}`)).statusCode).toBe(204);
    expectProblem(await c.del(`/api/v1/lost-reasons/${created.json().id}`), 404);
    expect(pathsOf(expectProblem(await c.post("/api/v1/lost-reasons", { name: " " }), 400))).toEqual(["name"]);
    const other = await newWorkspace(t.app);
    expectProblem(await other.patch(`/api/v1/lost-reasons/${list[0]?.id}`, { name: "Hijack" }), 404);
    const sales = await userWithRole(t.app, c, "sales");
    expectProblem(await sales.post("/api/v1/lost-reasons", { name: "Nope" }), 403, "forbidden");
    expectProblem(await sales.patch(`/api/v1/pipelines/${p.id}`, { name: "Mine" }), 403, "forbidden");
    expect((await sales.get("/api/v1/lost-reasons")).statusCode).toBe(200);
  });

  it("builds the board with counts, per-currency totals and weighted amounts, caps cards and pages with load more", async () => {
    const ws = await newWorkspace(t.app);
    const pipe = await defaultPipeline(ws);
    const qual = stage(pipe, "Qualification");
    const prop = stage(pipe, "Proposal");
    for (let i = 0; i < 7; i++) await newDeal(ws, { name: `Q${i}`, amount: 100, currency: "USD", expectedCloseDate: `2026-0${(i % 3) + 1}-15` });
    await newDeal(ws, { name: "Q-eur", amount: 50, currency: "EUR" });
    await newDeal(ws, { name: "P1", amount: 1000.1, stageId: prop.id });
    await newDeal(ws, { name: "P2", amount: 999.9, stageId: prop.id });
    const res = await ws.get(`/api/v1/pipelines/${pipe.id}/board?limit=3`);
    expect(res.statusCode, res.body).toBe(200);
    const board = res.json() as Board;
    const qCol = board.columns.find((col) => col.stage.id === qual.id);
    const pCol = board.columns.find((col) => col.stage.id === prop.id);
    expect(qCol?.count).toBe(8);
    expect(qCol?.cards).toHaveLength(3);
    expect(qCol?.totals).toEqual([
      { currency: "EUR", amount: "50.00", weighted: "5.00" },
      { currency: "USD", amount: "700.00", weighted: "70.00" },
    ]);
    expect(pCol?.totals).toEqual([{ currency: "USD", amount: "2000.00", weighted: "1000.00" }]);
    expect(pCol?.nextCursor).toBeNull();
    // Load more walks the rest of the column without repeats.
    const seen = new Set(qCol?.cards.map((x) => x.id));
    let cursor = qCol?.nextCursor ?? null;
    while (cursor) {
      const more = (await ws.get(`/api/v1/pipelines/${pipe.id}/stages/${qual.id}/deals?limit=3&cursor=${cursor}`)).json();
      for (const card of more.data) seen.add(card.id);
      cursor = more.nextCursor;
    }
    expect(seen.size).toBe(8);
    // Filters apply to cards and totals alike.
    const filtered = (await ws.get(`/api/v1/pipelines/${pipe.id}/board?closeFrom=2026-02-01&closeTo=2026-02-28&amountMin=100`)).json() as Board;
    expect(filtered.columns.find((col) => col.stage.id === qual.id)?.count).toBe(2);
    const big = (await ws.get(`/api/v1/pipelines/${pipe.id}/board?amountMin=999.95`)).json() as Board;
    expect(big.columns.find((col) => col.stage.id === prop.id)?.cards.map((x) => x.name)).toEqual(["P1"]);
    const mine = (await ws.get(`/api/v1/pipelines/${pipe.id}/board?ownerId=me`)).json() as Board;
    expect(mine.columns.reduce((n, col) => n + col.count, 0)).toBe(10);
    expectProblem(await ws.get(`/api/v1/pipelines/${pipe.id}/board?amountMin=10&amountMax=5`), 400);
    expectProblem(await ws.get(`/api/v1/pipelines/${pipe.id}/board?closeFrom=tomorrow`), 400);
  });

  it("lists deals with filters, search, sort and keyset pages", async () => {
    const ws = await newWorkspace(t.app);
    for (let i = 0; i < 12; i++)
      await newDeal(ws, { name: `Deal ${String(i).padStart(2, "0")}`, amount: i * 10, expectedCloseDate: `2026-05-${String(i + 1).padStart(2, "0")}` });
    for (const sort of ["amount", "-amount", "name", "expectedCloseDate", "-createdAt"]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Deal[]; nextCursor: string | null } = (
          await ws.get(`/api/v1/deals?limit=5&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`)
        ).json();
        ids.push(...page.data.map((d: Deal) => d.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(ids).size, sort).toBe(12);
    }
    const top = (await ws.get("/api/v1/deals?sort=-amount&limit=2")).json().data.map((d: Deal) => d.amount);
    expect(top).toEqual(["110.00", "100.00"]);
    expect((await ws.get("/api/v1/deals?amountMin=50&amountMax=80")).json().data).toHaveLength(4);
    expect((await ws.get("/api/v1/deals?closeFrom=2026-05-10")).json().data).toHaveLength(3);
    expect((await ws.get("/api/v1/deals?q=deal%2007")).json().data.map((d: Deal) => d.name)).toContain("Deal 07");
    expect(pathsOf(expectProblem(await ws.get("/api/v1/deals?sort=nextStep"), 400))).toEqual(["sort"]);
  });

  it("refuses bad input naming the field", async () => {
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", {}), 400))).toEqual(["name"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", amount: -5 }), 400))).toEqual(["amount"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", amount: "1.234" }), 400))).toEqual(["amount"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", currency: "euro" }), 400))).toEqual(["currency"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", expectedCloseDate: "31/12/2026" }), 400))).toEqual(["expectedCloseDate"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", stageId: "00000000-0000-7000-8000-000000000000" }), 400))).toEqual(["stageId"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", pipelineId: "00000000-0000-7000-8000-000000000000" }), 400))).toEqual([
      "pipelineId",
    ]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", ownerId: "00000000-0000-7000-8000-000000000000" }), 400))).toEqual(["ownerId"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", companyId: "00000000-0000-7000-8000-000000000000" }), 400))).toEqual(["companyId"]);
    expect(
      pathsOf(
        expectProblem(await c.post("/api/v1/deals", { name: "X", contacts: [{ contactId: "00000000-0000-7000-8000-000000000000", role: "user" }] }), 400),
      ),
    ).toEqual(["contacts.0.contactId"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", bogus: 1 }), 400))).toEqual(["bogus"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/deals", { name: "X", custom: { nope: 1 } }), 400))).toEqual(["custom.nope"]);
    expect(pathsOf(expectProblem(await c.get("/api/v1/deals/nope"), 400))).toEqual(["params.id"]);
    expectProblem(await c.get("/api/v1/deals/00000000-0000-7000-8000-000000000000"), 404, "not_found");
    expectProblem(await c.post("/api/v1/deals/00000000-0000-7000-8000-000000000000/stage", { stageId: p.stages[0]?.id }), 404);
    expect(pathsOf(expectProblem(await c.post("/api/v1/pipelines", { name: "X", stages: [] }), 400))).toEqual(["stages"]);
  });

  it("checks roles: read-only reads, cannot write", async () => {
    const deal = await newDeal(c, { name: "Read me" });
    const ro = await userWithRole(t.app, c, "read_only");
    expect((await ro.get(`/api/v1/deals/${deal.id}`)).statusCode).toBe(200);
    expect((await ro.get(`/api/v1/pipelines/${p.id}/board`)).statusCode).toBe(200);
    expectProblem(await ro.post("/api/v1/deals", { name: "No" }), 403, "forbidden");
    expectProblem(await ro.patch(`/api/v1/deals/${deal.id}`, { name: "No" }), 403, "forbidden");
    expectProblem(await ro.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage(p, "Proposal").id }), 403, "forbidden");
    expectProblem(await put(ro, `/api/v1/deals/${deal.id}/line-items`, { items: [] }), 403, "forbidden");
    expectProblem(await ro.post("/api/v1/pipelines", { name: "No", stages: [{ name: "A", probability: 1 }] }), 403, "forbidden");
    expectProblem(await ro.del(`/api/v1/deals/${deal.id}`), 403, "forbidden");
  });

  it("keeps workspaces apart", async () => {
    const deal = await newDeal(c, { name: "Secret deal" });
    const other = await newWorkspace(t.app);
    const otherPipe = await defaultPipeline(other);
    expect(otherPipe.id).not.toBe(p.id);
    expectProblem(await other.get(`/api/v1/deals/${deal.id}`), 404);
    expectProblem(await other.patch(`/api/v1/deals/${deal.id}`, { name: "Mine" }), 404);
    expectProblem(await other.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage(otherPipe, "Proposal").id }), 404);
    expectProblem(await other.get(`/api/v1/deals/${deal.id}/line-items`), 404);
    expectProblem(await other.get(`/api/v1/pipelines/${p.id}/board`), 404);
    expect(pathsOf(expectProblem(await other.post("/api/v1/deals", { name: "Cross", stageId: stage(p, "Proposal").id }), 400))).toEqual(["stageId"]);
    expect(pathsOf(expectProblem(await c.patch(`/api/v1/deals/${deal.id}`, { stageId: stage(otherPipe, "Proposal").id }), 400))).toEqual(["stageId"]);
    expect((await other.get("/api/v1/deals?q=secret")).json().data).toEqual([]);
    expectProblem(await other.get(`/api/v1/contacts/${deal.id}/purchases`), 404);
  });

  it("keeps the unfiltered board's counts and totals equal to the deals themselves through every kind of write", async () => {
    const ws = await newWorkspace(t.app);
    const pipe = await defaultPipeline(ws);
    const created = await ws.post("/api/v1/pipelines", {
      name: "Renewals",
      stages: [
        { name: "Due", probability: 20 },
        { name: "Quoted", probability: 60 },
        { name: "Renewed", probability: 100, type: "won" },
      ],
    });
    const other = created.json() as Pipeline;
    const [due, quoted] = other.stages as [Pipeline["stages"][0], Pipeline["stages"][0]];
    const made: Deal[] = [];
    for (let i = 0; i < 6; i++) made.push(await newDeal(ws, { name: `D${i}`, amount: i % 3 === 0 ? null : 100 + i, currency: i % 2 ? "EUR" : "USD" }));
    made.push(await newDeal(ws, { name: "R1", amount: 40, pipelineId: other.id }));
    made.push(await newDeal(ws, { name: "R2", amount: 60, pipelineId: other.id, stageId: quoted.id }));
    const [d0, d1, d2, d3, d4, , r1] = made as [Deal, Deal, Deal, Deal, Deal, Deal, Deal, Deal];
    // Moves, won and lost, amount and currency edits, a move to another pipeline, trash and restore, line items.
    await ws.post(`/api/v1/deals/${d0.id}/stage`, { stageId: stage(pipe, "Proposal").id });
    await ws.post(`/api/v1/deals/${d1.id}/stage`, { stageId: stage(pipe, "Won").id });
    await ws.post(`/api/v1/deals/${d2.id}/stage`, { stageId: stage(pipe, "Lost").id, lostReason: "Price" });
    expect((await ws.patch(`/api/v1/deals/${d3.id}`, { amount: 999.99, currency: "GBP" })).statusCode).toBe(200);
    expect((await ws.patch(`/api/v1/deals/${d4.id}`, { pipelineId: other.id, stageId: due.id })).statusCode).toBe(200);
    expect((await ws.del(`/api/v1/deals/${r1.id}`)).statusCode).toBe(204);
    expect((await ws.del(`/api/v1/deals/${d0.id}`)).statusCode).toBe(204);
    expect((await ws.post(`/api/v1/deals/${d0.id}/restore`)).statusCode).toBe(200);
    const lines = await put(ws, `/api/v1/deals/${d1.id}/line-items`, {
      amountSource: "line_items",
      items: [{ name: "Seats", quantity: 3, unitPrice: 25 }],
    });
    expect(lines.statusCode, lines.body).toBe(200);
    // Deleting a stage moves its deals.
    const moved = await ws.patch(`/api/v1/pipelines/${other.id}`, {
      stages: other.stages.filter((s) => s.id !== due.id).map(({ pipelineId: _p, position: _x, ...s }) => s),
      moveDeals: { [due.id]: quoted.id },
    });
    expect(moved.statusCode, moved.body).toBe(200);

    for (const pl of [pipe, other]) {
      const live = (await ws.get(`/api/v1/deals?pipelineId=${pl.id}&limit=100`)).json().data as Deal[];
      const expected = new Map<string, { count: number; totals: Map<string, number> }>();
      for (const d of live) {
        const col = expected.get(d.stageId) ?? { count: 0, totals: new Map<string, number>() };
        col.count += 1;
        col.totals.set(d.currency, (col.totals.get(d.currency) ?? 0) + Number(d.amount ?? 0));
        expected.set(d.stageId, col);
      }
      const board = (await ws.get(`/api/v1/pipelines/${pl.id}/board`)).json() as Board;
      for (const col of board.columns) {
        const want = expected.get(col.stage.id);
        expect(col.count, col.stage.name).toBe(want?.count ?? 0);
        expect(
          col.totals.map((x) => [x.currency, Number(x.amount)]),
          col.stage.name,
        ).toEqual([...(want?.totals ?? [])].sort(([a], [b]) => a.localeCompare(b)));
      }
    }
  });

  it("trashes and restores deals; the board leaves trashed deals out", async () => {
    const ws = await newWorkspace(t.app);
    const pipe = await defaultPipeline(ws);
    const deal = await newDeal(ws, { name: "Trash me", amount: 10 });
    expect((await ws.del(`/api/v1/deals/${deal.id}`)).statusCode).toBe(204);
    const board = (await ws.get(`/api/v1/pipelines/${pipe.id}/board`)).json() as Board;
    expect(board.columns.reduce((n, col) => n + col.count, 0)).toBe(0);
    expect((await ws.get("/api/v1/deals?trashed=true")).json().data).toHaveLength(1);
    expectProblem(await ws.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage(pipe, "Proposal").id }), 409);
    expect((await ws.post(`/api/v1/deals/${deal.id}/restore`)).json().deletedAt).toBeNull();
  });
});
