import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Contact } from "../../contract/contacts.js";
import type { VcardImportResult } from "../../contract/exports.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { workspaces } from "../workspaces/table.js";
import { cardToDraft } from "./map.js";
import { parseVcardFile } from "./parse.js";
import { foldLine } from "./write.js";

const datasets = fileURLToPath(new URL("../../../../shared/datasets/vcard", import.meta.url));
const haveDatasets = existsSync(datasets);
if (!haveDatasets) console.warn(`vCard dataset tests skipped: ${datasets} is absent (see /work/shared/datasets/README.md)`);
const dataset = (path: string) => readFileSync(`${datasets}/${path}`);

/** A multipart/form-data body with one file, as a browser sends it. */
function multipart(filename: string, bytes: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = "----rapport-test-boundary";
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/vcard\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

async function upload(t: TestApp, c: Client, bytes: Buffer, filename = "contacts.vcf") {
  const { payload, headers } = multipart(filename, bytes);
  return t.app.inject({ method: "POST", url: "/api/v1/contacts/vcard", payload, headers: { ...headers, cookie: c.session.cookie as string } });
}

describe("vCard reading", () => {
  it("reads 2.1 quoted-printable with soft breaks, Shift_JIS, bare TYPE params and folded lines", () => {
    const sjis = iconv.encode(
      "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:安藤;ロイド;;;\r\nTEL;CELL;PREF:+81 90 1234 5678\r\nEND:VCARD\r\n",
      "Shift_JIS",
    );
    const [card] = parseVcardFile(sjis).cards;
    const d = cardToDraft(card as never, undefined);
    expect([d.lastName, d.firstName]).toEqual(["安藤", "ロイド"]);
    expect(d.phones).toEqual([{ phone: "+819012345678", label: "mobile", primary: true }]);

    const qp = Buffer.from(
      "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg\r\nNOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0A=\r\nline two\r\nEMAIL;INTERNET;WORK:\r\n joerg@example.de\r\nEND:VCARD\r\n",
    );
    const d2 = cardToDraft(parseVcardFile(qp).cards[0] as never, undefined);
    expect([d2.firstName, d2.lastName]).toEqual(["Jörg", "Müller"]);
    expect(d2.note).toBe("line one\r\nline two");
    expect(d2.emails).toEqual([{ email: "joerg@example.de", label: "work" }]);
  });

  it("reads nested cards as cards of their own, and keeps several given names as names", () => {
    const nested =
      "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Parent;Pat\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN:Agent;Ann\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\nTEL:+1 212 555 0100\r\nEND:VCARD\r\n";
    const parsed = parseVcardFile(Buffer.from(nested));
    expect(parsed.errors).toEqual([]);
    const drafts = parsed.cards.map((c) => cardToDraft(c, undefined));
    expect(drafts.map((d) => [d.firstName, d.lastName, d.emails.map((e) => e.email), d.phones.map((p) => p.phone)])).toEqual([
      ["Pat", "Parent", [], ["+12125550100"]],
      ["Ann", "Agent", ["ann@example.com"], []],
    ]);
    const names = (text: string) => {
      const d = cardToDraft(parseVcardFile(Buffer.from(text)).cards[0] as never, undefined);
      return [d.firstName, d.lastName];
    };
    expect(names("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John,Jack;Richter,James;;\r\nFN:John Doe\r\nEND:VCARD\r\n")).toEqual(["John Jack Richter James", "Doe"]);
    expect(names("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John;Richter,James;Mr.;Sr.\r\nEND:VCARD\r\n")).toEqual(["John Richter James", "Doe"]);
    // An escaped comma is part of the name.
    expect(names("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;Richter\\, James;;\r\nFN:John Doe\r\nEND:VCARD\r\n")).toEqual(["John Richter, James", "Doe"]);
  });

  it.skipIf(!haveDatasets)("imports every card of Android's nested-card file", () => {
    const parsed = parseVcardFile(dataset("android_vcard/v21_nest.vcf"));
    expect(parsed.cards.map((c) => cardToDraft(c, undefined).lastName)).toEqual(["parent", "nest1", "nest2"]);
    const iphone = cardToDraft(parseVcardFile(dataset("ez-vcard/John_Doe_IPHONE.vcf")).cards[0] as never, undefined);
    expect(iphone.firstName).toBe("John Richter James");
  });

  it("reports unreadable cards by index and keeps going", () => {
    const text = "BEGIN:VCARD\r\nVERSION:9.9\r\nFN:Nope\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok Person\r\nEND:VCARD\r\n";
    const parsed = parseVcardFile(Buffer.from(text));
    expect(parsed.errors).toEqual([{ index: 1, reason: 'Unsupported vCard version "9.9"' }]);
    expect(parsed.cards.map((c) => c.index)).toEqual([2]);
  });

  it("folds long lines at 75 octets without splitting a character", () => {
    const line = `NOTE:${"é".repeat(100)}`;
    const folded = foldLine(line);
    for (const l of folded.split("\r\n")) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, "")).toBe(line);
  });
});

