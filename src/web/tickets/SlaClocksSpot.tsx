import { SlaClocks } from "../sla/SlaClocks.js";

/** Where the ticket page shows its SLA clocks (src/web/sla). */
export function SlaClocksSpot({ ticketId }: { ticketId: string }) {
  return <SlaClocks ticketId={ticketId} />;
}
