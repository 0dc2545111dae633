/**
 * Keyboard use in real Chromium: `?` lists the shortcuts, `g` + key goes to each page, `c` opens the create form on
 * list pages, `/` focuses the page's search (or opens the global one); none fires while typing in a field, a
 * contenteditable or a select, nor with Ctrl/Alt/Cmd held. Dialogs hand focus back when they close, and Esc closes the
 * phone navigation.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("keyboard shortcuts and focus (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "keyboard");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const path = () => new URL(page.url()).pathname;
  const activeTestId = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? null);
  /** Blurs whatever has focus, as after clicking an empty part of the page. */
  const blur = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const shortcutsDialog = () => page.getByRole("dialog", { name: "Keyboard shortcuts" });

  it(
    "signs up and adds a contact",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Keys Ltd", name: "Kai Keys", email: "kai@keys.test" });
        const res = await page.request.post(`${server.url}/api/v1/contacts`, { data: { firstName: "Zofia", lastName: "Kowalczyk" } });
        expect(res.status()).toBe(201);
        await page.goto(`${server.url}/contacts`);
        await see(byTestId("record-row"));
      }),
    STEP,
  );

  it(
    "? lists the shortcuts, Esc closes the list and focus goes back",
    () =>
      step("02-help", async () => {
        await byTestId("list-search").focus();
        await blur();
        await page.keyboard.press("?");
        await see(shortcutsDialog());
        const text = (await shortcutsDialog().textContent()) ?? "";
        for (const label of ["Show this list", "Contacts", "Companies", "Deals", "Leads", "Tasks", "Calendar", "Forecast", "Settings", "Create a record"])
          expect(text).toContain(label);
        expect(await shortcutsDialog().getByTestId("shortcut-row").count()).toBeGreaterThanOrEqual(15);
        await page.keyboard.press("Escape");
        await shortcutsDialog().waitFor({ state: "detached" });

        // The account menu offers the same list to people who do not know about `?`; closing it returns focus there.
        await byTestId("user-menu").click();
        await byTestId("open-shortcuts").click();
        await see(shortcutsDialog());
        await page.keyboard.press("Escape");
        await shortcutsDialog().waitFor({ state: "detached" });
        await expect.poll(activeTestId).toBe("user-menu");
      }),
    STEP,
  );

  it(
    "g + key goes to each main page",
    () =>
      step("03-goto", async () => {
        const pages: [string, string][] = [
          ["o", "/companies"],
          ["d", "/deals"],
          ["l", "/leads"],
          ["t", "/tasks"],
          ["a", "/calendar"],
          ["f", "/forecast"],
          ["p", "/products"],
          ["q", "/data-quality"],
          ["i", "/imports"],
          ["x", "/trash"],
          ["h", "/home"],
          ["s", "/settings/users"],
          ["c", "/contacts"],
        ];
        for (const [key, to] of pages) {
          await blur();
          await page.keyboard.press("g");
          await page.keyboard.press(key);
          await expect.poll(path, { message: `g ${key} should open ${to}` }).toBe(to);
          await page.locator("main").first().waitFor();
        }
        // A lone key after too long a pause is not a sequence.
        await see(byTestId("record-row"));
        await blur();
        await page.keyboard.press("g");
        await page.waitForTimeout(1700);
        await page.keyboard.press("o");
        await page.waitForTimeout(300);
        expect(path()).toBe("/contacts");
      }),
    STEP,
  );

  it(
    "c opens the create form, which gets focus and hands it back to the create button when closed",
    () =>
      step("04-create", async () => {
        await blur();
        await page.keyboard.press("c");
        await see(byTestId("contact-firstName"));
        // Typing in the form's fields types, it does not trigger shortcuts.
        await byTestId("contact-firstName").fill("");
        await byTestId("contact-firstName").pressSequentially("c?/go");
        expect(await byTestId("contact-firstName").inputValue()).toBe("c?/go");
        expect(path()).toBe("/contacts");
        await expect.poll(() => shortcutsDialog().count()).toBe(0);
        // Nor do keys on a dialog's buttons: the dialog has the user's attention.
        await page.getByRole("dialog").getByRole("button", { name: "Close" }).focus();
        await page.keyboard.press("g");
        await page.keyboard.press("o");
        await page.keyboard.press("?");
        await page.waitForTimeout(300);
        expect(path()).toBe("/contacts");
        expect(await shortcutsDialog().count()).toBe(0);
        await page.keyboard.press("Escape");
        await byTestId("contact-firstName").waitFor({ state: "detached" });
        await expect.poll(activeTestId).toBe("create-button");

        // A click-opened dialog returns focus to its trigger too.
        await byTestId("create-button").click();
        await see(byTestId("contact-firstName"));
        await page.keyboard.press("Escape");
        await byTestId("contact-firstName").waitFor({ state: "detached" });
        await expect.poll(activeTestId).toBe("create-button");

        // Other list pages answer `c` with their own form.
        await blur();
        await page.keyboard.press("g");
        await page.keyboard.press("t");
        await see(byTestId("new-task"));
        await blur();
        await page.keyboard.press("c");
        await see(page.getByRole("dialog"));
        await page.keyboard.press("Escape");
        await page.getByRole("dialog").waitFor({ state: "detached" });
        await expect.poll(activeTestId).toBe("new-task");
      }),
    STEP,
  );

  it(
    "/ focuses the list's search, or opens the global search where a page has none",
    () =>
      step("05-search", async () => {
        await page.goto(`${server.url}/contacts`);
        await see(byTestId("record-row"));
        await blur();
        await page.keyboard.press("/");
        await expect.poll(activeTestId).toBe("list-search");
        // The slash is not typed into the box it focuses; what follows is.
        await page.keyboard.type("zof");
        expect(await byTestId("list-search").inputValue()).toBe("zof");
        await byTestId("list-search").fill("");

        await page.goto(`${server.url}/tasks`);
        await see(byTestId("new-task"));
        await blur();
        await page.keyboard.press("/");
        await see(byTestId("palette-input"));
        await expect.poll(activeTestId).toBe("palette-input");
        await page.keyboard.press("Escape");
        await byTestId("palette-input").waitFor({ state: "hidden" });
      }),
    STEP,
  );

  it(
    "never fires with Ctrl, Alt or Cmd held, nor inside a contenteditable or a select",
    () =>
      step("06-guards", async () => {
        await page.goto(`${server.url}/contacts`);
        await see(byTestId("record-row"));
        await blur();
        for (const combo of ["Alt+c", "Control+Shift+?", "Alt+?", "Meta+c"]) await page.keyboard.press(combo);
        await page.keyboard.press("Control+g");
        await page.keyboard.press("o");
        await page.keyboard.press("Alt+g");
        await page.keyboard.press("Alt+d");
        await page.waitForTimeout(300);
        expect(path()).toBe("/contacts");
        expect(await page.getByRole("dialog").count()).toBe(0);

        // Rich-text editors and native selects: the guard is the element kind, whichever page hosts one.
        await page.evaluate(() => {
          const main = document.querySelector("main");
          const editor = document.createElement("div");
          editor.contentEditable = "true";
          editor.dataset.testid = "probe-editable";
          editor.textContent = "";
          const select = document.createElement("select");
          select.dataset.testid = "probe-select";
          select.innerHTML = '<option value="a">a</option><option value="c">c</option><option value="g">g</option>';
          main?.prepend(editor, select);
        });
        await byTestId("probe-editable").click();
        await page.keyboard.type("gocg?");
        expect(await byTestId("probe-editable").textContent()).toBe("gocg?");
        await byTestId("probe-select").focus();
        await page.keyboard.press("c");
        await page.keyboard.press("g");
        await page.keyboard.press("d");
        await page.keyboard.press("?");
        await page.waitForTimeout(300);
        expect(path()).toBe("/contacts");
        expect(await page.getByRole("dialog").count()).toBe(0);
      }),
    STEP,
  );

  it(
    "Esc closes the phone navigation and returns focus to the burger",
    () =>
      step("07-phone-nav", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${server.url}/contacts`);
        await see(byTestId("record-row"));
        await byTestId("nav-burger").click();
        // Opening moves focus into the navigation.
        await expect.poll(activeTestId).toBe("nav-home");
        expect(await byTestId("navbar").getAttribute("inert")).toBeNull();
        await page.keyboard.press("Escape");
        await expect.poll(() => byTestId("navbar").getAttribute("inert")).toBe("");
        expect(await byTestId("nav-burger").getAttribute("aria-label")).toBe("Open navigation");
        await expect.poll(activeTestId).toBe("nav-burger");
        // Shortcuts work on phones too (hardware keyboards).
        await blur();
        await page.keyboard.press("g");
        await page.keyboard.press("o");
        await expect.poll(path).toBe("/companies");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
