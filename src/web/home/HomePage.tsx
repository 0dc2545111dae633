import { Anchor, Badge, Button, Card, Group, Progress, RingProgress, SimpleGrid, Skeleton, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { IconCalendarEvent, IconChecklist, IconMessages, IconTargetArrow, IconTrophy } from "@tabler/icons-react";
import { type UseQueryResult, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { activityTypeLabels, labelOf } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { HomeDashboard } from "../dashboards/HomeDashboard.js";
import { formatDate, formatDateTime, formatMoney, formatRelative } from "../lib/format.js";
import { recordHref } from "../tasks/api.js";
import { TaskRow } from "../tasks/TaskRow.js";
import { homeQueries } from "./api.js";
import { NextActionsPanel } from "./NextActionsPanel.js";

/** One home card with its own loading and error state: a slow or failing card never holds the others back. */
function HomeCard<T>({
  title,
  icon,
  query,
  testId,
  action,
  children,
}: {
  title: string;
  icon: ReactNode;
  query: UseQueryResult<T>;
  testId: string;
  action?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  return (
    <Card withBorder radius="md" padding="md" data-testid={testId}>
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Group gap={6} wrap="nowrap">
          {icon}
          <Text fw={600} fz="sm">
            {title}
          </Text>
        </Group>
        {action}
      </Group>
      {query.isPending ? (
        <Stack gap="xs">
          <Skeleton h={22} />
          <Skeleton h={22} />
        </Stack>
      ) : query.isError ? (
        <Group justify="space-between">
          <Text fz="sm" c="red">
            {query.error.message}
          </Text>
          <Button size="xs" variant="light" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </Group>
      ) : (
        children(query.data)
      )}
    </Card>
  );
}

const hint = (text: ReactNode) => (
  <Text fz="sm" c="dimmed" data-testid="home-empty">
    {text}
  </Text>
);

function greeting(name: string): string {
  const h = new Date().getHours();
  const first = name.split(" ")[0] ?? name;
  return `${h < 12 ? "Good morning" : h < 18 ? "Good afternoon" : "Good evening"}, ${first}`;
}

export function HomePage() {
  const me = useMe();
  const { canWrite, mayChangeTask } = usePermissions();
  const tasks = useQuery(homeQueries.tasks);
  const meetings = useQuery(homeQueries.meetings);
  const deals = useQuery(homeQueries.deals);
  const quota = useQuery(homeQueries.quota);
  const activity = useQuery(homeQueries.activity);

  return (
    <Stack gap="md" data-testid="home-page">
      <div>
        <Title order={2}>{greeting(me.user.name)}</Title>
        <Text c="dimmed" fz="sm">
          Your day: what is due, who you meet, what could close, and what to do next.
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Stack gap="md">
          <HomeCard
            title="My tasks"
            icon={<IconChecklist size={18} stroke={1.7} />}
            query={tasks}
            testId="home-tasks"
            action={
              <AnchorLink to="/tasks" fz="xs">
                All tasks
              </AnchorLink>
            }
          >
            {(d) =>
              d.overdue.length + d.dueToday.length === 0 ? (
                hint(
                  <>
                    Nothing due today. Tasks you create on contacts, companies and deals, and those your pipeline's playbooks create, show here on the day they
                    are due — <AnchorLink to="/tasks">plan one on the Tasks page</AnchorLink>.
                  </>,
                )
              ) : (
                <Stack gap="xs">
                  {d.overdue.length > 0 && (
                    <Text fz="xs" fw={600} c="red" tt="uppercase">
                      Overdue · {d.overdue.length}
                    </Text>
                  )}
                  {d.overdue.map((t) => (
                    <TaskRow key={t.id} task={t} canWrite={canWrite && mayChangeTask(t)} />
                  ))}
                  {d.dueToday.length > 0 && (
                    <Text fz="xs" fw={600} c="dimmed" tt="uppercase">
                      Due today · {d.dueToday.length}
                    </Text>
                  )}
                  {d.dueToday.map((t) => (
                    <TaskRow key={t.id} task={t} canWrite={canWrite && mayChangeTask(t)} />
                  ))}
                </Stack>
              )
            }
          </HomeCard>

          <HomeCard title="Meetings today" icon={<IconCalendarEvent size={18} stroke={1.7} />} query={meetings} testId="home-meetings">
            {(d) =>
              d.data.length === 0 ? (
                hint(
                  <>
                    No meetings today. Schedule one from the <AnchorLink to="/calendar">Calendar</AnchorLink> or log it on a contact; meetings you organise or
                    attend show here.
                  </>,
                )
              ) : (
                <Stack gap={6}>
                  {d.data.map((m) => (
                    <Group key={m.id} gap="sm" wrap="nowrap" data-testid="home-meeting">
                      <Badge variant="light" w={70}>
                        {new Date(m.startsAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}
                      </Badge>
                      <Stack gap={0} style={{ minWidth: 0 }}>
                        {m.record ? (
                          <Anchor component={Link} to={recordHref(m.record.object, m.record.id)} fz="sm" fw={500}>
                            {m.subject ?? "Meeting"}
                          </Anchor>
                        ) : (
                          <Text fz="sm" fw={500}>
                            {m.subject ?? "Meeting"}
                          </Text>
                        )}
                        <Text fz="xs" c="dimmed">
                          {[m.location, m.attendeeCount ? `${m.attendeeCount} attending` : null].filter(Boolean).join(" · ") || "No place set"}
                        </Text>
                      </Stack>
                    </Group>
                  ))}
                </Stack>
              )
            }
          </HomeCard>

          <HomeCard title="Recent activity on my records" icon={<IconMessages size={18} stroke={1.7} />} query={activity} testId="home-activity">
            {(d) =>
              d.data.length === 0 ? (
                hint(
                  "Nothing new from others on your deals, contacts and companies in the last two weeks. Calls, emails, meetings and notes your colleagues log on them show here.",
                )
              ) : (
                <Stack gap={6}>
                  {d.data.map((e) => (
                    <Group key={e.id} justify="space-between" wrap="nowrap" gap="xs" data-testid="home-activity-entry">
                      <Stack gap={0} style={{ minWidth: 0 }}>
                        <Text fz="sm" truncate="end">
                          <b>{e.authorName ?? "Someone"}</b> · {labelOf(activityTypeLabels, e.type)}
                          {e.subject ? `: ${e.subject}` : ""}
                        </Text>
                        <Anchor component={Link} to={recordHref(e.record.object, e.record.id)} fz="xs" c="dimmed">
                          {e.record.name}
                        </Anchor>
                      </Stack>
                      <Tooltip label={formatDateTime(e.occurredAt)}>
                        <Text fz="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                          {formatRelative(e.occurredAt)}
                        </Text>
                      </Tooltip>
                    </Group>
                  ))}
                </Stack>
              )
            }
          </HomeCard>
        </Stack>

        <Stack gap="md">
          <NextActionsPanel />

          <HomeCard title="My quota" icon={<IconTrophy size={18} stroke={1.7} />} query={quota} testId="home-quota">
            {(d) =>
              !d.quota ? (
                hint(
                  <>
                    No quota set for you this period. An admin or your manager sets quotas per month or quarter; your attainment then shows here. See the{" "}
                    <AnchorLink to="/forecast">Forecast</AnchorLink> for the team's numbers.
                  </>,
                )
              ) : (
                <Group wrap="nowrap" gap="lg" align="center">
                  <RingProgress
                    size={120}
                    thickness={12}
                    roundCaps
                    sections={[{ value: Math.min(100, d.quota.attainment), color: d.quota.attainment >= d.quota.elapsed ? "teal" : "orange" }]}
                    label={
                      <Text ta="center" fw={700} fz="lg" data-testid="home-quota-attainment">
                        {d.quota.attainment} %
                      </Text>
                    }
                  />
                  <Stack gap={4} style={{ flex: 1 }}>
                    <Text fz="sm">
                      <b>{formatMoney(d.quota.won, d.quota.currency)}</b> won of {formatMoney(d.quota.amount, d.quota.currency)} · {d.quota.period}
                    </Text>
                    <Tooltip label={`On pace would be ${d.quota.elapsed} % by now`}>
                      <Progress.Root size="lg" aria-label="Attainment against the time gone by">
                        <Progress.Section value={Math.min(100, d.quota.attainment)} color="teal" />
                        <Progress.Section value={Math.max(0, d.quota.elapsed - Math.min(100, d.quota.attainment))} color="gray.3" />
                      </Progress.Root>
                    </Tooltip>
                    <Text fz="xs" c="dimmed">
                      {d.quota.elapsed} % of the period gone · best case {formatMoney(d.quota.bestCase, d.quota.currency)}
                    </Text>
                  </Stack>
                </Group>
              )
            }
          </HomeCard>

          <HomeCard title="Deals closing this month" icon={<IconTargetArrow size={18} stroke={1.7} />} query={deals} testId="home-deals">
            {(d) =>
              d.data.length === 0 ? (
                hint(
                  <>
                    None of your open deals is expected to close this month. Set an expected close date on your deals on the{" "}
                    <AnchorLink to="/deals">Deals</AnchorLink> board to see them here.
                  </>,
                )
              ) : (
                <Stack gap="xs">
                  <Group gap="xs">
                    {d.totals.map((t) => (
                      <Badge key={t.currency} variant="light" size="lg">
                        {formatMoney(t.amount, t.currency)} · {t.count}
                      </Badge>
                    ))}
                  </Group>
                  <Table.ScrollContainer minWidth={380}>
                    <Table fz="sm" verticalSpacing={4}>
                      <Table.Tbody>
                        {d.data.map((deal) => (
                          <Table.Tr key={deal.id} data-testid="home-deal">
                            <Table.Td>
                              <AnchorLink to="/deals/$id" params={{ id: deal.id }} fz="sm" fw={500}>
                                {deal.name}
                              </AnchorLink>
                              {deal.companyName && (
                                <Text fz="xs" c="dimmed">
                                  {deal.companyName}
                                </Text>
                              )}
                            </Table.Td>
                            <Table.Td>
                              <Text fz="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
                                {deal.stageName} · {deal.stageProbability} %
                              </Text>
                            </Table.Td>
                            <Table.Td c="dimmed" style={{ whiteSpace: "nowrap" }}>
                              {formatDate(deal.expectedCloseDate)}
                            </Table.Td>
                            <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                              {deal.amount ? formatMoney(deal.amount, deal.currency) : "—"}
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                </Stack>
              )
            }
          </HomeCard>
        </Stack>
      </SimpleGrid>
      <HomeDashboard />
    </Stack>
  );
}
