import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { datasetMessages, emailDatasets as datasets, replyParserCases as replies } from "../../test/email-datasets.js";
import { cleanSubject, dedupeKeyOf, loopGuard, normaliseMessageId, parseInbound, ticketNumberIn, visibleReply } from "./parse.js";

const read = (dir: string, name: string) => readFileSync(join(dir, name));

describe("visible reply (GitHub's email_reply_parser cases)", () => {
  const visible = (name: string) => visibleReply(read(replies, name).toString("utf8"));
  it("drops the quoted history under 'On … wrote:' and '>' lines", () => {
    const v = visible("email_1_2.txt");
    expect(v).toMatch(/^Hi,\nYou can list the keys for the bucket/);
    expect(v).not.toContain("> Hi folks");
    expect(v).not.toContain("Abhishek Kona wrote:");
  });
  it("drops signatures and 'Sent from my …' lines", () => {
    expect(visible("email_BlackBerry.txt")).toBe("Here is another email");
    expect(visible("email_iPhone.txt")).toBe("Here is another email");
    expect(visible("email_multi_word_sent_from_my_mobile_device.txt")).toBe("Here is another email");
    expect(visible("correct_sig.txt")).toBe("this is an email with a correct -- signature.");
  });
  it("keeps what only looks like a signature or a quote header", () => {
    expect(visible("email_sig_delimiter_in_middle_of_line.txt")).toContain("And here is a fix -- this is not a signature.");
    expect(visible("email_one_is_not_on.txt")).toContain("One outstanding question I had:");
    expect(visible("greedy_on.txt")).toMatch(/^On your remote host you can run:/);
    expect(visible("email_bullets.txt")).toContain("   - how about bullets");
  });
  it("cuts Outlook's rule-and-From quote blocks", () => {
    expect(visible("email_2_1.txt")).toBe("Outlook with a reply");
    expect(visible("email_2_2.txt")).toBe("Outlook with a reply directly above line");
  });
  it("takes a 750 kB quote and a pathological text in bounded time", () => {
    const started = performance.now();
    expect(visible("email_long_quote.txt")).toMatch(/^Hi folks/);
    expect(visible("pathological.txt")).toMatch(/^I think you're onto something/);
    // Seconds, not the minutes the parser takes on the whole 750 kB: the guard is what keeps a mail flood cheap.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe("parsing raw messages", () => {
  it("reads every message of the datasets without throwing, decoding charsets", async () => {
    const files = datasetMessages();
    expect(files.length).toBeGreaterThan(150);
    let withSender = 0;
    for (const f of files) {
      const m = await parseInbound(readFileSync(f));
      if (m.from) withSender++;
      expect(typeof m.subject).toBe("string");
      expect(typeof m.bodyText).toBe("string");
    }
    expect(withSender).toBeGreaterThan(files.length - 10);
  });

  it("decodes ISO-8859-1, windows-1252, UTF-7 and raw 8-bit headers", async () => {
    const hunny = join(datasets, "hunnysoft_mime_samples");
    for (const name of ["m0004.txt", "m0006.txt", "m0010.txt", "m1012.txt", "github-102-01.txt", "m0001.txt"]) {
      const m = await parseInbound(read(hunny, name));
      expect(m.subject, name).toContain("Frösche");
    }
    const latin1Body = await parseInbound(read(hunny, "m0004.txt"));
    expect(latin1Body.originalText).not.toContain("\ufffd");
  });

  it("keeps attachments and inline images with their content ids", async () => {
    const hunny = join(datasets, "hunnysoft_mime_samples");
    const mixed = await parseInbound(read(hunny, "m0011.txt"));
    expect(mixed.attachments.length).toBe(3);
    for (const a of mixed.attachments) expect(a.content.length).toBeGreaterThan(0);
    const related = await parseInbound(read(hunny, "m0016.txt"));
    expect(related.attachments.some((a) => a.contentId)).toBe(true);
    expect(related.bodyHtml).not.toBeNull();
  });

  it("survives malformed MIME with a clear result", async () => {
    const broken = Buffer.from(
      'From: a@example.com\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\nhello\r\n',
    );
    const m = await parseInbound(broken);
    expect(m.bodyText).toContain("hello");
    expect(m.warnings.join(" ")).toMatch(/charset/i);
    const garbage = await parseInbound(Buffer.from([0, 1, 2, 255, 254, 10, 13, 10, 0]));
    expect(garbage.from).toBeNull();
    expect(garbage.warnings).toContain("No sender address in From");
  });

  it("reads threading headers", async () => {
    const m = await parseInbound(
      Buffer.from(
        "From: Ann <ANN@Example.com>\r\nTo: support@acme.test\r\nSubject: Re: [#42] Printer\r\nMessage-ID: <m2@ex.com>\r\nIn-Reply-To: <m1@acme.test>\r\nReferences: <m0@ex.com>\r\n <m1@acme.test>\r\n\r\nThanks\r\n",
      ),
    );
    expect(m.from).toEqual({ name: "Ann", address: "ann@example.com" });
    expect(m.messageId).toBe("m2@ex.com");
    expect(m.inReplyTo).toBe("m1@acme.test");
    expect(m.references).toEqual(["m0@ex.com", "m1@acme.test"]);
    expect(ticketNumberIn(m.subject)).toBe(42);
    expect(cleanSubject(m.subject)).toBe("Printer");
  });

  it("normalises ids and builds dedupe keys", () => {
    expect(normaliseMessageId(" <a@b> ")).toBe("a@b");
    expect(normaliseMessageId("")).toBeNull();
    expect(dedupeKeyOf("a@b", Buffer.from("x"))).toBe("mid:a@b");
    expect(dedupeKeyOf(null, Buffer.from("x"))).toBe(dedupeKeyOf(null, Buffer.from("x")));
    expect(dedupeKeyOf(null, Buffer.from("x"))).not.toBe(dedupeKeyOf(null, Buffer.from("y")));
  });
});

describe("loop guard (RFC 3834)", () => {
  const ours = { loopMarker: "rapport@acme.test", addresses: new Set(["support@acme.test"]) };
  const parse = (headers: string) => parseInbound(Buffer.from(`${headers}\r\nSubject: s\r\n\r\nbody\r\n`));
  it("answers a person's message", async () => {
    expect(loopGuard(await parse("From: ann@example.com"), ours)).toEqual({ ignore: null, noAutoReply: null });
    expect(loopGuard(await parse("From: ann@example.com\r\nAuto-Submitted: no"), ours).noAutoReply).toBeNull();
  });
  it("does not answer automatic, bulk or list mail, bounces and other systems' loops", async () => {
    for (const h of [
      "Auto-Submitted: auto-replied",
      "Auto-Submitted: auto-generated",
      "Precedence: bulk",
      "Precedence: list",
      "Precedence: junk",
      "Return-Path: <>",
      "X-Loop: helpdesk@elsewhere.test",
      "List-Id: <users.lists.example.com>",
    ]) {
      const v = loopGuard(await parse(`From: ann@example.com\r\n${h}`), ours);
      expect(v.ignore, h).toBeNull();
      expect(v.noAutoReply, h).not.toBeNull();
    }
    expect(loopGuard(await parse("From: MAILER-DAEMON@example.com"), ours).noAutoReply).toMatch(/Automatic sender/);
  });
  it("ignores our own mail coming back", async () => {
    expect(loopGuard(await parse("From: ann@example.com\r\nX-Loop: rapport@acme.test"), ours).ignore).toMatch(/X-Loop/);
    expect(loopGuard(await parse("From: Support <support@acme.test>"), ours).ignore).toMatch(/our own mailbox/);
  });
});
