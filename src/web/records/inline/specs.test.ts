import { describe, expect, it } from "vitest";
import { type Contact, type CustomField, UpdateContactBody } from "../../../contract/index.js";
import { compactRows, contactSpecs, customSpec, dealSpecs } from "./specs.js";

const field = (type: CustomField["type"], options: string[] = [], required = false): CustomField => ({
  id: "01900000-0000-7000-8000-000000000001",
  object: "contact",
  key: "f",
  label: "Field",
  type,
  options,
  required,
  position: 0,
  createdAt: "2026-01-01T00:00:00.000Z",
});

describe("inline edit specs", () => {
  it("drops blank email rows and keeps the primary on the row it was on, so error paths match the rows shown", () => {
    const draft = {
      rows: [
        { value: "", label: "" },
        { value: "a@example.com", label: "work" },
        { value: "b@example.com", label: "" },
      ],
      primary: 2,
    };
    const compact = compactRows(draft);
    expect(compact).toEqual({ rows: [draft.rows[1], draft.rows[2]], primary: 1 });
    const body = contactSpecs.emails.type === "emails" ? contactSpecs.emails.body(compact, {} as Contact) : {};
    expect(body).toEqual({
      emails: [
        { email: "a@example.com", label: "work", primary: false },
        { email: "b@example.com", primary: true },
      ],
    });
    expect(UpdateContactBody.safeParse(body).success).toBe(true);
  });

  it("clears a text field with null, and sends custom values under custom with blanks as null", () => {
    expect(contactSpecs.jobTitle.type === "text" && contactSpecs.jobTitle.body("  ", {} as Contact)).toEqual({ jobTitle: null });
    const text = customSpec<Contact>(field("text"));
    expect(text.type === "text" && text.body(" hi ", {} as Contact)).toEqual({ custom: { f: "hi" } });
    const multi = customSpec<Contact>(field("multi_select", ["A", "B"]));
    expect(multi.type === "multi" && multi.body([], {} as Contact)).toEqual({ custom: { f: null } });
    const num = customSpec<Contact>(field("currency"));
    expect(num.type === "number" && num.body("", {} as Contact)).toEqual({ custom: { f: null } });
  });

  it("gives every custom field type an editor, selects their options by label, and checks them as the form does", () => {
    const kinds = (["text", "long_text", "number", "currency", "date", "boolean", "select", "multi_select", "url", "email", "phone"] as const).map(
      (t) => customSpec<Contact>(field(t, ["Gold", "Silver"])).type,
    );
    expect(kinds).toEqual(["text", "long_text", "number", "number", "date", "boolean", "select", "multi", "url", "email", "phone"]);
    const select = customSpec<Contact>(field("select", ["Gold", "Silver"], true));
    expect(select.type === "select" && select.options).toEqual([
      { value: "Gold", label: "Gold" },
      { value: "Silver", label: "Silver" },
    ]);
    expect(select.type === "select" && select.clearable).toBe(false);
    const url = customSpec<Contact>(field("url"));
    expect(url.type === "url" && url.check?.("example.com")).toEqual({ "custom.f": "Enter a full http(s) URL" });
    const required = customSpec<Contact>(field("text", [], true));
    expect(required.type === "text" && required.check?.("")).toEqual({ "custom.f": "Field is required" });
  });

  it("locks a deal amount that follows its line items", () => {
    const locked = dealSpecs.amount.locked?.({ amountSource: "line_items" } as Parameters<NonNullable<typeof dealSpecs.amount.locked>>[0]);
    expect(locked).toMatch(/line items/);
    expect(dealSpecs.amount.locked?.({ amountSource: "manual" } as Parameters<NonNullable<typeof dealSpecs.amount.locked>>[0])).toBeNull();
  });
});
