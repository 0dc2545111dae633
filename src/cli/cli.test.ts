import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
// The compiled CLI, as `npm install` ships it, rebuilt first when a source is newer (what npm install's prepare step
// does), so this tests the code as it is now. Through tsx every command spent seconds compiling the sources again.
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "bin/rapport.js");
const dataDir = mkdtempSync(join(tmpdir(), "rapport-cli-"));

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(root, "scripts/build.js"), "server", "--if-stale"], { cwd: root, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);
});

async function rapport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, DATABASE_URL: "", RAPPORT_DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("rapport CLI (embedded database)", () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("lists its commands", async () => {
    const { stdout } = await rapport("--help");
    for (const cmd of ["serve", "migrate", "workspace", "user"]) expect(stdout).toContain(cmd);
  });

  it("creates a workspace, lists it and adds a user", async () => {
    expect((await rapport("migrate")).stdout).toContain("Migrations applied (pglite)");
    const created = await rapport(
      "workspace",
      "create",
      "--name",
      "CLI Co",
      "--admin-email",
      "Boss@Cli.example",
      "--admin-name",
      "Boss",
      "--admin-password",
      "long enough pw",
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("boss@cli.example");
    const list = await rapport("workspace", "list");
    const id = list.stdout.trim().split(/\s+/)[0] ?? "";
    expect(list.stdout).toContain("CLI Co");
    const added = await rapport(
      "user",
      "add",
      "--workspace",
      id,
      "--email",
      "rep@cli.example",
      "--name",
      "Rep",
      "--password",
      "long enough pw",
      "--role",
      "sales",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("rep@cli.example as sales");
  });

  it("imports as the workspace's first admin, names the columns it leaves out, and reports unchanged rows", async () => {
    const id = (await rapport("workspace", "list")).stdout.trim().split(/\s+/)[0] ?? "";
    const file = join(dataDir, "people.csv");
    writeFileSync(file, "First Name,Email,Shoe size\nAda,ada@cli.example,38\nBob,bob@cli.example,44\n");
    const dry = await rapport("import", "contact", file, "--workspace", id, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Importing as Boss <boss@cli.example>");
    expect(dry.stdout).toContain("Not imported (1 of 3 columns have no target): Shoe size");
    expect(dry.stdout).toContain("Dry run of 2 rows: 2 to create, 0 to update, 0 unchanged, 0 to skip, 0 to reject.");
    const first = await rapport("import", "contact", file, "--workspace", id);
    expect(first.stdout).toMatch(/completed: 2 created, 0 updated, 0 unchanged, 0 skipped, 0 rejected/);
    const again = await rapport("import", "contact", file, "--workspace", id, "--on-duplicate", "update");
    expect(again.stdout).toMatch(/completed: 0 created, 0 updated, 2 unchanged, 0 skipped, 0 rejected/);
    const out = join(dataDir, "out.csv");
    const exported = await rapport("export", "contacts", out, "--workspace", id);
    expect(exported.code, exported.stderr).toBe(0);
    const [header, ...rows] = readFileSync(out, "utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    const owner = (header ?? "").split(",").findIndex((h) => /owner/i.test(h));
    expect(owner).toBeGreaterThanOrEqual(0);
    expect(rows.map((r) => r.split(",")[owner])).toEqual(["Boss", "Boss"]);
    // An import id names its workspace: undo and resume need no --workspace (the README shows them without).
    const importId = /Import (\S+) completed/.exec(first.stdout)?.[1] ?? "";
    const undone = await rapport("import", "undo", importId);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toContain(`Import ${importId} undone: 2 created records moved to the trash`);
    const unknown = await rapport("import", "resume", "00000000-0000-7000-8000-000000000000");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no import 00000000-0000-7000-8000-000000000000/);
    const noWorkspace = await rapport("import", "contact", file);
    expect(noWorkspace.code).not.toBe(0);
    expect(noWorkspace.stderr).toMatch(/--workspace/);
  });

  it("explains bad input instead of crashing", async () => {
    const badEmail = await rapport(
      "user",
      "add",
      "--workspace",
      "00000000-0000-7000-8000-000000000000",
      "--email",
      "nope",
      "--name",
      "X",
      "--password",
      "long enough pw",
    );
    expect(badEmail.code).not.toBe(0);
    expect(badEmail.stderr).toMatch(/email: Enter a valid email address/);
    const badRole = await rapport(
      "user",
      "add",
      "--workspace",
      "00000000-0000-7000-8000-000000000000",
      "--email",
      "a@b.co",
      "--name",
      "X",
      "--password",
      "long enough pw",
      "--role",
      "king",
    );
    expect(badRole.stderr).toMatch(/role/);
    expect(badRole.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
