import { ActionIcon, Anchor, Badge, Button, Card, Group, Menu, Paper, Skeleton, Stack, Text, Tooltip } from "@mantine/core";
import { IconBulb, IconClockPause, IconDots, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type NextAction, type NextActionVerb, nextActionKindLabels } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { recordHref } from "../tasks/api.js";
import { type NextActionTarget, nextActionApi, nextActionsQuery } from "./api.js";

const kindColor: Record<NextAction["kind"], string> = {
  stalled_deal: "orange",
  hot_lead: "red",
  overdue_task: "grape",
  no_recent_contact: "yellow",
  cross_sell: "teal",
};

/**
 * Next best actions, each with its reason and one-click actions: on the home page (the user's own records) or on a
 * record's page (that record's). Dismiss or snooze hides one for the user only.
 */
export function NextActionsPanel({ target, title = "Next best actions" }: { target?: NextActionTarget; title?: string }) {
  const qc = useQueryClient();
  const { canWrite } = usePermissions();
  const actions = useQuery(nextActionsQuery(target));
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["next-actions"] });
    void qc.invalidateQueries({ queryKey: ["tasks"] });
    void qc.invalidateQueries({ queryKey: ["home"] });
    void qc.invalidateQueries({ queryKey: ["activities"] });
    void qc.invalidateQueries({ queryKey: ["timeline"] });
    void qc.invalidateQueries({ queryKey: ["deals"] });
  };
  const act = useMutation({
    mutationFn: ({ key, verb }: { key: string; verb: NextActionVerb }) => nextActionApi.act(key, verb),
    onSuccess: (r) => {
      notifySuccess(r.done);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not do that"),
  });
  const dismiss = useMutation({
    mutationFn: ({ key, days }: { key: string; days?: number }) => nextActionApi.dismiss(key, days),
    onSuccess: (_r, v) => {
      notifySuccess(v.days ? `Snoozed for ${v.days} days` : "Dismissed");
      void qc.invalidateQueries({ queryKey: ["next-actions"] });
    },
    onError: (e) => notifyError(e, "Could not hide the suggestion"),
  });

  return (
    <Card withBorder radius="md" padding="md" data-testid="next-actions">
      <Group gap={6} mb="sm">
        <IconBulb size={18} stroke={1.7} />
        <Text fw={600} fz="sm">
          {title}
        </Text>
      </Group>
      {actions.isPending ? (
        <Stack gap="xs">
          <Skeleton h={54} />
          <Skeleton h={54} />
        </Stack>
      ) : actions.isError ? (
        <Group justify="space-between">
          <Text fz="sm" c="red">
            {actions.error.message}
          </Text>
          <Button size="xs" variant="light" onClick={() => void actions.refetch()}>
            Try again
          </Button>
        </Group>
      ) : actions.data.data.length === 0 ? (
        <Text fz="sm" c="dimmed" data-testid="next-actions-empty">
          {target
            ? "Nothing to suggest here right now."
            : "Nothing needs you right now. Suggestions appear here when a deal stays in a stage longer than usual, a hot lead has not been called, a follow-up is overdue, a customer has gone quiet for 90 days, or customers like yours bought a product this one has not."}
        </Text>
      ) : (
        <Stack gap="xs">
          {actions.data.data.map((a) => (
            <Paper key={a.key} withBorder radius="sm" p="sm" data-testid="next-action" data-kind={a.kind} data-key={a.key}>
              <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
                  <Group gap={6} wrap="wrap">
                    <Badge size="xs" variant="light" color={kindColor[a.kind]}>
                      {nextActionKindLabels[a.kind]}
                    </Badge>
                    {a.record.object === "task" ? (
                      <AnchorLink
                        to="/tasks"
                        search={{ task: a.record.id }}
                        fz="sm"
                        fw={500}
                        data-testid="next-action-title"
                        style={{ overflowWrap: "anywhere" }}
                      >
                        {a.title}
                      </AnchorLink>
                    ) : (
                      <Anchor
                        component={Link}
                        to={recordHref(a.record.object, a.record.id)}
                        fz="sm"
                        fw={500}
                        data-testid="next-action-title"
                        style={{ overflowWrap: "anywhere" }}
                      >
                        {a.title}
                      </Anchor>
                    )}
                  </Group>
                  <Text fz="xs" c="dimmed" data-testid="next-action-reason">
                    {a.reason}
                  </Text>
                  {canWrite && (
                    <Group gap={6} mt={4}>
                      {a.verbs.map((v) => (
                        <Button
                          key={v.verb}
                          size="compact-xs"
                          variant="light"
                          loading={act.isPending && act.variables?.key === a.key && act.variables.verb === v.verb}
                          disabled={act.isPending}
                          onClick={() => act.mutate({ key: a.key, verb: v.verb })}
                          data-testid={`next-action-${v.verb}`}
                        >
                          {v.label}
                        </Button>
                      ))}
                    </Group>
                  )}
                </Stack>
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <Tooltip label="Hide">
                      <ActionIcon variant="subtle" color="gray" aria-label="Hide this suggestion" data-testid="next-action-menu">
                        <IconDots size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {[1, 7, 30].map((days) => (
                      <Menu.Item key={days} leftSection={<IconClockPause size={14} />} onClick={() => dismiss.mutate({ key: a.key, days })}>
                        Snooze {days === 1 ? "a day" : `${days} days`}
                      </Menu.Item>
                    ))}
                    <Menu.Item leftSection={<IconX size={14} />} onClick={() => dismiss.mutate({ key: a.key })} data-testid="next-action-dismiss">
                      Dismiss
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
    </Card>
  );
}
