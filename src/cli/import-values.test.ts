import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { systemActor } from "../core/context.js";
import { openDatabase } from "../db/client.js";
import { listContacts } from "../modules/contacts/service.js";
import { listDeals } from "../modules/deals/service.js";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../../bin/rapport.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rapport-cli-values-"));
const dataDir = join(dir, "data");

async function rapport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, DATABASE_URL: "", RAPPORT_DATA_DIR: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("rapport import: date orders, primary columns, extensions", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("asks for the order of an ambiguous date column, takes --date-order, and keeps primary columns and extensions", async () => {
    const created = await rapport(
      "workspace",
      "create",
      "--name",
      "Dates Co",
      "--admin-email",
      "boss@dates.example",
      "--admin-name",
      "Boss",
      "--admin-password",
      "long enough pw",
    );
    expect(created.code, created.stderr).toBe(0);
    const workspace = created.stdout.match(/\(([0-9a-f-]{36})\)/)?.[1] as string;

    const deals = join(dir, "deals.csv");
    writeFileSync(deals, "Deal Name,Amount,Close Date\nA,100,03/04/2025\nB,200,01/02/2025\n");
    const refused = await rapport("import", "deal", deals, "--workspace", workspace);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('"Close Date": Dates such as 03/04/2025 could be month/day or day/month. Choose with --date-order "Close Date=dmy"');
    const done = await rapport("import", "deal", deals, "--workspace", workspace, "--date-order", "Close Date=dmy");
    expect(done.code, done.stderr + done.stdout).toBe(0);
    expect(done.stdout).toContain("2 created");

    const people = join(dir, "people.csv");
    writeFileSync(people, "First Name,Work Email,Home Email,Phone\nAda,ada@work.example,ada@home.example,+1 365 756 9410 x4781\n");
    const imported = await rapport("import", "contact", people, "--workspace", workspace, "--primary-email", "Home Email");
    expect(imported.code, imported.stderr + imported.stdout).toBe(0);
    expect(imported.stdout).toContain("Home Email → email2 (primary)");
    const database = await openDatabase({ dataDir });
    try {
      const ctx = { db: database.db, workspaceId: workspace, actor: systemActor };
      const { data } = await listDeals(ctx, { limit: 10 } as Parameters<typeof listDeals>[1]);
      expect(data.map((d) => [d.name, d.expectedCloseDate]).sort()).toEqual([
        ["A", "2025-04-03"],
        ["B", "2025-02-01"],
      ]);
      const [ada] = (await listContacts(ctx, { limit: 10 } as Parameters<typeof listContacts>[1])).data;
      expect(ada?.primaryEmail).toBe("ada@home.example");
      expect(ada?.phones).toEqual([{ phone: "+13657569410", extension: "4781", primary: true }]);
    } finally {
      await database.close();
    }
  });
});
