import { Text } from "@mantine/core";
import { IconBuilding } from "@tabler/icons-react";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import type { Company } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { CompanyFileActions } from "../exports/ContactFileActions.js";
import { companyColumns, companyDefaultColumns, companyFilterFields } from "../records/objects.js";
import { type RecordListConfig, RecordListPage } from "../records/RecordListPage.js";
import { CompanyFormDrawer } from "./CompanyForm.js";

export const companyListConfig: RecordListConfig<Company> = {
  object: "company",
  title: "Companies",
  nouns: ["company", "companies"],
  columnsFor: companyColumns,
  defaultColumns: companyDefaultColumns,
  filterFieldsFor: companyFilterFields,
  defaultSort: "name",
  mobileRow: (c) => ({
    title: c.name,
    subtitle: [c.domain, c.industry].filter(Boolean).join(" · ") || "—",
    aside:
      c.employees !== null ? (
        <Text fz="xs" c="dimmed">
          {c.employees.toLocaleString()} people
        </Text>
      ) : undefined,
  }),
};

const route = getRouteApi("/companies");

export function CompaniesPage() {
  const navigate = useNavigate();
  const search = route.useSearch();
  const canCreate = usePermissions().may("company", "create");
  const creating = Boolean(search.new);
  const setCreating = (on: boolean) => void navigate({ to: "/companies", search: on ? { new: true } : {}, replace: true });

  return (
    <>
      <RecordListPage<Company>
        headerSlot={<CompanyFileActions />}
        config={companyListConfig}
        onOpen={(c) => void navigate({ to: "/companies/$id", params: { id: c.id } })}
        onCreate={() => setCreating(true)}
        emptyState={
          <EmptyHint
            icon={<IconBuilding size={28} />}
            title="No companies yet"
            description={
              <Text fz="sm" c="dimmed" maw={440} mx="auto">
                Companies group the people you work with. Add your first company — then link contacts to it and see everyone's activity in one timeline.
              </Text>
            }
            actionLabel={canCreate ? "Add your first company" : undefined}
            onAction={() => setCreating(true)}
            importHint="company"
          />
        }
      />
      <CompanyFormDrawer opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
