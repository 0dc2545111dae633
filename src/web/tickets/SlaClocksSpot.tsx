/**
 * Where the ticket page shows its SLA clocks. svc-sla builds `<SlaClocks ticketId>` in src/web/sla; at merge the lead
 * replaces this body with `return <SlaClocks ticketId={ticketId} />` (one import, one line). Until then: nothing,
 * so the page carries no dead placeholder for users.
 */
export function SlaClocksSpot(_props: { ticketId: string }) {
  return null;
}
