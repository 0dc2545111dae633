import { Button, Menu, Text } from "@mantine/core";
import { IconChevronDown, IconDownload, IconFileSpreadsheet, IconFileTypeCsv } from "@tabler/icons-react";
import { useState } from "react";
import { downloadFile } from "../exports/download.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import type { BoardFilters } from "./api.js";

/** "Export" on the deals page: the pipeline's deals with the filters in force, as CSV or Excel, streamed by the server. */
export function DealExportMenu({ pipelineId, filters }: { pipelineId: string; filters: BoardFilters }) {
  const [busy, setBusy] = useState(false);
  const run = async (format: "csv" | "xlsx") => {
    setBusy(true);
    try {
      await downloadFile("/api/v1/deals/export", { pipelineId, ...filters, format }, `deals.${format}`);
      notifySuccess("Your deals export has downloaded.");
    } catch (err) {
      notifyError(err, "Export failed");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <Button
          variant="default"
          leftSection={<IconDownload size={16} />}
          rightSection={<IconChevronDown size={14} />}
          loading={busy}
          data-testid="deals-export"
        >
          Export
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text fz="xs">This pipeline's deals, with the filters above</Text>
        </Menu.Label>
        <Menu.Item leftSection={<IconFileTypeCsv size={16} />} onClick={() => void run("csv")} data-testid="deals-export-csv">
          CSV (UTF-8)
        </Menu.Item>
        <Menu.Item leftSection={<IconFileSpreadsheet size={16} />} onClick={() => void run("xlsx")} data-testid="deals-export-xlsx">
          Excel (.xlsx)
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
