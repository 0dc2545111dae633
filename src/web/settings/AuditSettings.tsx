import { Anchor, Badge, Button, Card, Group, Loader, NumberInput, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { IconDownload, IconShieldCheck } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import type { z } from "zod";
import { type AuditEntry, type AuditList, type AuditSettings as AuditSettingsBody, auditActionLabels, auditObjectLabels } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { UserPicker } from "../components/pickers.js";
import { api, withQuery } from "../http/client.js";
import { formatDateTime, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type List = z.infer<typeof AuditList>;
type Settings = z.infer<typeof AuditSettingsBody>;

/** What the filters send: a person, an object, an action and a day range (whole days, in the browser's time zone). */
interface Filters {
  actorId: string | null;
  object: string | null;
  action: string | null;
  fromDay: string;
  toDay: string;
}

function queryOf(f: Filters): Record<string, string | undefined> {
  const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
  const dayAfter = (d: string) => (d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined);
  return { actorId: f.actorId ?? undefined, object: f.object ?? undefined, action: f.action ?? undefined, from: dayStart(f.fromDay), to: dayAfter(f.toDay) };
}

const actionColors: Record<string, string> = { created: "teal", deleted: "red", sign_in_failed: "red", exported: "grape", signed_in: "blue", updated: "gray" };

function value(v: unknown): string {
  if (v === null || v === undefined || v === "") return "empty";
  if (Array.isArray(v)) return v.map(value).join(", ") || "empty";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return String(o.name ?? o.label ?? o.email ?? JSON.stringify(v));
  }
  return String(v);
}

function Changes({ entry }: { entry: AuditEntry }) {
  if (entry.action !== "updated" || entry.changes.length <= 3) return null;
  return (
    <Text fz="xs" c="dimmed" mt={2}>
      {entry.changes.map((c) => `${c.label}: ${value(c.from)} → ${value(c.to)}`).join(" · ")}
    </Text>
  );
}

export function AuditSettings() {
  const { isAdmin } = usePermissions();
  const qc = useQueryClient();
  const [filters, setFilters] = useState<Filters>({ actorId: null, object: null, action: null, fromDay: "", toDay: "" });
  const query = queryOf(filters);
  const entries = useInfiniteQuery({
    queryKey: ["audit", query],
    queryFn: ({ pageParam }) => api.get<List>("/api/v1/audit", { ...query, limit: 50, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: isAdmin,
  });
  const settings = useQuery({ queryKey: ["audit", "settings"], queryFn: () => api.get<Settings>("/api/v1/audit/settings"), enabled: isAdmin });
  const [retention, setRetention] = useState<number | string>("");
  useEffect(() => {
    if (settings.data) setRetention(settings.data.retentionDays);
  }, [settings.data]);
  const saveRetention = useMutation({
    mutationFn: (days: number) => api.put<Settings>("/api/v1/audit/settings", { retentionDays: days }),
    onSuccess: (s) => {
      notifySuccess(`The audit log now keeps entries for ${s.retentionDays} days.`);
      void qc.invalidateQueries({ queryKey: ["audit"] });
    },
    onError: (e) => notifyError(e, "Could not change how long entries are kept"),
  });

  const rows = entries.data?.pages.flatMap((p) => p.data) ?? [];
  const filtered = Boolean(filters.actorId || filters.object || filters.action || filters.fromDay || filters.toDay);
  const objectOptions = useMemo(() => Object.entries(auditObjectLabels).map(([value, label]) => ({ value, label })), []);
  const actionOptions = useMemo(() => Object.entries(auditActionLabels).map(([value, label]) => ({ value, label })), []);
  const csvHref = withQuery("/api/v1/audit.csv", query);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <SettingsPage
      title="Audit log"
      description="Who did what, and from where: every change to records and settings, every sign-in (including failed ones), every export and API key use. Only admins see it."
      actions={
        <Button component="a" href={csvHref} download variant="default" leftSection={<IconDownload size={16} />} data-testid="audit-download">
          Download CSV
        </Button>
      }
    >
      <Stack gap="lg">
        <Card withBorder radius="md" padding="md">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <UserPicker
              label="Person"
              placeholder="Anyone"
              value={filters.actorId}
              onChange={(id) => set({ actorId: id })}
              w={200}
              data-testid="audit-person"
            />
            <Select
              label="Object"
              placeholder="Any object"
              data={objectOptions}
              value={filters.object}
              onChange={(v) => set({ object: v })}
              clearable
              searchable
              w={190}
              data-testid="audit-object"
            />
            <Select
              label="Action"
              placeholder="Any action"
              data={actionOptions}
              value={filters.action}
              onChange={(v) => set({ action: v })}
              clearable
              w={170}
              data-testid="audit-action"
            />
            <TextInput
              label="From"
              type="date"
              value={filters.fromDay}
              onChange={(e) => set({ fromDay: e.currentTarget.value })}
              w={160}
              data-testid="audit-from"
            />
            <TextInput label="To" type="date" value={filters.toDay} onChange={(e) => set({ toDay: e.currentTarget.value })} w={160} data-testid="audit-to" />
            {filtered && (
              <Button variant="subtle" onClick={() => setFilters({ actorId: null, object: null, action: null, fromDay: "", toDay: "" })}>
                Clear filters
              </Button>
            )}
          </Group>
        </Card>

        {entries.isPending ? (
          <Group justify="center" py="xl">
            <Loader size="sm" />
          </Group>
        ) : entries.isError ? (
          <Text c="red" fz="sm">
            Could not load the audit log: {entries.error.message}
          </Text>
        ) : rows.length === 0 ? (
          <EmptyHint
            icon={<IconShieldCheck size={28} />}
            title={filtered ? "Nothing matches these filters" : "No entries yet"}
            description={
              filtered
                ? "Widen the date range or clear a filter. Entries older than the retention period below have been deleted."
                : "Changes appear here a few seconds after they are made: edit a deal or a contact, sign in, or export a list, and it is recorded with who did it, when and from which address."
            }
          />
        ) : (
          <Card withBorder radius="md" padding={0}>
            <Table.ScrollContainer minWidth={760}>
              <Table verticalSpacing="sm" highlightOnHover data-testid="audit-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={150}>When</Table.Th>
                    <Table.Th w={120}>Action</Table.Th>
                    <Table.Th>What happened</Table.Th>
                    <Table.Th w={150}>From</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((e) => (
                    <Table.Tr key={e.id} data-testid="audit-row">
                      <Table.Td>
                        <Tooltip label={formatDateTime(e.at)}>
                          <Text fz="sm">{formatRelative(e.at)}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={actionColors[e.action] ?? "gray"}>
                          {auditActionLabels[e.action] ?? e.action}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text fz="sm">{e.summary}</Text>
                        <Changes entry={e} />
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={e.userAgent ?? "No user agent"} disabled={!e.ip}>
                          <Text fz="xs" c="dimmed">
                            {e.ip ?? (e.actor.kind === "system" ? "Rapport itself" : "—")}
                          </Text>
                        </Tooltip>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {entries.hasNextPage && (
              <Group justify="center" py="sm">
                <Button variant="subtle" loading={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()}>
                  Show older entries
                </Button>
              </Group>
            )}
          </Card>
        )}

        <Card withBorder radius="md" padding="md">
          <Title order={4} fz="md">
            Retention
          </Title>
          <Text fz="sm" c="dimmed" mt={4} maw={640}>
            Entries older than this are deleted every night. Keep them as long as your company's policy asks (a year is common); changing it is itself recorded
            here.
          </Text>
          <Group mt="sm" align="flex-end">
            <NumberInput label="Keep entries for (days)" min={30} max={3650} value={retention} onChange={setRetention} w={200} data-testid="audit-retention" />
            <Button
              onClick={() => saveRetention.mutate(Number(retention))}
              loading={saveRetention.isPending}
              disabled={!settings.data || Number(retention) === settings.data.retentionDays}
            >
              Save
            </Button>
          </Group>
          <Text fz="xs" c="dimmed" mt="sm">
            Looking for one record's history? Open it: the History tab lists its changes field by field.{" "}
            <Anchor href="/api/docs#tag/audit" target="_blank" fz="xs">
              The audit log API
            </Anchor>{" "}
            takes the same filters.
          </Text>
        </Card>
      </Stack>
    </SettingsPage>
  );
}
