import { Anchor, Group, Text } from "@mantine/core";
import { IconBan } from "@tabler/icons-react";
import type { Company, Contact, CustomField } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { formatDate, formatMoney, formatNumber, leadSourceLabels, lifecycleLabels } from "../lib/format.js";
import { CellText, CustomCell, Dim, OwnerName, StageBadge, TagList } from "./cells.js";
import { customFieldDefs } from "./fields.js";
import { companySpecs, contactSpecs, customSpec } from "./inline/specs.js";
import type { ColumnDef, FieldDef } from "./types.js";

const stop = (e: React.MouseEvent) => e.stopPropagation();

function customColumns<T extends { custom: Record<string, unknown> }>(fields: CustomField[]): ColumnDef<T>[] {
  return fields.map((f) => ({
    id: `custom.${f.key}`,
    label: f.label,
    width: f.type === "long_text" ? 260 : f.type === "boolean" ? 110 : 170,
    sortKey: f.type === "multi_select" ? undefined : `custom.${f.key}`,
    align: f.type === "number" || f.type === "currency" ? "right" : "left",
    render: (row: T) => <CustomCell field={f} value={row.custom[f.key]} />,
    edit: customSpec<T>(f),
  }));
}

export function contactColumns(custom: CustomField[]): ColumnDef<Contact>[] {
  return [
    {
      id: "name",
      label: "Name",
      width: 230,
      sortKey: "lastName",
      fixed: true,
      render: (c) => (
        <Group gap={6} wrap="nowrap" miw={0}>
          <AnchorLink to="/contacts/$id" params={{ id: c.id }} fz="sm" fw={500} truncate="end" onClick={stop} data-testid="row-link">
            {c.fullName || c.primaryEmail || "Unnamed contact"}
          </AnchorLink>
          {c.doNotContact && <IconBan size={14} color="var(--mantine-color-red-6)" aria-label="Do not contact" style={{ flexShrink: 0 }} />}
        </Group>
      ),
    },
    {
      id: "primaryEmail",
      label: "Email",
      width: 230,
      sortKey: "primaryEmail",
      render: (c) => <CellText>{c.primaryEmail}</CellText>,
      edit: contactSpecs.emails,
    },
    { id: "primaryPhone", label: "Phone", width: 150, render: (c) => <CellText>{c.primaryPhone}</CellText>, edit: contactSpecs.phones },
    {
      id: "company",
      label: "Company",
      width: 190,
      render: (c) =>
        c.companyId ? (
          <AnchorLink to="/companies/$id" params={{ id: c.companyId }} fz="sm" truncate="end" onClick={stop} display="block">
            {c.companyName ?? "Company"}
          </AnchorLink>
        ) : (
          <Dim />
        ),
      edit: contactSpecs.company,
    },
    { id: "jobTitle", label: "Job title", width: 180, sortKey: "jobTitle", render: (c) => <CellText>{c.jobTitle}</CellText>, edit: contactSpecs.jobTitle },
    {
      id: "lifecycleStage",
      label: "Stage",
      width: 160,
      sortKey: "lifecycleStage",
      render: (c) => <StageBadge stage={c.lifecycleStage} />,
      edit: contactSpecs.lifecycleStage,
    },
    {
      id: "leadSource",
      label: "Lead source",
      width: 130,
      render: (c) => <CellText>{c.leadSource ? leadSourceLabels[c.leadSource] : null}</CellText>,
      edit: contactSpecs.leadSource,
    },
    { id: "owner", label: "Owner", width: 150, render: (c, ctx) => <OwnerName id={c.ownerId} users={ctx.users} />, edit: contactSpecs.owner },
    { id: "tags", label: "Tags", width: 210, render: (c) => <TagList tags={c.tags} />, edit: contactSpecs.tags },
    { id: "createdAt", label: "Created", width: 130, sortKey: "createdAt", render: (c) => <CellText>{formatDate(c.createdAt)}</CellText> },
    { id: "updatedAt", label: "Updated", width: 130, sortKey: "updatedAt", render: (c) => <CellText>{formatDate(c.updatedAt)}</CellText> },
    ...customColumns<Contact>(custom),
  ];
}
export const contactDefaultColumns = ["name", "primaryEmail", "company", "jobTitle", "lifecycleStage", "owner", "tags", "createdAt"];

