import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  ScrollArea,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconArrowLeft, IconLock, IconUsersGroup } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import type { Quota } from "../../contract/index.js";
import { useMe } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ApiError, api } from "../http/client.js";
import { teamsQuery, usersQuery } from "../http/queries.js";
import { today } from "../lib/dates.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { quotasQuery } from "./api.js";
import { type PeriodKind, periodLabel, periodsOfYear } from "./periods.js";

type Subject = { type: "user" | "team"; id: string; name: string };
const cellKey = (type: string, id: string, period: string) => `${type}:${id}:${period}`;

/**
 * The quota grid: people (and teams) × months or quarters, each cell editable; Save sends only the
 * changed cells in one request (an emptied cell removes that quota).
 */
export function QuotasPage() {
  useDocumentTitle("Quotas · Rapport");
  const me = useMe();
  const qc = useQueryClient();
  const role = me.user.role;
  const allowed = role === "admin" || role === "manager";
  const thisYear = today().year;
  const [year, setYear] = useState(thisYear);
  const [kind, setKind] = useState<PeriodKind>("quarter");
  const [currency, setCurrency] = useState("");
  const [draft, setDraft] = useState<Record<string, string>>({});

  const users = useQuery({ ...usersQuery, enabled: allowed });
  const teams = useQuery({ ...teamsQuery, enabled: allowed });
  const quotas = useQuery({ ...quotasQuery(year), enabled: allowed });

  // Admins set anyone's quota; managers their teams' members' (not their own) and their teams'.
  const subjects = useMemo<Subject[]>(() => {
    const myTeams = (teams.data ?? []).filter((t) => role === "admin" || t.memberIds.includes(me.user.id));
    const memberIds = new Set(myTeams.flatMap((t) => t.memberIds));
    const people = (users.data ?? [])
      .filter((u) => u.active && u.role !== "read_only")
      .filter((u) => role === "admin" || (memberIds.has(u.id) && u.id !== me.user.id))
      .map((u) => ({ type: "user" as const, id: u.id, name: u.name }));
    return [...people, ...myTeams.map((t) => ({ type: "team" as const, id: t.id, name: t.name }))];
  }, [users.data, teams.data, role, me.user.id]);

  const saved = useMemo(() => {
    const m = new Map<string, Quota>();
    for (const q of quotas.data ?? []) m.set(cellKey(q.subjectType, q.subjectId, q.period), q);
    return m;
  }, [quotas.data]);
  const usedCurrency = currency || quotas.data?.[0]?.currency || "USD";
  const periods = periodsOfYear(year, kind);

  const changes = Object.entries(draft).filter(([k, v]) => {
    const before = saved.get(k);
    return before ? v === "" || Number(v) !== Number(before.amount) || before.currency !== usedCurrency : v !== "";
  });

  const save = useMutation({
    mutationFn: () =>
      api.put<{ data: Quota[]; removed: number }>("/api/v1/quotas", {
        quotas: changes.map(([k, v]) => {
          const [subjectType, subjectId, period] = k.split(":");
          return { subjectType, subjectId, period, amount: v === "" ? null : v, currency: usedCurrency };
        }),
      }),
    onSuccess: (r) => {
      setDraft({});
      notifySuccess(`${r.data.length} quota${r.data.length === 1 ? "" : "s"} saved${r.removed ? `, ${r.removed} removed` : ""}`);
      void qc.invalidateQueries({ queryKey: ["quotas"] });
      void qc.invalidateQueries({ queryKey: ["forecast"] });
    },
    onError: (e) => notifyError(e, "Could not save the quotas"),
  });

  const header = (
    <Group justify="space-between" align="flex-end" gap="sm">
      <div>
        <Anchor component={Link} to="/forecast" fz="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> Forecast
          </Group>
        </Anchor>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          Quotas
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={680}>
          Each person's or team's target per month or quarter. Attainment is what they won (deals in won stages, closed in the period) against it. A quarter
          without its own quota adds up its monthly quotas; a team without one adds up its members'.
        </Text>
      </div>
      {allowed && (
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={changes.length === 0} data-testid="save-quotas">
          Save{changes.length ? ` ${changes.length} change${changes.length === 1 ? "" : "s"}` : ""}
        </Button>
      )}
    </Group>
  );

  if (!allowed) {
    return (
      <Stack gap="lg" maw={1200}>
        {header}
        <Alert icon={<IconLock size={18} />} color="gray" variant="light" title="Managers and admins set quotas">
          Your own quota and attainment are on the Forecast page.
        </Alert>
      </Stack>
    );
  }

  const loading = users.isPending || teams.isPending || quotas.isPending;
  const error = users.error ?? teams.error ?? quotas.error;
  return (
    <Stack gap="lg" maw={1200}>
      {header}
      <Group gap="sm" wrap="wrap" align="flex-end">
        <Select
          label="Year"
          data={[thisYear - 1, thisYear, thisYear + 1].map((y) => String(y))}
          value={String(year)}
          onChange={(v) => {
            if (v) {
              setYear(Number(v));
              setDraft({});
            }
          }}
          allowDeselect={false}
          w={110}
          data-testid="quota-year"
        />
        <SegmentedControl
          value={kind}
          onChange={(v) => setKind(v as PeriodKind)}
          data={[
            { value: "month", label: "Months" },
            { value: "quarter", label: "Quarters" },
          ]}
          data-testid="quota-kind"
        />
        <TextInput
          label="Currency"
          value={currency || usedCurrency}
          onChange={(e) => setCurrency(e.currentTarget.value.toUpperCase().slice(0, 3))}
          w={90}
          data-testid="quota-currency"
        />
      </Group>
      {error ? (
        <Alert color="red" icon={<IconAlertCircle size={18} />} title="Could not load quotas">
          {error instanceof ApiError ? error.problem.detail || error.problem.title : "Try again in a moment."}
        </Alert>
      ) : loading ? (
        <Skeleton h={240} radius="md" />
      ) : subjects.length === 0 ? (
        <EmptyHint
          icon={<IconUsersGroup size={28} />}
          title="Nobody to set quotas for"
          description={
            role === "admin"
              ? "Add your sales people under Settings → Users & teams; they appear here as rows."
              : "You manage the members of your teams. Ask an admin to add people to your team under Settings → Users & teams."
          }
        />
      ) : (
        <ScrollArea type="auto">
          <Table withTableBorder withColumnBorders miw={180 + periods.length * 120} data-testid="quota-grid">
            <Table.Thead>
              <Table.Tr>
                <Table.Th miw={160} style={{ position: "sticky", left: 0, background: "var(--mantine-color-body)", zIndex: 1 }}>
                  Person / team
                </Table.Th>
                {periods.map((p) => (
                  <Table.Th key={p} ta="right" miw={110}>
                    {periodLabel(p, false)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {subjects.map((s) => (
                <Table.Tr key={`${s.type}:${s.id}`}>
                  <Table.Td style={{ position: "sticky", left: 0, background: "var(--mantine-color-body)", zIndex: 1 }}>
                    <Group gap={6} wrap="nowrap">
                      <Text fz="sm" truncate>
                        {s.name}
                      </Text>
                      {s.type === "team" && (
                        <Badge size="xs" variant="light">
                          team
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  {periods.map((p) => {
                    const k = cellKey(s.type, s.id, p);
                    const before = saved.get(k);
                    const value = k in draft ? draft[k] : (before?.amount ?? "");
                    return (
                      <Table.Td key={p} p={4}>
                        <NumberInput
                          aria-label={`${s.name} ${periodLabel(p)}`}
                          value={value === "" ? "" : Number(value)}
                          onChange={(v) => setDraft((d) => ({ ...d, [k]: v === "" || v === undefined ? "" : String(v) }))}
                          min={0}
                          decimalScale={2}
                          thousandSeparator=","
                          hideControls
                          size="xs"
                          styles={{ input: { textAlign: "right" } }}
                          rightSection={before && before.currency !== usedCurrency ? <Text fz={10}>{before.currency}</Text> : undefined}
                          data-testid={`quota-cell-${s.type}-${s.id}-${p}`}
                        />
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text fz="xs" c="dimmed" mt={4}>
            Amounts are in {usedCurrency}. Empty a cell and save to remove that quota.
          </Text>
        </ScrollArea>
      )}
    </Stack>
  );
}
