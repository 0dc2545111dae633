import { and, eq, isNotNull, sql } from "drizzle-orm";
import { ImapFlow } from "imapflow";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { rootDb, scopedToWorkspace } from "../../db/workspace-scope.js";
import { describeImapError, type ImapTarget, imapTargetOf, type ReceiveDeps, receiveMessage } from "./service.js";
import { mailboxes } from "./table.js";

/** What a mail_in.poll_mailbox job carries. */
export interface PollKey {
  workspaceId: string;
  mailboxId: string;
}

const clientFor = (t: ImapTarget) =>
  new ImapFlow({
    host: t.host,
    port: t.port,
    secure: t.tls,
    auth: { user: t.user, pass: t.password },
    logger: false,
    // Bounded waits: a server that stops answering fails this poll; the next one tries again.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    // Plain-text IMAP is for a server on this machine or a test; STARTTLS is still used when offered.
    tls: { rejectUnauthorized: true },
  });

/** "Test connection": sign in, open the folder, count its messages, sign out. */
export async function tryImap(t: ImapTarget): Promise<{ messages: number }> {
  const client = clientFor(t);
  client.on("error", () => {});
  await client.connect();
  try {
    const box = await client.mailboxOpen(t.folder, { readOnly: true });
    return { messages: box.exists };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Mailboxes the every-minute job polls: enabled ones with IMAP settings, across workspaces (the job's narrow bypass). */
export async function imapMailboxes(db: Db): Promise<PollKey[]> {
  const rows = await queryRows<{ workspace_id: string; id: string }>(
    rootDb(db),
    sql`select workspace_id, id from mailboxes where enabled and imap_host is not null and imap_password is not null`,
  );
  return rows.map((r) => ({ workspaceId: r.workspace_id, mailboxId: r.id }));
}

/** A failure of our own storage during a poll, told apart from the IMAP server's failures. */
class StoreFailure extends Error {}
async function stored<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new StoreFailure((e as Error).message, { cause: e });
  }
}

export interface PollResult {
  fetched: number;
  lastUid: number;
  error?: string;
}

/**
 * One poll of one mailbox: takes in every message whose UID is above the checkpoint, oldest first, and moves the
 * checkpoint past each message once receiveMessage has committed it. A poll that dies mid-way (a crash, a lost
 * connection) resumes after the last committed message; one that had committed a message but not yet the checkpoint
 * meets it again and the Message-ID dedupe drops it. Messages are only read, never flagged or moved.
 */
export async function pollMailbox(
  db: Db,
  deps: ReceiveDeps,
  key: PollKey,
  secretKey: string | undefined,
  options: { batch?: number } = {},
): Promise<PollResult> {
  const scoped = scopedToWorkspace(db, key.workspaceId);
  const where = and(eq(mailboxes.workspaceId, key.workspaceId), eq(mailboxes.id, key.mailboxId));
  const [row] = await scoped.transaction((tx) =>
    tx
      .select()
      .from(mailboxes)
      .where(and(where, isNotNull(mailboxes.imapHost))),
  );
  if (!row?.enabled) return { fetched: 0, lastUid: row?.imapLastUid ?? 0 };
  const target = imapTargetOf(row, secretKey);
  if (!target) return { fetched: 0, lastUid: row.imapLastUid };
  const save = (set: Partial<typeof mailboxes.$inferInsert>) => stored(() => scoped.transaction((tx) => tx.update(mailboxes).set(set).where(where)));

  const client = clientFor(target);
  client.on("error", () => {});
  let lastUid = row.imapLastUid;
  let fetched = 0;
  try {
    await client.connect();
    const lock = await client.getMailboxLock(target.folder, { readOnly: true });
    try {
      const box = client.mailbox;
      if (!box) throw new Error(`The folder ${target.folder} could not be opened`);
      const validity = BigInt(box.uidValidity);
      if (row.imapUidValidity !== validity) {
        // A new folder (or one the server rebuilt): its UIDs mean nothing against the old checkpoint.
        lastUid = 0;
        await save({ imapUidValidity: validity, imapLastUid: 0 });
      }
      const uids = ((await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [])
        .filter((u) => u > lastUid)
        .sort((a, b) => a - b)
        .slice(0, options.batch ?? 200);
      const [mailbox] = await stored(() => scoped.transaction((tx) => tx.select().from(mailboxes).where(where)));
      if (!mailbox) return { fetched, lastUid };
      const targetBox = {
        workspaceId: key.workspaceId,
        id: key.mailboxId,
        address: mailbox.address,
        queueId: mailbox.queueId,
        autoAcknowledge: mailbox.autoAcknowledge,
      };
      for (const uid of uids) {
        const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        const raw = message ? message.source : undefined;
        if (raw) await stored(() => receiveMessage(db, deps, { raw, mailboxes: [targetBox], via: "imap" }));
        lastUid = uid;
        fetched++;
        await save({ imapLastUid: uid });
      }
    } finally {
      lock.release();
    }
    await client.logout().catch(() => client.close());
    await save({ imapLastPolledAt: new Date(deps.now?.() ?? Date.now()), imapLastError: null });
    return { fetched, lastUid };
  } catch (e) {
    client.close();
    // The database failing is not the mailbox's fault: the job retries. An IMAP failure is shown on the mailbox.
    if (e instanceof StoreFailure) throw e.cause;
    const message = describeImapError(e);
    await save({ imapLastPolledAt: new Date(deps.now?.() ?? Date.now()), imapLastError: message });
    return { fetched, lastUid, error: message };
  }
}
