import { z } from "zod";
import { Email } from "./auth.js";
import { Id, listOf, Timestamp } from "./common.js";

const Host = z
  .string()
  .trim()
  .min(1, "Enter the IMAP server's host name")
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/, "A host name such as imap.example.com, or an IP address");

/** How Rapport reads an existing mailbox over IMAP. The password is never returned. */
export const ImapSettings = z.object({
  host: z.string(),
  port: z.number().int(),
  tls: z.boolean().describe("TLS from the start (IMAPS, usually port 993); false connects in plain text and upgrades with STARTTLS when offered"),
  user: z.string(),
  folder: z.string().describe("The folder polled for new messages"),
  passwordSet: z.boolean().describe("The password is never returned; this says whether one is stored"),
});
export type ImapSettings = z.infer<typeof ImapSettings>;

export const ImapSettingsBody = z
  .object({
    host: Host,
    port: z.number().int().min(1).max(65535).default(993),
    tls: z.boolean().default(true),
    user: z.string().trim().min(1, "Enter the IMAP user name").max(320),
    password: z.string().min(1).max(1000).optional().describe("Omit to keep the stored password"),
    folder: z.string().trim().min(1).max(200).default("INBOX"),
  })
  .strict();
export type ImapSettingsBody = z.infer<typeof ImapSettingsBody>;

export const ImapPollState = z.object({
  lastPolledAt: Timestamp.nullable(),
  lastError: z.string().nullable().describe("Why the last poll failed; null after a successful one"),
  lastUid: z.number().int().describe("The highest IMAP UID taken in so far (the checkpoint)"),
});

export const Mailbox = z.object({
  id: Id,
  address: z.string().describe("Mail to this address becomes tickets of this workspace"),
  name: z.string(),
  queueId: Id.nullable().describe("New tickets from this mailbox go to this queue; null lets the workspace's routing decide"),
  autoAcknowledge: z.boolean().describe("Send the customer an acknowledgement with the ticket number for a new ticket"),
  enabled: z.boolean(),
  imap: ImapSettings.nullable().describe("Set when Rapport polls an existing mailbox instead of (or beside) receiving by SMTP"),
  imapState: ImapPollState.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Mailbox = z.infer<typeof Mailbox>;
export const MailboxList = z.object({
  data: z.array(Mailbox),
  smtpReceiver: z
    .object({ host: z.string(), port: z.number().int() })
    .nullable()
    .describe("Where this server receives mail by SMTP (MAIL_IN_SMTP_PORT); null when it does not"),
});
export type MailboxList = z.infer<typeof MailboxList>;

export const CreateMailboxBody = z
  .object({
    address: Email,
    name: z.string().trim().min(1, "Give the mailbox a name").max(200),
    queueId: Id.nullable().default(null),
    autoAcknowledge: z.boolean().default(true),
    enabled: z.boolean().default(true),
    imap: ImapSettingsBody.nullable().default(null),
  })
  .strict();
export type CreateMailboxBody = z.infer<typeof CreateMailboxBody>;

export const UpdateMailboxBody = z
  .object({
    address: Email,
    name: z.string().trim().min(1).max(200),
    queueId: Id.nullable(),
    autoAcknowledge: z.boolean(),
    enabled: z.boolean(),
    imap: ImapSettingsBody.nullable(),
  })
  .partial()
  .strict();
export type UpdateMailboxBody = z.infer<typeof UpdateMailboxBody>;

/** Tries IMAP settings before saving them: the stored password is used when the body has none and names a mailbox. */
export const TestImapBody = ImapSettingsBody.extend({ mailboxId: Id.optional() }).strict();
export type TestImapBody = z.infer<typeof TestImapBody>;
export const TestImapResult = z.object({
  ok: z.boolean(),
  message: z.string().describe("What happened, in words for the admin"),
  messages: z.number().int().nullable().describe("Messages in the folder, when the connection worked"),
});
export type TestImapResult = z.infer<typeof TestImapResult>;

/**
 * What became of one received message. ticket_created / threaded: it is on a ticket; ignored: our own mail coming back
 * (a loop); failed: it could not be read or taken into a ticket (the raw message is kept for a look, with the reason).
 * A duplicate (the same Message-ID again, through this or another mailbox) is not stored a second time.
 */
export const inboundStatuses = ["ticket_created", "threaded", "ignored", "failed"] as const;
export const InboundStatus = z.enum(inboundStatuses);
export type InboundStatus = z.infer<typeof InboundStatus>;

export const InboundMessage = z.object({
  id: Id,
  mailboxId: Id,
  via: z.enum(["smtp", "imap"]),
  messageId: z.string().nullable().describe("The Message-ID header without <>"),
  fromAddress: z.string().nullable(),
  subject: z.string().nullable(),
  size: z.number().int().describe("Bytes of the raw message"),
  status: InboundStatus,
  reason: z.string().nullable().describe("Why the message was not threaded, ignored or failed, or why no acknowledgement went out"),
  ticketId: Id.nullable(),
  ticketMessageId: Id.nullable(),
  acknowledged: z.boolean().describe("An acknowledgement was queued to the sender"),
  receivedAt: Timestamp,
});
export type InboundMessage = z.infer<typeof InboundMessage>;

export const InboundMessageListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    mailboxId: Id.optional(),
    status: InboundStatus.optional(),
  })
  .strict();
export const InboundMessageList = listOf(InboundMessage);
