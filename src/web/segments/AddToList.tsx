import { Button, Popover, Select, Stack, Text } from "@mantine/core";
import { IconListCheck } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { segmentsQuery } from "./api.js";

/** The contacts list's bulk action: put the selected contacts on a static list. */
export function AddToListButton({ contactIds, onDone }: { contactIds: string[]; onDone: () => void }) {
  const qc = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [listId, setListId] = useState<string | null>(null);
  const lists = useQuery({ ...segmentsQuery, enabled: opened });
  const statics = (lists.data ?? []).filter((s) => s.kind === "static");
  const add = useMutation({
    mutationFn: () => api.post<{ changed: number }>(`/api/v1/segments/${listId}/members`, { contactIds, source: "selection" }),
    onSuccess: (r) => {
      const name = statics.find((s) => s.id === listId)?.name ?? "the list";
      notifySuccess(
        `Added ${r.changed} ${r.changed === 1 ? "contact" : "contacts"} to “${name}”${r.changed < contactIds.length ? ` (${contactIds.length - r.changed} were on it)` : ""}`,
      );
      setOpened(false);
      void qc.invalidateQueries({ queryKey: ["segments"] });
      onDone();
    },
    onError: (e) => notifyError(e, "Could not add to the list"),
  });
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={260} trapFocus>
      <Popover.Target>
        <Button size="xs" variant="default" leftSection={<IconListCheck size={14} />} onClick={() => setOpened((o) => !o)} data-testid="bulk-add-to-list">
          Add to list
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          {lists.isSuccess && statics.length === 0 ? (
            <Text fz="sm" c="dimmed">
              No static lists yet: create one under Segments → New segment → Static list.
            </Text>
          ) : (
            <Select
              label="List"
              placeholder="Choose a list"
              data={statics.map((s) => ({ value: s.id, label: `${s.name} (${s.count})` }))}
              value={listId}
              onChange={setListId}
              comboboxProps={{ withinPortal: false }}
              data-testid="bulk-list-select"
            />
          )}
          <Button size="xs" disabled={!listId} onClick={() => add.mutate()} loading={add.isPending} data-testid="bulk-list-apply">
            Add {contactIds.length}
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
