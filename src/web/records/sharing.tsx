import { ActionIcon, Badge, Button, Group, Modal, SegmentedControl, Select, Stack, Table, Text, Tooltip } from "@mantine/core";
import { IconShare, IconTrash, IconUser, IconUsersGroup } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { Share, SharedObject, ShareLevel } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { sharesQuery, teamsQuery } from "../http/queries.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

const levelLabels: Record<ShareLevel, string> = { read: "Can view", edit: "Can view and edit" };
const nouns: Record<SharedObject, string> = { contact: "contact", company: "company", deal: "deal" };

/**
 * What the user may do with one record: their role's rule on its owner, or a share with them or their team that
 * lets them edit. Shares are only fetched when the rule alone does not already allow editing.
 */
export function useRecordAccess(object: SharedObject, record: { id: string; ownerId: string | null } | undefined) {
  const { mayRecord } = usePermissions();
  const byRule = record ? mayRecord(object, "edit", record) : false;
  const shares = useQuery({ ...sharesQuery(object, record?.id ?? ""), enabled: Boolean(record) && !byRule, retry: false });
  return useMemo(
    () => ({
      edit: record ? byRule || mayRecord(object, "edit", record, shares.data) : false,
      delete: record ? mayRecord(object, "delete", record) : false,
    }),
    [record, byRule, mayRecord, object, shares.data],
  );
}

/** "Share" on a record page: who else sees the record beyond the role's rule; shown to those who may edit it. */
export function ShareButton({ object, recordId, name }: { object: SharedObject; recordId: string; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="default" leftSection={<IconShare size={16} />} onClick={() => setOpen(true)} data-testid="record-share">
        Share
      </Button>
      <ShareModal object={object} recordId={recordId} name={name} opened={open} onClose={() => setOpen(false)} />
    </>
  );
}

function ShareModal({
  object,
  recordId,
  name,
  opened,
  onClose,
}: {
  object: SharedObject;
  recordId: string;
  name: string;
  opened: boolean;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const shares = useQuery({ ...sharesQuery(object, recordId), enabled: opened });
  const teams = useQuery({ ...teamsQuery, enabled: opened, retry: false });
  const [kind, setKind] = useState<"person" | "team">("person");
  const [userId, setUserId] = useState<string | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [level, setLevel] = useState<ShareLevel>("read");
  const grantee = kind === "person" ? userId : teamId;

  const refresh = () => void qc.invalidateQueries({ queryKey: ["shares", object, recordId] });
  const add = useMutation({
    mutationFn: () => api.post<{ data: Share[] }>(`/api/v1/shares/${object}/${recordId}`, kind === "person" ? { userId, level } : { teamId, level }),
    onSuccess: () => {
      refresh();
      setUserId(null);
      setTeamId(null);
      notifySuccess(`${name} is shared`);
    },
    onError: (e) => notifyError(e, "Could not share"),
  });
  const remove = useMutation({
    mutationFn: (shareId: string) => api.del(`/api/v1/shares/${object}/${recordId}/${shareId}`),
    onSuccess: () => refresh(),
    onError: (e) => notifyError(e, "Could not stop sharing"),
  });

  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Share {name}</Text>} size="lg" centered>
      <Stack gap="md" data-testid="share-modal">
        <Text fz="sm" c="dimmed">
          Everyone whose role reaches this {nouns[object]} already sees it. Share it to let one more person, or a whole team, see it (or edit it) too.
        </Text>
        {shares.isPending ? (
          <Text fz="sm" c="dimmed">
            Loading…
          </Text>
        ) : shares.isError ? (
          <Text fz="sm" c="red">
            {shares.error.message}
          </Text>
        ) : shares.data.length === 0 ? (
          <Text fz="sm" c="dimmed" data-testid="share-empty">
            Not shared with anyone beyond the rule yet.
          </Text>
        ) : (
          <Table verticalSpacing={6} data-testid="share-list">
            <Table.Tbody>
              {shares.data.map((s) => (
                <Table.Tr key={s.id} data-testid="share-row">
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      {s.teamId ? <IconUsersGroup size={16} aria-label="Team" /> : <IconUser size={16} aria-label="Person" />}
                      <Text fz="sm">{s.name}</Text>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={s.level === "edit" ? "indigo" : "gray"} tt="none">
                      {levelLabels[s.level]}
                    </Badge>
                  </Table.Td>
                  <Table.Td w={40}>
                    <Tooltip label={`Stop sharing with ${s.name}`}>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Stop sharing with ${s.name}`}
                        onClick={() => remove.mutate(s.id)}
                        loading={remove.isPending && remove.variables === s.id}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Stack gap="xs">
          <SegmentedControl
            value={kind}
            onChange={(v) => setKind(v as "person" | "team")}
            data={[
              { value: "person", label: "A person" },
              { value: "team", label: "A team" },
            ]}
            w="fit-content"
          />
          <Group align="flex-end" gap="sm" wrap="wrap">
            {kind === "person" ? (
              <UserPicker value={userId} onChange={setUserId} label="Person" placeholder="Choose a person" w={240} data-testid="share-user" />
            ) : (
              <Select
                label="Team"
                placeholder={teams.data?.length === 0 ? "No teams yet (Settings → Users & teams)" : "Choose a team"}
                data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
                value={teamId}
                onChange={setTeamId}
                searchable
                w={240}
                data-testid="share-team"
              />
            )}
            <Select
              label="Access"
              data={(Object.keys(levelLabels) as ShareLevel[]).map((l) => ({ value: l, label: levelLabels[l] }))}
              value={level}
              onChange={(v) => v && setLevel(v as ShareLevel)}
              allowDeselect={false}
              w={190}
              data-testid="share-level"
            />
            <Button onClick={() => add.mutate()} disabled={!grantee} loading={add.isPending} data-testid="share-add">
              Share
            </Button>
          </Group>
        </Stack>
      </Stack>
    </Modal>
  );
}