export function companyColumns(custom: CustomField[]): ColumnDef<Company>[] {
  return [
    {
      id: "name",
      label: "Name",
      width: 230,
      sortKey: "name",
      fixed: true,
      render: (c) => (
        <AnchorLink to="/companies/$id" params={{ id: c.id }} fz="sm" fw={500} truncate="end" onClick={stop} display="block" data-testid="row-link">
          {c.name}
        </AnchorLink>
      ),
    },
    {
      id: "domain",
      label: "Domain",
      width: 180,
      sortKey: "domain",
      render: (c) =>
        c.domain ? (
          <Anchor href={`https://${c.domain}`} target="_blank" rel="noopener noreferrer" fz="sm" c="dimmed" onClick={stop} truncate="end" display="block">
            {c.domain}
          </Anchor>
        ) : (
          <Dim />
        ),
      edit: companySpecs.domain,
    },
    { id: "industry", label: "Industry", width: 160, sortKey: "industry", render: (c) => <CellText>{c.industry}</CellText>, edit: companySpecs.industry },
    {
      id: "employees",
      label: "Employees",
      width: 120,
      sortKey: "employees",
      align: "right",
      render: (c) => (c.employees === null ? <Dim /> : <Text fz="sm">{formatNumber(c.employees)}</Text>),
      edit: companySpecs.employees,
    },
    {
      id: "annualRevenue",
      label: "Annual revenue",
      width: 150,
      sortKey: "annualRevenue",
      align: "right",
      render: (c) => (c.annualRevenue === null ? <Dim /> : <Text fz="sm">{formatMoney(c.annualRevenue, c.currency)}</Text>),
      edit: companySpecs.annualRevenue,
    },
    { id: "phone", label: "Phone", width: 150, render: (c) => <CellText>{c.phone}</CellText>, edit: companySpecs.phone },
    {
      id: "location",
      label: "Location",
      width: 160,
      sortKey: "city",
      render: (c) => <CellText>{[c.address?.city, c.address?.country].filter(Boolean).join(", ") || null}</CellText>,
    },
    { id: "owner", label: "Owner", width: 150, render: (c, ctx) => <OwnerName id={c.ownerId} users={ctx.users} />, edit: companySpecs.owner },
    { id: "tags", label: "Tags", width: 210, render: (c) => <TagList tags={c.tags} />, edit: companySpecs.tags },
    { id: "createdAt", label: "Created", width: 130, sortKey: "createdAt", render: (c) => <CellText>{formatDate(c.createdAt)}</CellText> },
    { id: "updatedAt", label: "Updated", width: 130, sortKey: "updatedAt", render: (c) => <CellText>{formatDate(c.updatedAt)}</CellText> },
    ...customColumns<Company>(custom),
  ];
}
export const companyDefaultColumns = ["name", "domain", "industry", "employees", "owner", "tags", "createdAt"];

const lifecycleOptions = Object.entries(lifecycleLabels).map(([value, label]) => ({ value, label }));
const leadSourceOptions = Object.entries(leadSourceLabels).map(([value, label]) => ({ value, label }));

export function contactFilterFields(custom: CustomField[]): FieldDef[] {
  return [
    { id: "firstName", label: "First name", kind: "text" },
    { id: "lastName", label: "Last name", kind: "text" },
    { id: "primaryEmail", label: "Email", kind: "text" },
    { id: "primaryPhone", label: "Phone", kind: "text" },
    { id: "jobTitle", label: "Job title", kind: "text" },
    { id: "lifecycleStage", label: "Lifecycle stage", kind: "enum", options: lifecycleOptions },
    { id: "leadSource", label: "Lead source", kind: "enum", options: leadSourceOptions },
    { id: "ownerId", label: "Owner", kind: "user" },
    { id: "tags", label: "Tags", kind: "tags" },
    { id: "doNotContact", label: "Do not contact", kind: "boolean" },
    { id: "emailConsent", label: "Email consent", kind: "boolean" },
    { id: "city", label: "City", kind: "text" },
    { id: "country", label: "Country code", kind: "text" },
    { id: "createdAt", label: "Created", kind: "date", timestamp: true },
    { id: "updatedAt", label: "Updated", kind: "date", timestamp: true },
    ...customFieldDefs(custom),
  ];
}

export function companyFilterFields(custom: CustomField[]): FieldDef[] {
  return [
    { id: "name", label: "Name", kind: "text" },
    { id: "domain", label: "Domain", kind: "text" },
    { id: "industry", label: "Industry", kind: "text" },
    { id: "employees", label: "Employees", kind: "number" },
    { id: "annualRevenue", label: "Annual revenue", kind: "number" },
    { id: "phone", label: "Phone", kind: "text" },
    { id: "description", label: "Description", kind: "text" },
    { id: "ownerId", label: "Owner", kind: "user" },
    { id: "tags", label: "Tags", kind: "tags" },
    { id: "city", label: "City", kind: "text" },
    { id: "country", label: "Country code", kind: "text" },
    { id: "createdAt", label: "Created", kind: "date", timestamp: true },
    { id: "updatedAt", label: "Updated", kind: "date", timestamp: true },
    ...customFieldDefs(custom),
  ];
}
