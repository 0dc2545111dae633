import { sql } from "drizzle-orm";
import { systemActor } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { type MailQueue, type OutgoingMail, queueMail } from "../mail/service.js";
import { emailReminderUsers, notify } from "../notifications/service.js";
import { getUser } from "../users/service.js";

export interface ReminderLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

interface Due {
  workspace_id: string;
  id: string;
  title: string;
  assignee_id: string;
  due_at: Date | string | null;
  related_object: string | null;
  related_id: string | null;
}

export interface ReminderOptions {
  db: Db;
  /** The mail outbox: reminder emails are queued in the transaction that claims the reminder. */
  mail: MailQueue;
  /** Base address for links in emails, e.g. https://crm.example.com */
  publicUrl: string;
  log: ReminderLog;
  batchSize?: number;
}

/**
 * Delivers every reminder that is due: claims a batch of tasks with FOR UPDATE SKIP LOCKED, stamps
 * reminded_at, writes the notifications and queues the emails in the outbox in the same transaction, so two
 * workers never deliver the same reminder, a crash before commit leaves it due for the next run, and every email
 * that belongs to a fired reminder is in the outbox (sent, retried or kept there by the mail.send job). Returns how
 * many reminders fired.
 */
export async function deliverDueReminders(options: ReminderOptions, now = new Date()): Promise<number> {
  const { db } = options;
  const batch = options.batchSize ?? 100;
  let total = 0;
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const rows = await queryRows<Due>(
        tx,
        sql`update tasks t set reminded_at = ${now.toISOString()}::timestamptz
            from (select workspace_id, id from tasks
                  where remind_at is not null and remind_at <= ${now.toISOString()}::timestamptz and reminded_at is null and status = 'open'
                  order by remind_at limit ${batch} for update skip locked) due
            where t.workspace_id = due.workspace_id and t.id = due.id
            returning t.workspace_id, t.id, t.title, t.assignee_id, t.due_at, t.related_object, t.related_id`,
      );
      for (const r of rows) {
        await notify(
          { db: tx, workspaceId: r.workspace_id },
          {
            userId: r.assignee_id,
            kind: "task_reminder",
            title: `Reminder: ${r.title}`,
            body: r.due_at ? `Due ${new Date(r.due_at).toISOString()}` : null,
            object: "task",
            recordId: r.id,
          },
        );
      }
      if (rows.length > 0) await queueReminderEmails(tx, options, rows);
      return rows;
    });
    total += claimed.length;
    if (claimed.length < batch) return total;
  }
}

async function queueReminderEmails(tx: Db, options: ReminderOptions, due: Due[]): Promise<void> {
  const wanted = await emailReminderUsers(
    { db: tx },
    due.map((d) => ({ workspaceId: d.workspace_id, userId: d.assignee_id })),
  );
  for (const d of due) {
    if (!wanted.has(`${d.workspace_id}|${d.assignee_id}`)) continue;
    const ctx = { db: tx, workspaceId: d.workspace_id, actor: systemActor };
    const user = await getUser(ctx, d.assignee_id).catch(() => null);
    if (!user?.active) continue;
    const link = `${options.publicUrl.replace(/\/$/, "")}/tasks?task=${d.id}`;
    const due = d.due_at ? new Date(d.due_at).toUTCString() : null;
    const mail: OutgoingMail = {
      kind: "task_reminder",
      to: { name: user.name, address: user.email },
      subject: `Reminder: ${d.title}`,
      text: `Hi ${user.name},\n\nThis is your reminder for the task "${d.title}"${due ? `, due ${due}` : ""}.\n\nOpen it in Rapport: ${link}\n`,
      related: { object: "task", id: d.id },
    };
    try {
      await queueMail(ctx, options.mail, mail);
    } catch (e) {
      // Only input checks throw before the insert; one user's unusable address must not hold back everyone's reminders.
      if (!(e instanceof AppError)) throw e;
      options.log.warn(`Reminder email for task ${d.id} not queued: ${e.message}`);
    }
  }
}
