import { DndContext, type DragEndEvent, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors } from "@dnd-kit/core";
import { Alert, Badge, Card, Group, Loader, ScrollArea, Stack, Text } from "@mantine/core";
import { IconAlertCircle } from "@tabler/icons-react";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { notifyError } from "../lib/notify.js";
import { categoryColors, fetchTickets, priorityColors, priorityLabels, statusesQuery, type TicketFilters, ticketApi, ticketKeys } from "./api.js";
import type { Ticket, TicketStatusDef } from "./types.js";

const PER_COLUMN = 50;

/** Tickets by status, one column per status in the workspace's order; dragging a card changes its status. */
export function TicketBoard({ filters }: { filters: TicketFilters }) {
  const qc = useQueryClient();
  const statuses = useQuery(statusesQuery);
  const { may } = usePermissions();
  const canEdit = may("ticket", "edit");
  const [announcement, setAnnouncement] = useState("");
  const columns = (statuses.data ?? []).slice().sort((a, b) => a.position - b.position);
  const lists = useQueries({
    queries: columns.map((s) => ({
      queryKey: ticketKeys.list({ ...filters, status: s.key, board: true } as TicketFilters),
      queryFn: () => fetchTickets({ ...filters, status: s.key }, undefined, PER_COLUMN),
    })),
  });
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }), useSensor(KeyboardSensor));
  const move = useMutation({
    mutationFn: ({ ticket, to }: { ticket: Ticket; to: TicketStatusDef }) => ticketApi.update(ticket.id, { status: to.key }),
    onSuccess: (t, { to }) => setAnnouncement(`#${t.number} moved to ${to.label}.`),
    onError: (e, { ticket }) => notifyError(e, `Could not move #${ticket.number}`),
    onSettled: () => void qc.invalidateQueries({ queryKey: ticketKeys.all }),
  });
  const onDragEnd = (e: DragEndEvent) => {
    const ticket = (e.active.data.current as { ticket: Ticket } | undefined)?.ticket;
    const to = columns.find((c) => c.key === e.over?.id);
    if (ticket && to && ticket.status !== to.key) move.mutate({ ticket, to });
  };
  if (statuses.isPending)
    return (
      <Group justify="center" py="xl">
        <Loader />
      </Group>
    );
  if (statuses.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle />} title="Could not load the statuses">
        {statuses.error.message}
      </Alert>
    );
  return (
    <>
      <div aria-live="polite" style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
        {announcement}
      </div>
      <DndContext
        sensors={sensors}
        onDragEnd={onDragEnd}
        accessibility={{
          screenReaderInstructions: {
            draggable:
              "To change this ticket's status, press Space or Enter, use the arrow keys to choose a column, then Space or Enter to drop it, or Escape to cancel.",
          },
        }}
      >
        <ScrollArea type="auto" offsetScrollbars data-testid="ticket-board">
          <Group gap="sm" wrap="nowrap" align="flex-start" pb="sm">
            {columns.map((s, i) => (
              <Column key={s.key} status={s} tickets={lists[i]?.data?.data ?? []} more={Boolean(lists[i]?.data?.nextCursor)} canEdit={canEdit} />
            ))}
          </Group>
        </ScrollArea>
      </DndContext>
    </>
  );
}

function Column({ status, tickets, more, canEdit }: { status: TicketStatusDef; tickets: Ticket[]; more: boolean; canEdit: boolean }) {
  const { setNodeRef, isOver } = useDroppable({ id: status.key });
  return (
    <Card
      ref={setNodeRef}
      withBorder
      radius="md"
      padding="xs"
      w={260}
      style={{ flex: "0 0 260px", background: isOver ? "var(--mantine-color-blue-light)" : "var(--mantine-color-default-hover)" }}
      data-testid={`ticket-column-${status.label}`}
      aria-label={`${status.label}: ${tickets.length}${more ? "+" : ""} tickets`}
    >
      <Group gap={6} mb="xs" px={4}>
        <Badge size="xs" circle color={categoryColors[status.category]} aria-hidden>
          {" "}
        </Badge>
        <Text fw={600} fz="sm">
          {status.label}
        </Text>
        <Badge size="sm" variant="light" color="gray">
          {tickets.length}
          {more ? "+" : ""}
        </Badge>
      </Group>
      <Stack gap={6} mih={60}>
        {tickets.map((t) => (
          <TicketCard key={t.id} ticket={t} canEdit={canEdit} />
        ))}
        {tickets.length === 0 && (
          <Text fz="xs" c="dimmed" ta="center" py="md">
            {canEdit ? "Drop a ticket here" : "No tickets"}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

function TicketCard({ ticket, canEdit }: { ticket: Ticket; canEdit: boolean }) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: ticket.id,
    data: { ticket },
    disabled: !canEdit,
    attributes: { role: "group" },
  });
  return (
    <div
      ref={setNodeRef}
      {...listeners}
      {...attributes}
      style={{ opacity: isDragging ? 0.4 : 1 }}
      data-testid="ticket-card"
      data-ticket-subject={ticket.subject}
    >
      <Card withBorder radius="sm" padding="xs" shadow="xs" style={{ cursor: canEdit ? "grab" : "default" }}>
        <AnchorLink to="/tickets/$id" params={{ id: ticket.id }} fz="sm" fw={500} lineClamp={2} draggable={false}>
          #{ticket.number} {ticket.subject}
        </AnchorLink>
        <Group gap={6} mt={4}>
          <Badge size="xs" variant="dot" color={priorityColors[ticket.priority]}>
            {priorityLabels[ticket.priority] ?? ticket.priority}
          </Badge>
          <Text fz="xs" c="dimmed">
            {ticket.assigneeName ?? "Unassigned"}
          </Text>
        </Group>
      </Card>
    </div>
  );
}
