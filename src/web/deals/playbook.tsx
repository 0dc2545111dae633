import { Button, Group, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { QueryClient } from "@tanstack/react-query";
import type { Deal } from "../../contract/index.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/**
 * Once a deal is won or lost, its stage playbook's open tasks are moot: offer to close them in one
 * click rather than leave them on someone's list.
 */
export async function offerToClosePlaybookTasks(deal: Deal, qc: QueryClient): Promise<void> {
  if (deal.status === "open") return;
  const open = await api.get<{ data: { id: string; title: string }[] }>(`/api/v1/deals/${deal.id}/playbook-tasks`).catch(() => null);
  const n = open?.data.length ?? 0;
  if (n === 0) return;
  const id = `playbook-${deal.id}`;
  const noun = n === 1 ? "task" : "tasks";
  const close = async () => {
    notifications.hide(id);
    try {
      const r = await api.post<{ closed: number }>(`/api/v1/deals/${deal.id}/playbook-tasks/close`, {});
      notifySuccess(`Closed ${r.closed} playbook ${r.closed === 1 ? "task" : "tasks"} of “${deal.name}”.`);
      void qc.invalidateQueries({ queryKey: ["tasks"] });
    } catch (e) {
      notifyError(e, "Could not close the tasks");
    }
  };
  notifications.show({
    id,
    color: "blue",
    withBorder: true,
    autoClose: 15_000,
    title: `“${deal.name}” is ${deal.status}`,
    message: (
      <>
        <Text fz="sm">
          {n} open playbook {noun} for this deal {n === 1 ? "is" : "are"} still on the list.
        </Text>
        <Group gap="xs" mt={6}>
          <Button size="compact-sm" onClick={() => void close()} data-testid="close-playbook-tasks">
            Close {n} open playbook {noun}
          </Button>
          <Button size="compact-sm" variant="default" onClick={() => notifications.hide(id)}>
            Keep them
          </Button>
        </Group>
      </>
    ),
  });
}
