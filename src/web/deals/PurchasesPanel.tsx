import { Card, Group, SimpleGrid, Skeleton, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { AnchorLink } from "../components/links.js";
import { formatDate, formatMoney, formatNumber } from "../lib/format.js";
import { purchasesQuery } from "./api.js";

/** What a contact or company has bought: the line items of won deals, with lifetime value and dates. */
export function PurchasesPanel({ object, id }: { object: "contact" | "company"; id: string }) {
  const summary = useQuery(purchasesQuery(object, id));
  return (
    <Card withBorder radius="md" padding="md" data-testid="purchases-panel">
      <Text fw={600} fz="sm" mb="sm">
        Purchases
      </Text>
      {summary.isPending ? (
        <Skeleton h={60} />
      ) : summary.isError ? (
        <Text fz="sm" c="red">
          {summary.error.message}
        </Text>
      ) : summary.data.purchaseCount === 0 ? (
        <Text fz="sm" c="dimmed">
          No purchases yet. When a deal {object === "contact" ? "this contact is on" : "of this company"} is won, its line items show here.
        </Text>
      ) : (
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 2 }} spacing="xs">
            <Stat label="Lifetime value" value={summary.data.lifetimeValue.map((v) => formatMoney(v.amount, v.currency)).join(" + ")} testId="purchases-ltv" />
            <Stat label="Won deals" value={String(summary.data.purchaseCount)} testId="purchases-count" />
            <Stat label="First purchase" value={formatDate(summary.data.firstPurchaseAt)} />
            <Stat label="Last purchase" value={formatDate(summary.data.lastPurchaseAt)} />
          </SimpleGrid>
          <Table.ScrollContainer minWidth={300}>
            <Table fz="xs" verticalSpacing={4}>
              <Table.Tbody>
                {summary.data.purchases.map((p) => (
                  <Table.Tr key={p.lineItemId ?? p.dealId} data-testid="purchase-row">
                    <Table.Td>
                      <Text fz="xs" fw={500}>
                        {p.quantity ? `${formatNumber(p.quantity)} × ` : ""}
                        {p.name}
                      </Text>
                      <AnchorLink to="/deals/$id" params={{ id: p.dealId }} fz="xs" c="dimmed">
                        {p.dealName}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td c="dimmed" style={{ whiteSpace: "nowrap" }}>
                      {formatDate(p.closedAt)}
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                      {formatMoney(p.total, p.currency)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Card>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Group gap={0} style={{ flexDirection: "column", alignItems: "flex-start" }}>
      <Text fz="xs" c="dimmed">
        {label}
      </Text>
      <Text fz="sm" fw={600} data-testid={testId}>
        {value}
      </Text>
    </Group>
  );
}
