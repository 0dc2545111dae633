import { Button, Menu, Text } from "@mantine/core";
import { IconAddressBook, IconChevronDown, IconDownload, IconFileSpreadsheet, IconFileTypeCsv } from "@tabler/icons-react";
import { useState } from "react";
import { isComplete } from "../components/ConditionEditor.js";
import { objectPath, type RecordObject } from "../http/queries.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { companyDefaultColumns, contactDefaultColumns } from "../records/objects.js";
import type { ListState } from "../records/types.js";
import { downloadFile } from "./download.js";

type Format = "csv" | "xlsx" | "vcf";

/** The list page keeps its view (search, sort, filters, columns) in session storage; the export takes the same view. */
function currentView(object: RecordObject): Record<string, string | undefined> {
  let state: Partial<ListState> = {};
  try {
    state = JSON.parse(sessionStorage.getItem(`rapport:list:${object}`) ?? "{}") as Partial<ListState>;
  } catch {
    /* no saved view: export everything */
  }
  const columns = state.columns?.length ? state.columns : object === "contact" ? contactDefaultColumns : companyDefaultColumns;
  const filters = (state.filters ?? []).filter(isComplete);
  return {
    q: state.q || undefined,
    sort: state.sort || undefined,
    filter: filters.length ? JSON.stringify(filters) : undefined,
    columns: [...new Set(["name", ...columns])].join(","),
  };
}

/** "Export" menu of a list page: the current view as CSV, Excel or (contacts) vCard. */
export function ExportMenu({ object }: { object: RecordObject }) {
  const [busy, setBusy] = useState<Format | null>(null);
  const plural = object === "contact" ? "contacts" : "companies";

  const run = async (format: Format) => {
    setBusy(format);
    try {
      const view = currentView(object);
      await downloadFile(`${objectPath[object]}/export`, { ...view, format, columns: format === "vcf" ? undefined : view.columns }, `${plural}.${format}`);
      notifySuccess(`Your ${plural} export has downloaded.`);
    } catch (err) {
      notifyError(err, "Export failed");
    } finally {
      setBusy(null);
    }
  };

  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <Button
          variant="default"
          size="sm"
          leftSection={<IconDownload size={16} />}
          rightSection={<IconChevronDown size={14} />}
          loading={busy !== null}
          data-testid="export-menu"
        >
          Export
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text fz="xs">The current view: search, filters, sort and columns</Text>
        </Menu.Label>
        <Menu.Item leftSection={<IconFileTypeCsv size={16} />} onClick={() => void run("csv")} data-testid="export-csv">
          CSV (UTF-8)
        </Menu.Item>
        <Menu.Item leftSection={<IconFileSpreadsheet size={16} />} onClick={() => void run("xlsx")} data-testid="export-xlsx">
          Excel (.xlsx)
        </Menu.Item>
        {object === "contact" && (
          <Menu.Item leftSection={<IconAddressBook size={16} />} onClick={() => void run("vcf")} data-testid="export-vcf">
            vCard (.vcf)
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
