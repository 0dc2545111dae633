import { Text } from "@mantine/core";
import { IconTargetArrow } from "@tabler/icons-react";
import { useNavigate } from "@tanstack/react-router";
import type { Contact, CustomField } from "../../contract/index.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { formatDate, leadSourceLabels } from "../lib/format.js";
import { CellText, Dim, OwnerName, StageBadge } from "../records/cells.js";
import { contactSpecs } from "../records/inline/specs.js";
import { contactColumns, contactFilterFields } from "../records/objects.js";
import { type RecordListConfig, RecordListPage } from "../records/RecordListPage.js";
import type { ColumnDef, FieldDef } from "../records/types.js";
import { LeadStatusBadge, leadStatusLabels, ScoreBadge } from "./labels.js";

const stop = (e: React.MouseEvent) => e.stopPropagation();

function leadColumns(custom: CustomField[]): ColumnDef<Contact>[] {
  const base = contactColumns(custom);
  const pick = (id: string) => base.find((c) => c.id === id) as ColumnDef<Contact>;
  return [
    {
      id: "name",
      label: "Name",
      width: 220,
      sortKey: "lastName",
      fixed: true,
      render: (c) => (
        <AnchorLink to="/contacts/$id" params={{ id: c.id }} fz="sm" fw={500} truncate="end" onClick={stop} display="block" data-testid="lead-row-link">
          {c.fullName || c.primaryEmail || "Unnamed lead"}
        </AnchorLink>
      ),
    },
    {
      id: "leadScore",
      label: "Score",
      width: 90,
      sortKey: "leadScore",
      align: "right",
      render: (c) => <ScoreBadge score={c.leadScore} breakdown={c.scoreBreakdown} />,
    },
    {
      id: "leadStatus",
      label: "Status",
      width: 170,
      sortKey: "leadStatus",
      render: (c) => (c.leadStatus ? <LeadStatusBadge status={c.leadStatus} /> : <Dim />),
      edit: contactSpecs.leadStatus,
    },
    {
      id: "leadSource",
      label: "Source",
      width: 130,
      render: (c) => <CellText>{c.leadSource ? leadSourceLabels[c.leadSource] : null}</CellText>,
      edit: contactSpecs.leadSource,
    },
    { id: "owner", label: "Owner", width: 150, render: (c, ctx) => <OwnerName id={c.ownerId} users={ctx.users} />, edit: contactSpecs.owner },
    {
      id: "lifecycleStage",
      label: "Stage",
      width: 160,
      sortKey: "lifecycleStage",
      render: (c) => <StageBadge stage={c.lifecycleStage} />,
      edit: contactSpecs.lifecycleStage,
    },
    pick("primaryEmail"),
    pick("company"),
    pick("jobTitle"),
    { id: "createdAt", label: "Created", width: 130, sortKey: "createdAt", render: (c) => <CellText>{formatDate(c.createdAt)}</CellText> },
    ...base.filter((c) => c.id.startsWith("custom.")),
  ];
}

function leadFilterFields(custom: CustomField[]): FieldDef[] {
  return [
    { id: "leadScore", label: "Lead score", kind: "number" },
    { id: "leadStatus", label: "Lead status", kind: "enum", options: Object.entries(leadStatusLabels).map(([value, label]) => ({ value, label })) },
    ...contactFilterFields(custom),
  ];
}

export const leadListConfig: RecordListConfig<Contact> = {
  object: "contact",
  title: "Leads",
  nouns: ["lead", "leads"],
  columnsFor: leadColumns,
  defaultColumns: ["name", "leadScore", "leadStatus", "leadSource", "owner", "primaryEmail", "company", "createdAt"],
  filterFieldsFor: leadFilterFields,
  defaultSort: "-leadScore",
  listPath: "/api/v1/leads",
  stateKey: "leads",
  mobileRow: (c) => ({
    title: c.fullName || c.primaryEmail || "Unnamed lead",
    subtitle:
      [c.leadStatus ? leadStatusLabels[c.leadStatus] : null, c.companyName, c.leadSource ? leadSourceLabels[c.leadSource] : null].filter(Boolean).join(" · ") ||
      "—",
    aside: <ScoreBadge score={c.leadScore} />,
  }),
};

export function LeadsPage() {
  const navigate = useNavigate();
  return (
    <RecordListPage<Contact>
      config={leadListConfig}
      onOpen={(c) => void navigate({ to: "/contacts/$id", params: { id: c.id } })}
      onCreate={() => void navigate({ to: "/contacts", search: { new: true } })}
      emptyState={
        <EmptyHint
          icon={<IconTargetArrow size={28} />}
          title="No leads yet"
          description={
            <Text fz="sm" c="dimmed" maw={460} mx="auto">
              Leads are contacts from subscriber to sales-qualified. They arrive through web forms (Settings → Web forms), imports, the API or by hand;
              assignment rules give them an owner and scoring rules rank them here.
            </Text>
          }
        />
      }
    />
  );
}
