import { Badge, Card, Group, Progress, Stack, Text, Tooltip } from "@mantine/core";
import { IconClockHour4 } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type SlaClock, type SlaClockState, slaMetricLabels } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { formatDateTime } from "../lib/dates.js";
import { formatBusinessMinutes, ticketSlaQuery } from "./api.js";

const stateLabels: Record<SlaClockState, string> = { running: "Running", paused: "Paused", met: "Met", breached: "Breached" };
const stateColors: Record<SlaClockState, string> = { running: "blue", paused: "gray", met: "green", breached: "red" };

function remainingText(c: SlaClock): string {
  if (c.state === "met") return c.metAt ? `Met ${formatDateTime(c.metAt)}` : "Met";
  if (c.remainingMinutes < 0 || c.state === "breached") return `Breached by ${formatBusinessMinutes(-c.remainingMinutes)}`;
  if (c.state === "paused") return `${formatBusinessMinutes(c.remainingMinutes)} left when it resumes`;
  return `${formatBusinessMinutes(c.remainingMinutes)} left`;
}

/** One clock: what it measures, its state, time left (business time) and when it is due. */
function ClockRow({ clock: c }: { clock: SlaClock }) {
  const used = c.targetMinutes > 0 ? Math.min(100, Math.max(0, (c.elapsedMinutes / c.targetMinutes) * 100)) : 0;
  const warn = c.warnAt && c.state === "running" && c.warnAt <= new Date().toISOString();
  return (
    <Stack gap={4} data-testid={`sla-clock-${c.metric}`}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text fz="sm" fw={500}>
          {slaMetricLabels[c.metric]}
        </Text>
        <Badge size="sm" variant="light" color={warn ? "orange" : stateColors[c.state]}>
          {warn ? "Due soon" : stateLabels[c.state]}
        </Badge>
      </Group>
      <Progress value={c.state === "breached" ? 100 : used} color={c.state === "breached" ? "red" : warn ? "orange" : stateColors[c.state]} size="sm" />
      <Group justify="space-between" gap="xs">
        <Text fz="xs" c={c.state === "breached" ? "red" : "dimmed"} data-testid="sla-remaining">
          {remainingText(c)}
        </Text>
        {c.dueAt && c.state !== "met" && (
          <Tooltip label={`Target ${formatBusinessMinutes(c.targetMinutes)} of business time, started ${formatDateTime(c.startedAt)}`}>
            <Text fz="xs" c="dimmed">
              Due {formatDateTime(c.dueAt)}
            </Text>
          </Tooltip>
        )}
      </Group>
    </Stack>
  );
}

/** A ticket's SLA clocks for its page: first response, next response and resolution under the policy that applies. */
export function SlaClocks({ ticketId }: { ticketId: string }) {
  const sla = useQuery(ticketSlaQuery(ticketId));
  return (
    <Card withBorder radius="md" padding="sm" data-testid="sla-clocks">
      <Group gap={6} mb="xs">
        <IconClockHour4 size={16} />
        <Text fz="sm" fw={600}>
          Service level
        </Text>
        {sla.data?.clocks[0] && (
          <Text fz="xs" c="dimmed">
            {sla.data.clocks[0].policyName}
            {sla.data.calendarName ? ` · ${sla.data.calendarName}` : " · around the clock"}
          </Text>
        )}
      </Group>
      {sla.isPending && (
        <Text fz="xs" c="dimmed">
          Loading…
        </Text>
      )}
      {sla.isError && (
        <Text fz="xs" c="red">
          Could not load the SLA clocks.
        </Text>
      )}
      {sla.data && sla.data.clocks.length === 0 && (
        <Text fz="xs" c="dimmed">
          No SLA policy covers this ticket.{" "}
          <AnchorLink to="/settings/service-levels" inherit>
            Set up service levels
          </AnchorLink>{" "}
          to track response and resolution targets.
        </Text>
      )}
      <Stack gap="sm">
        {sla.data?.clocks.map((c) => (
          <ClockRow key={c.metric} clock={c} />
        ))}
      </Stack>
    </Card>
  );
}
