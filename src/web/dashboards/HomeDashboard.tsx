import { Alert, Card, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { IconLayoutDashboard } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { AnchorLink } from "../components/links.js";
import { notifyError } from "../lib/notify.js";
import { dashboardApi, dashboardQuery, dashboardsQuery, homeDashboardQuery } from "./api.js";
import { DashboardError, DashboardFiltersBar, DashboardGrid, useDashboardFilters } from "./DashboardView.js";

/** The home page's "dashboard of my choice", below My day: pick one here or from any dashboard's page. */
export function HomeDashboard() {
  const qc = useQueryClient();
  const choice = useQuery(homeDashboardQuery);
  const list = useQuery(dashboardsQuery);
  const id = choice.data?.dashboardId ?? null;
  const choose = async (next: string | null) => {
    try {
      qc.setQueryData(homeDashboardQuery.queryKey, await dashboardApi.setHome(next));
    } catch (e) {
      notifyError(e);
    }
  };
  return (
    <Stack gap="sm" data-testid="home-dashboard">
      <Group justify="space-between" wrap="wrap">
        <Group gap={6}>
          <IconLayoutDashboard size={18} />
          <Title order={3}>My dashboard</Title>
        </Group>
        <Select
          aria-label="Dashboard on my home page"
          placeholder="Choose a dashboard"
          w={260}
          clearable
          data={(list.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
          value={id}
          onChange={(v) => void choose(v)}
          data-testid="home-dashboard-select"
        />
      </Group>
      {choice.isPending ? (
        <Loader size="sm" />
      ) : choice.isError ? (
        <Alert color="red">{choice.error.message}</Alert>
      ) : id ? (
        <ChosenDashboard id={id} />
      ) : (
        <Card withBorder radius="md" padding="md">
          <Text fz="sm" c="dimmed" data-testid="home-dashboard-empty">
            Choose a dashboard to see it here every day: the ready-made Sales, Activity, Leads or Service, or one of your own from{" "}
            <AnchorLink to="/dashboards">Dashboards</AnchorLink>.
          </Text>
        </Card>
      )}
    </Stack>
  );
}

function ChosenDashboard({ id }: { id: string }) {
  const q = useQuery(dashboardQuery(id));
  const [filters, setFilters] = useDashboardFilters(id);
  if (q.isPending) return <Loader size="sm" />;
  if (q.isError) return <DashboardError error={q.error} />;
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <AnchorLink to="/dashboards/$id" params={{ id }} data-testid="home-dashboard-link">
          {q.data.name}
        </AnchorLink>
      </Group>
      <DashboardFiltersBar value={filters} onChange={setFilters} />
      {/* On the home page the widgets stay put: they are moved on the dashboard's own page. */}
      <DashboardGrid dashboard={{ ...q.data, mayEdit: false }} filters={filters} />
    </Stack>
  );
}
