import { Badge, Button, Card, Group, Skeleton, Stack, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Deal, dealStatusLabels, labelOf } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";
import { formatDate, formatMoney } from "../lib/format.js";
import { DealFormDrawer } from "./DealForm.js";

const LIMIT = 50;
const statusColor: Record<string, string> = { open: "blue", won: "teal", lost: "red" };

/**
 * The deals a contact is on, or a company's deals: stage, amount and close date, each linking to the
 * deal, and "New deal" with this record already filled in.
 */
export function RecordDealsPanel({
  object,
  id,
  name,
  company,
}: {
  object: "contact" | "company";
  id: string;
  name: string;
  /** The contact's company, so a new deal is filed under it too. */
  company?: { id: string; name: string } | null;
}) {
  const { canWrite } = usePermissions();
  const [creating, setCreating] = useState(false);
  const deals = useQuery({
    queryKey: ["deals", "of", object, id],
    queryFn: ({ signal }) =>
      api.get<{ data: Deal[]; nextCursor: string | null }>(
        "/api/v1/deals",
        { [object === "contact" ? "contactId" : "companyId"]: id, sort: "-updatedAt", limit: LIMIT },
        signal,
      ),
  });
  const defaults =
    object === "contact"
      ? {
          name: `${company?.name ?? name} deal`,
          contacts: [{ key: id, contactId: id, name, role: "decision_maker" }],
          ...(company ? { companyId: company.id, companyName: company.name } : {}),
        }
      : { name: `${name} deal`, companyId: id, companyName: name };
  const rows = deals.data?.data ?? [];
  return (
    <Card withBorder radius="md" padding="md" data-testid="record-deals-panel">
      <Group justify="space-between" mb="sm">
        <Text fw={600} fz="sm">
          Deals{rows.length ? ` (${rows.length}${deals.data?.nextCursor ? "+" : ""})` : ""}
        </Text>
        {canWrite && (
          <Button size="compact-xs" variant="light" leftSection={<IconPlus size={12} />} onClick={() => setCreating(true)} data-testid="record-new-deal">
            New deal
          </Button>
        )}
      </Group>
      {deals.isPending ? (
        <Skeleton h={48} />
      ) : deals.isError ? (
        <Text fz="sm" c="red">
          {deals.error.message}
        </Text>
      ) : rows.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No deals yet. {object === "contact" ? "Deals this contact is on" : "This company's deals"} show here with their stage, amount and close date.
        </Text>
      ) : (
        <Stack gap={8}>
          {rows.map((d) => (
            <div key={d.id} data-testid="record-deal">
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <AnchorLink to="/deals/$id" params={{ id: d.id }} fz="sm" fw={500} truncate="end" miw={0}>
                  {d.name}
                </AnchorLink>
                <Text fz="sm" fw={600} style={{ whiteSpace: "nowrap" }}>
                  {formatMoney(d.amount, d.currency)}
                </Text>
              </Group>
              <Group gap={6} wrap="wrap">
                <Badge size="xs" variant="light" tt="none" color={statusColor[d.status] ?? "gray"}>
                  {d.status === "open" ? d.stageName : labelOf(dealStatusLabels, d.status)}
                </Badge>
                <Text fz="xs" c="dimmed">
                  {d.closedAt ? `Closed ${formatDate(d.closedAt)}` : d.expectedCloseDate ? `Closes ${formatDate(d.expectedCloseDate)}` : "No close date"}
                </Text>
              </Group>
            </div>
          ))}
        </Stack>
      )}
      <DealFormDrawer opened={creating} onClose={() => setCreating(false)} deal={null} defaults={defaults} />
    </Card>
  );
}
