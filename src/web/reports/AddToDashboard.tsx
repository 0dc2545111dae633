import { Button, Menu } from "@mantine/core";
import { IconLayoutDashboard, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { dashboardApi, dashboardsQuery } from "../dashboards/api.js";
import { NewDashboardModal } from "../dashboards/DashboardsPage.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/** The report builder's "Add to dashboard": onto one of the viewer's dashboards, or a new one. */
export function AddToDashboard({ reportId }: { reportId: string }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [creating, setCreating] = useState(false);
  const list = useQuery({ ...dashboardsQuery, enabled: opened });
  const add = async (dashboardId: string) => {
    try {
      const d = await dashboardApi.addReport(dashboardId, reportId);
      qc.setQueryData(["dashboards", d.id], d);
      await qc.invalidateQueries({ queryKey: ["dashboards"], exact: true });
      notifySuccess(`Added to "${d.name}".`);
      await navigate({ to: "/dashboards/$id", params: { id: d.id } });
    } catch (e) {
      notifyError(e);
    }
  };
  const editable = (list.data ?? []).filter((d) => d.mayEdit);
  return (
    <>
      <Menu opened={opened} onChange={setOpened} position="bottom-end">
        <Menu.Target>
          <Button variant="default" leftSection={<IconLayoutDashboard size={16} />} data-testid="report-add-to-dashboard">
            Add to dashboard
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {list.isPending && <Menu.Label>Loading dashboards…</Menu.Label>}
          {!list.isPending && editable.length === 0 && <Menu.Label>None of your dashboards yet</Menu.Label>}
          {editable.map((d) => (
            <Menu.Item key={d.id} onClick={() => void add(d.id)} data-testid="add-to-dashboard-item">
              {d.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)} data-testid="add-to-new-dashboard">
            New dashboard…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <NewDashboardModal opened={creating} onClose={() => setCreating(false)} onCreated={(id) => void add(id)} />
    </>
  );
}