describe.each(databaseKinds)("vCard import and export on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it.skipIf(!haveDatasets)("imports every real-world sample file without failing the file", async () => {
    const c = await newWorkspace(t.app);
    await t.database.db
      .update(workspaces)
      .set({ settings: { defaultCountry: "US" } })
      .where(eq(workspaces.id, c.session.me?.workspace.id as string));
    let cards = 0;
    let created = 0;
    for (const dir of readdirSync(datasets)) {
      for (const f of readdirSync(`${datasets}/${dir}`).filter((x) => x.endsWith(".vcf"))) {
        const res = await upload(t, c, dataset(`${dir}/${f}`), f);
        expect(res.statusCode, `${dir}/${f}: ${res.body}`).toBe(200);
        const r = res.json() as VcardImportResult;
        expect(r.created + r.skipped.length + r.rejected.length, `${dir}/${f}`).toBe(r.cards);
        for (const x of r.rejected) expect(x.reason.length, `${dir}/${f}`).toBeGreaterThan(5);
        cards += r.cards;
        created += r.created;
      }
    }
    expect(cards).toBeGreaterThanOrEqual(60);
    expect(created).toBeGreaterThanOrEqual(50);

    const find = async (email: string, ws = c) => ((await ws.get(`/api/v1/contacts?email=${encodeURIComponent(email)}`)).json().data as Contact[])[0];
    // Outlook-style 2.1: quoted-printable NOTE on the timeline, ORG resolved to a company. (Its email is also on the
    // BlackBerry sample, read first above, so this card is checked in a workspace of its own.)
    const g = await newWorkspace(t.app);
    expect((await upload(t, g, dataset("android_vcard/v21_complicated.vcf"))).json()).toMatchObject({ created: 1, companiesCreated: 1, notesCreated: 1 });
    const gump = await find("forrestgump@walladalla.com", g);
    expect(gump).toMatchObject({ firstName: "Forrest Hoge", lastName: "Gump", jobTitle: "Shrimp Man", companyName: "Gump Shrimp Co." });
    expect(gump?.address).toMatchObject({ street: "100 Waters Edge", city: "Baytown", region: "LA", postalCode: "30314", country: "US" });
    const timeline = (await g.get(`/api/v1/contacts/${gump?.id}/timeline`)).json().data as { kind: string; activity?: { body: string } }[];
    const notes = timeline.filter((e) => e.kind === "activity").map((e) => e.activity?.body ?? "");
    expect(notes.join(" ")).toContain("Now's the time for all folk to come to the aid of their country.");
    // iPhone 3.0: grouped EMAIL, typed phones in E.164 (national numbers take the workspace's country), pref → primary.
    const i = await newWorkspace(t.app);
    await t.database.db
      .update(workspaces)
      .set({ settings: { defaultCountry: "US" } })
      .where(eq(workspaces.id, i.session.me?.workspace.id as string));
    expect((await upload(t, i, dataset("ez-vcard/John_Doe_IPHONE.vcf"))).json()).toMatchObject({ created: 1, rejected: [] });
    const john = await find("john.doe@ibm.com", i);
    expect(john).toMatchObject({ lastName: "Doe", companyName: "IBM", jobTitle: "Money Counter", primaryPhone: "+19055551234" });
    expect(john?.phones.find((p) => p.phone === "+19055551234")).toEqual({ phone: "+19055551234", label: "mobile", primary: true });
    // Shift_JIS 2.1 (Android).
    const byLast = encodeURIComponent(JSON.stringify([{ field: "lastName", op: "eq", value: "安藤ロイド" }]));
    const ando = (await c.get(`/api/v1/contacts?filter=${byLast}`)).json().data as Contact[];
    expect(ando.map((x) => x.lastName)).toEqual(["安藤ロイド"]);
    // "Omega" <omega@example.com> folded over two lines.
    expect((await find("omega@example.com"))?.firstName).toBe("Omega");

    // The same file twice adds nothing: every card with an email is skipped.
    const again = (await upload(t, c, dataset("ez-vcard/gmail-list.vcf"))).json() as VcardImportResult;
    expect(again.created).toBe(0);
    expect(again.skipped.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(again.skipped[0]?.reason).toContain("already exists");
  });

  it("reports malformed cards individually and imports the rest", async () => {
    const c = await newWorkspace(t.app);
    const file = [
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nN:One;Good;;;\r\nEMAIL:good@example.com\r\nEND:VCARD",
      "BEGIN:VCARD\r\nVERSION:5.0\r\nFN:Future\r\nEND:VCARD",
      "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD",
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad Mail\r\nEMAIL:not-an-email\r\nTEL:12\r\nEND:VCARD",
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dup\r\nEMAIL:GOOD@example.com\r\nEND:VCARD",
    ].join("\r\n");
    const res = await upload(t, c, Buffer.from(file));
    const r = res.json() as VcardImportResult;
    expect(r.cards).toBe(5);
    expect(r.created).toBe(2);
    expect(r.rejected).toEqual([
      { index: 2, name: null, reason: 'Unsupported vCard version "5.0"' },
      { index: 3, name: null, reason: "The card has no name and no valid email" },
    ]);
    expect(r.skipped).toEqual([{ index: 5, name: "Dup", reason: "good@example.com is on an earlier card of this file" }]);
    expect(r.warnings.map((w) => [w.index, w.reason.split(" ")[0]])).toEqual([
      [4, "Email"],
      [4, "Phone"],
    ]);
    expectProblem(await upload(t, c, Buffer.from("hello")), 400, "validation_failed");
    const reader = await userWithRole(t.app, c, "read_only");
    expectProblem(await upload(t, reader, Buffer.from(file)), 403, "forbidden");
  });

  it("keeps names exactly (long given names, inner spaces, escaped semicolons) or says per card what changed, and one odd value fails only its card", async () => {
    const ws = await newWorkspace(t.app);
    const longGiven = `Maria${" Anna".repeat(30)}`; // 155 characters
    const card = (version: string, lines: string[]) => ["BEGIN:VCARD", `VERSION:${version}`, ...lines, "END:VCARD"].join("\r\n");
    const file = [
      card("3.0", [`N:Long;${longGiven};;;`, `FN:${longGiven} Long`, "EMAIL:long@vcard.example"]),
      card("4.0", ["N:van  der  Berg;Jan   Piet;;;", "FN:Jan   Piet van  der  Berg", "EMAIL:spaces@vcard.example"]),
      card("3.0", ["N:Smith\\;Jones;Ann;;;", "FN:Ann Smith;Jones", "EMAIL:semi3@vcard.example"]),
      card("2.1", ["N:Smith\\;Jones;Bob;;;", "FN:Bob Smith;Jones", "EMAIL:semi21@vcard.example"]),
      card("3.0", ["N:Nul;Odd\u0000Value;;;", "FN:Odd Value Nul", "EMAIL:nul@vcard.example"]),
      card("3.0", ["N:Fine;Frank;;;", "FN:Frank Fine", "EMAIL:frank@vcard.example"]),
    ].join("\r\n");
    const res = await upload(t, ws, Buffer.from(file, "utf8"));
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    const byEmail = async (email: string) => (await ws.get(`/api/v1/contacts?email=${email}`)).json().data[0];
    // Longer than a name may be: kept up to the limit, and the card's warning says so.
    expect((await byEmail("long@vcard.example")).firstName).toBe(longGiven.slice(0, 100));
    expect(r.warnings).toContainEqual(expect.objectContaining({ index: 1, reason: expect.stringMatching(/given name.*cut to 100 characters.*155/i) }));
    // Inner spaces are the person's own.
    expect(await byEmail("spaces@vcard.example")).toMatchObject({ firstName: "Jan   Piet", lastName: "van  der  Berg" });
    // An escaped semicolon is part of the family name, in 3.0 and 2.1 alike.
    expect(await byEmail("semi3@vcard.example")).toMatchObject({ firstName: "Ann", lastName: "Smith;Jones" });
    expect(await byEmail("semi21@vcard.example")).toMatchObject({ firstName: "Bob", lastName: "Smith;Jones" });
    // A value the database cannot hold rejects that card alone, with its reason; the card after it goes in.
    expect(r.rejected).toContainEqual(expect.objectContaining({ index: 5 }));
    expect(await byEmail("frank@vcard.example")).toMatchObject({ firstName: "Frank" });
    expect(r.created).toBe(5);
  });

  it("round-trips: export 4.0 → import into a fresh workspace gives the same contacts", async () => {
    const a = await newWorkspace(t.app);
    const b = await newWorkspace(t.app);
    for (const ws of [a, b]) await ws.post("/api/v1/custom-fields", { object: "contact", label: "Birthday", key: "birthday", type: "date" });
    const acme = (await a.post("/api/v1/companies", { name: "Acme; Söhne, KG" })).json();
    const inputs = [
      {
        firstName: "Émilie",
        lastName: "Durand-Lefèvre",
        emails: [
          { email: "emilie@acme.fr", label: "work" },
          { email: "emilie@home.fr", label: "home", primary: true },
        ],
        phones: [
          { phone: "+33 1 42 68 53 00", label: "work" },
          { phone: "+33 6 12 34 56 78", label: "mobile", primary: true },
        ],
        jobTitle: "Head of Sales, EMEA; Paris",
        companyId: acme.id,
        address: { street: "12 rue de Rivoli\nBât. B", city: "Paris", postalCode: "75004", country: "FR" },
        socialProfiles: { linkedin: "https://www.linkedin.com/in/emilie", website: "https://emilie.example.fr/" },
        tags: ["vip", "key account"],
        custom: { birthday: "1985-04-12" },
      },
      { firstName: "山田", lastName: "太郎", emails: [{ email: "taro@example.jp" }], phones: [{ phone: "+81 3 1234 5678" }] },
      { firstName: "Solo", lastName: "", emails: [{ email: "solo@example.com" }] },
    ];
    for (const i of inputs) expect((await a.post("/api/v1/contacts", i)).statusCode).toBe(201);
    const exported = await a.get("/api/v1/contacts/export?format=vcf&sort=createdAt");
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-type"]).toContain("text/vcard");
    const text = exported.rawPayload.toString("utf8");
    expect(text.match(/BEGIN:VCARD/g)?.length).toBe(3);
    expect(text).toContain("VERSION:4.0");

    const r = (await upload(t, b, exported.rawPayload)).json() as VcardImportResult;
    expect(r).toMatchObject({ cards: 3, created: 3, rejected: [], skipped: [], warnings: [], companiesCreated: 1 });
    const shape = (c: Contact) => {
      const { id: _i, createdAt: _c, updatedAt: _u, scoredAt: _s, ownerId: _o, companyId: _co, leadSource: _l, ...rest } = c;
      return rest;
    };
    const list = async (ws: Client) => ((await ws.get("/api/v1/contacts?sort=primaryEmail")).json().data as Contact[]).map(shape);
    expect(await list(b)).toEqual(await list(a));
  });

  it("downloads one contact and a selection as vCard", async () => {
    const c = await newWorkspace(t.app);
    const one = (await c.post("/api/v1/contacts", { firstName: "Ann", lastName: "Lee", emails: [{ email: "ann@example.com" }] })).json();
    const two = (await c.post("/api/v1/contacts", { firstName: "Bo", lastName: "Kim" })).json();
    const res = await c.get(`/api/v1/contacts/${one.id}/vcard`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-disposition"]).toBe('attachment; filename="Ann Lee.vcf"');
    expect(res.body).toContain("FN:Ann Lee\r\n");
    expect(res.body).toContain(`UID:urn:uuid:${one.id}`);
    const sel = await c.post("/api/v1/contacts/vcard/export", { ids: [two.id, one.id] });
    expect(sel.statusCode).toBe(200);
    expect([...sel.body.matchAll(/FN:(.*)\r\n/g)].map((m) => m[1])).toEqual(["Bo Kim", "Ann Lee"]);
    const other = await newWorkspace(t.app);
    expectProblem(await other.get(`/api/v1/contacts/${one.id}/vcard`), 404, "not_found");
    expectProblem(await other.post("/api/v1/contacts/vcard/export", { ids: [one.id] }), 404, "not_found");
  });
});
