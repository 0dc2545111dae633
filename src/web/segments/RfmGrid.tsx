import { BarChart } from "@mantine/charts";
import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Tooltip, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { type RfmGroup, rfmGroupLabels, rfmGroupOf } from "../../contract/segments.js";
import { api } from "../http/client.js";
import { rfmQuery } from "./api.js";

const groupColors: Record<RfmGroup, string> = {
  champions: "green",
  loyal: "teal",
  potential_loyalist: "cyan",
  new_customers: "blue",
  promising: "indigo",
  need_attention: "yellow",
  about_to_sleep: "orange",
  at_risk: "red",
  cant_lose: "pink",
  hibernating: "gray",
  lost: "dark",
};

type Pick = { recency: number; fm: number } | { group: RfmGroup };

interface RfmContact {
  id: string;
  name: string;
  email: string | null;
  recency: number;
  frequency: number;
  monetary: number;
  group: RfmGroup;
  lastPurchaseAt: string;
  purchases: number;
  revenue: string;
}

/** Recency across, frequency-and-spend up: each cell counts its customers and is coloured by its named group. */
export function RfmGrid() {
  const report = useQuery(rfmQuery);
  const [pick, setPick] = useState<Pick | null>(null);
  const query = pick ? ("group" in pick ? { group: pick.group } : { recency: pick.recency, frequencyMonetary: pick.fm }) : null;
  const people = useQuery({
    queryKey: ["segments", "rfm", "contacts", query],
    queryFn: () => api.get<{ data: RfmContact[]; total: number }>("/api/v1/segments/rfm/contacts", { ...query, limit: 100 }),
    enabled: Boolean(query),
  });
  if (report.isPending) return <Text c="dimmed">Ranking customers…</Text>;
  if (report.isError) return <Text c="red">Could not compute the RFM grid: {report.error.message}</Text>;
  const r = report.data;
  if (r.customers === 0)
    return (
      <Paper withBorder p="xl" radius="md" ta="center">
        <Text fw={600}>No purchases yet</Text>
        <Text c="dimmed" fz="sm" maw={480} mx="auto">
          RFM groups customers by how recently, how often and how much they bought. Purchases are won deals: once contacts are on won deals, they appear here.
        </Text>
      </Paper>
    );
  const count = (rec: number, fm: number) => r.cells.find((c) => c.recency === rec && c.frequencyMonetary === fm)?.count ?? 0;
  return (
    <Stack gap="md">
      <Text fz="sm" c="dimmed">
        {r.customers.toLocaleString()} customers ranked into quintiles (5 = most recent, most frequent, biggest spend). Click a cell or a group to see its
        customers.
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" radius="md">
          <table style={{ borderCollapse: "separate", borderSpacing: 4, width: "100%" }} data-testid="rfm-grid">
            <tbody>
              {[5, 4, 3, 2, 1].map((fm) => (
                <tr key={fm}>
                  <th style={{ fontSize: 12, fontWeight: 500, whiteSpace: "nowrap" }}>{fm === 5 ? "Buys most · 5" : fm === 1 ? "Buys least · 1" : fm}</th>
                  {[1, 2, 3, 4, 5].map((rec) => {
                    const g = rfmGroupOf(rec, fm);
                    const n = count(rec, fm);
                    return (
                      <td key={rec}>
                        <Tooltip label={`${rfmGroupLabels[g]}: recency ${rec}, frequency & spend ${fm}`}>
                          <UnstyledButton
                            onClick={() => setPick({ recency: rec, fm })}
                            data-testid={`rfm-cell-${rec}-${fm}`}
                            style={{
                              display: "block",
                              width: "100%",
                              padding: "10px 4px",
                              borderRadius: 6,
                              textAlign: "center",
                              background: `var(--mantine-color-${groupColors[g]}-light)`,
                              outline:
                                pick && "recency" in pick && pick.recency === rec && pick.fm === fm ? "2px solid var(--mantine-color-indigo-6)" : undefined,
                            }}
                          >
                            <Text fw={700} fz="sm">
                              {n.toLocaleString()}
                            </Text>
                            <Text fz={10} c="dimmed" lineClamp={1}>
                              {rfmGroupLabels[g]}
                            </Text>
                          </UnstyledButton>
                        </Tooltip>
                      </td>
                    );
                  })}
                </tr>
              ))}
              <tr>
                <th />
                {[1, 2, 3, 4, 5].map((rec) => (
                  <th key={rec} style={{ fontSize: 12, fontWeight: 500 }}>
                    {rec === 1 ? "Long ago · 1" : rec === 5 ? "Recent · 5" : rec}
                  </th>
                ))}
              </tr>
            </tbody>
          </table>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <BarChart
            h={280}
            data={r.groups.map((g) => ({ group: rfmGroupLabels[g.group], customers: g.count }))}
            dataKey="group"
            orientation="vertical"
            yAxisProps={{ width: 120 }}
            series={[{ name: "customers", label: "Customers", color: "indigo.6" }]}
          />
          <Group gap={6} mt="sm">
            {r.groups.map((g) => (
              <Badge key={g.group} color={groupColors[g.group]} variant="light" style={{ cursor: "pointer" }} onClick={() => setPick({ group: g.group })}>
                {rfmGroupLabels[g.group]} · {g.count}
              </Badge>
            ))}
          </Group>
        </Paper>
      </SimpleGrid>
      {pick && (
        <Paper withBorder radius="md" p="md" data-testid="rfm-contacts">
          <Text fw={600} mb="xs">
            {"group" in pick
              ? rfmGroupLabels[pick.group]
              : `${rfmGroupLabels[rfmGroupOf(pick.recency, pick.fm)]} — recency ${pick.recency}, frequency & spend ${pick.fm}`}
            {people.data ? ` · ${people.data.total.toLocaleString()} customers` : ""}
          </Text>
          {people.isPending ? (
            <Text c="dimmed">Loading…</Text>
          ) : people.data?.data.length ? (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Contact</Table.Th>
                  <Table.Th>Last purchase</Table.Th>
                  <Table.Th ta="right">Purchases</Table.Th>
                  <Table.Th ta="right">Revenue</Table.Th>
                  <Table.Th>R · F · M</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {people.data.data.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <Link to="/contacts/$id" params={{ id: p.id }}>
                        {p.name}
                      </Link>
                    </Table.Td>
                    <Table.Td>{new Date(p.lastPurchaseAt).toLocaleDateString()}</Table.Td>
                    <Table.Td ta="right">{p.purchases}</Table.Td>
                    <Table.Td ta="right">{Number(p.revenue).toLocaleString()}</Table.Td>
                    <Table.Td>
                      {p.recency} · {p.frequency} · {p.monetary}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text c="dimmed">No customers in this cell.</Text>
          )}
        </Paper>
      )}
    </Stack>
  );
}
