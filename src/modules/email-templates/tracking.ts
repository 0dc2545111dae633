import { type Ctx, systemActor } from "../../core/context.js";
import type { Db } from "../../db/client.js";
import { logActivity } from "../activities/service.js";
import { publishEvents } from "../history/service.js";
import type { LinkClaims } from "../mail/sending.js";
import { outboxMessages } from "../mail/tracking.js";

/**
 * An unsubscribe through a genuine link (or a mailto naming a message we sent): publishes marketing.unsubscribed for
 * the consent module and notes it on the contact's timeline, in one transaction. The address is the one the message
 * went to.
 */
export async function unsubscribe(db: Db, claims: Pick<LinkClaims, "w" | "m" | "c">, source: string): Promise<{ address: string } | null> {
  const [mail] = await outboxMessages(db, [claims.w], [claims.m]);
  const address = mail?.to;
  if (!address || !claims.c) return null;
  const contactId = claims.c;
  await db.transaction(async (tx) => {
    const ctx: Ctx = { db: tx, workspaceId: claims.w, actor: systemActor };
    await publishEvents(tx, ctx, [{ type: "marketing.unsubscribed", recordId: contactId, record: { contactId, address, source } }]);
    await logActivity(
      ctx,
      { object: "contact", id: contactId },
      {
        type: "note",
        subject: `Unsubscribed from marketing email (${address})`,
        body: `Source: ${source}`,
      },
    ).catch(() => undefined);
  });
  return { address };
}
