import { Anchor, Badge, Button, Card, Grid, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconPlus } from "@tabler/icons-react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import type { Company, Contact } from "../../contract/index.js";
import { RecordRightsContext, usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { ContactFormDrawer } from "../contacts/ContactForm.js";
import { PurchasesPanel } from "../deals/PurchasesPanel.js";
import { RecordDealsPanel } from "../deals/RecordDealsPanel.js";
import { NextActionsPanel } from "../home/NextActionsPanel.js";
import { api } from "../http/client.js";
import { customFieldsQuery, recordQuery, useUserMap } from "../http/queries.js";
import { PredictionCard } from "../insights/PredictionCard.js";
import { formatDateTime, formatMoney, formatNumber, phoneWithExtension, telHref } from "../lib/format.js";
import { StageBadge, TagList } from "../records/cells.js";
import { InlineField } from "../records/inline/InlineField.js";
import { companySpecs, parentSpec } from "../records/inline/specs.js";
import { BackLink, DetailsCard, editableCustomItems, RecordError, RecordHeader, RecordSkeleton } from "../records/RecordParts.js";
import { useRecordAccess } from "../records/sharing.js";
import { RecordTasksPanel } from "../tasks/RecordTasksPanel.js";
import { Composer } from "../timeline/Composer.js";
import { Timeline } from "../timeline/Timeline.js";
import { CompanyFormDrawer } from "./CompanyForm.js";

const route = getRouteApi("/companies/$id");

export function CompanyPage() {
  const { id } = route.useParams();
  const company = useQuery(recordQuery("company", id));
  const customFields = useQuery(customFieldsQuery("company"));
  const users = useUserMap();
  const { may } = usePermissions();
  const rights = useRecordAccess("company", company.data);
  const [editing, setEditing] = useState(false);
  useDocumentTitle(company.data ? `${company.data.name} · Rapport` : "Rapport");
  const parent = useQuery({ ...recordQuery("company", company.data?.parentId ?? ""), enabled: Boolean(company.data?.parentId) });

  if (company.isPending) return <RecordSkeleton />;
  if (company.isError) return <RecordError error={company.error} onRetry={() => company.refetch()} backTo="/companies" backLabel="Companies" />;
  const c = company.data;
  const owner = c.ownerId ? (users.get(c.ownerId)?.name ?? "Unknown user") : null;
  const addr = c.address
    ? [c.address.street, [c.address.postalCode, c.address.city].filter(Boolean).join(" "), c.address.region, c.address.country].filter(Boolean).join(", ")
    : "";

  return (
    <RecordRightsContext.Provider value={rights}>
      <Stack gap="md" data-testid="company-page">
        <BackLink to="/companies" label="Companies" />
        <RecordHeader
          object="company"
          id={c.id}
          name={c.name}
          deleted={Boolean(c.deletedAt)}
          onEdit={() => setEditing(true)}
          color="teal"
          square
          subtitle={
            c.domain || c.industry ? (
              <Group gap={6}>
                {c.domain && (
                  <Anchor href={`https://${c.domain}`} target="_blank" rel="noopener noreferrer" fz="sm">
                    {c.domain}
                  </Anchor>
                )}
                {c.domain && c.industry && <span>·</span>}
                {c.industry && <span>{c.industry}</span>}
              </Group>
            ) : undefined
          }
          badges={c.tags.map((t) => (
            <Badge key={t} variant="default" tt="none" fw={500}>
              {t}
            </Badge>
          ))}
        />
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 5, lg: 4 }}>
            <Stack gap="md">
              <PredictionCard object="company" id={c.id} />
              <DetailsCard
                title="Details"
                testId="company-details"
                items={[
                  { label: "Name", value: <InlineField object="company" record={c} spec={companySpecs.name} display={c.name} /> },
                  { label: "Domain", value: <InlineField object="company" record={c} spec={companySpecs.domain} display={c.domain} /> },
                  { label: "Industry", value: <InlineField object="company" record={c} spec={companySpecs.industry} display={c.industry} /> },
                  {
                    label: "Employees",
                    value: (
                      <InlineField
                        object="company"
                        record={c}
                        spec={companySpecs.employees}
                        display={c.employees !== null ? formatNumber(c.employees) : null}
                      />
                    ),
                  },
                  {
                    label: "Annual revenue",
                    value: (
                      <InlineField
                        object="company"
                        record={c}
                        spec={companySpecs.annualRevenue}
                        display={c.annualRevenue !== null ? formatMoney(c.annualRevenue, c.currency) : null}
                      />
                    ),
                  },
                  {
                    label: "Phone",
                    value: (
                      <InlineField
                        object="company"
                        record={c}
                        spec={companySpecs.phone}
                        interactive
                        display={
                          c.phone ? (
                            <Anchor href={telHref(c.phone, c.phoneExtension)} fz="sm" data-testid="company-phone">
                              {phoneWithExtension(c.phone, c.phoneExtension)}
                            </Anchor>
                          ) : null
                        }
                      />
                    ),
                  },
                  { label: "Owner", value: <InlineField object="company" record={c} spec={companySpecs.owner} display={owner} /> },
                  {
                    label: "Parent",
                    value: (
                      <InlineField
                        object="company"
                        record={c}
                        spec={parentSpec(c, parent.data?.name ?? null)}
                        interactive
                        display={
                          c.parentId ? (
                            <AnchorLink to="/companies/$id" params={{ id: c.parentId }} fz="sm">
                              {parent.data?.name ?? "Parent company"}
                            </AnchorLink>
                          ) : null
                        }
                      />
                    ),
                  },
                  { label: "Address", value: addr || null },
                  {
                    label: "Description",
                    value: (
                      <InlineField
                        object="company"
                        record={c}
                        spec={companySpecs.description}
                        display={
                          c.description ? (
                            <Text span fz="sm" style={{ whiteSpace: "pre-wrap" }}>
                              {c.description}
                            </Text>
                          ) : null
                        }
                      />
                    ),
                  },
                  {
                    label: "Tags",
                    value: (
                      <InlineField object="company" record={c} spec={companySpecs.tags} display={c.tags.length ? <TagList tags={c.tags} max={6} /> : null} />
                    ),
                  },
                  { label: "Created", value: formatDateTime(c.createdAt) },
                  { label: "Updated", value: formatDateTime(c.updatedAt) },
                ]}
              />
              {(customFields.data?.length ?? 0) > 0 && (
                <DetailsCard title="Custom fields" testId="company-custom-fields" items={editableCustomItems("company", c, customFields.data ?? [])} />
              )}
              <CompanyContacts company={c} canWrite={may("contact", "create") && !c.deletedAt} />
              {!c.deletedAt && <NextActionsPanel target={{ object: "company", id: c.id }} title="Suggested next steps" />}
              {!c.deletedAt && <RecordTasksPanel object="company" id={c.id} name={c.name} />}
              <RecordDealsPanel object="company" id={c.id} name={c.name} />
              <PurchasesPanel object="company" id={c.id} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7, lg: 8 }}>
            <Stack gap="md">
              {may("activity", "create") && !c.deletedAt && <Composer object="company" id={c.id} />}
              <Group justify="space-between" align="baseline">
                <Title order={4} fz="md">
                  Timeline
                </Title>
                <Text fz="xs" c="dimmed">
                  Includes activity with this company's contacts
                </Text>
              </Group>
              <Timeline object="company" id={c.id} customFields={customFields.data ?? []} nouns={c.name} />
            </Stack>
          </Grid.Col>
        </Grid>
        <CompanyFormDrawer opened={editing} onClose={() => setEditing(false)} company={c} parentName={parent.data?.name ?? null} />
      </Stack>
    </RecordRightsContext.Provider>
  );
}

function CompanyContacts({ company, canWrite }: { company: Company; canWrite: boolean }) {
  const [adding, setAdding] = useState(false);
  const contacts = useInfiniteQuery({
    queryKey: ["contact", "list", { companyId: company.id }],
    queryFn: ({ pageParam, signal }) =>
      api.get<{ data: Contact[]; nextCursor: string | null }>(
        "/api/v1/contacts",
        { companyId: company.id, sort: "lastName", limit: 25, cursor: pageParam },
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (l) => l.nextCursor ?? undefined,
  });
  const rows = contacts.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card withBorder radius="md" padding="md" data-testid="company-contacts">
      <Group justify="space-between" mb="sm">
        <Text fw={600} fz="sm">
          Contacts{" "}
          {contacts.isSuccess && (
            <Text span c="dimmed" fz="sm">
              ({rows.length}
              {contacts.hasNextPage ? "+" : ""})
            </Text>
          )}
        </Text>
        {canWrite && (
          <Button size="compact-sm" variant="subtle" leftSection={<IconPlus size={14} />} onClick={() => setAdding(true)} data-testid="company-add-contact">
            Add
          </Button>
        )}
      </Group>
      {contacts.isPending ? (
        <Loader size="sm" />
      ) : contacts.isError ? (
        <Text fz="sm" c="red">
          Could not load contacts.{" "}
          <Anchor component="button" fz="sm" onClick={() => contacts.refetch()}>
            Retry
          </Anchor>
        </Text>
      ) : rows.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No contacts at {company.name} yet.
        </Text>
      ) : (
        <Stack gap={10}>
          {rows.map((p) => (
            <Group key={p.id} justify="space-between" wrap="nowrap" gap="xs">
              <div style={{ minWidth: 0 }}>
                <AnchorLink to="/contacts/$id" params={{ id: p.id }} fz="sm" fw={500} display="block" truncate="end">
                  {p.fullName || p.primaryEmail || "Unnamed contact"}
                </AnchorLink>
                <Text fz="xs" c="dimmed" truncate="end">
                  {p.jobTitle || p.primaryEmail || "—"}
                </Text>
              </div>
              <StageBadge stage={p.lifecycleStage} />
            </Group>
          ))}
          {contacts.hasNextPage && (
            <Button variant="subtle" size="xs" onClick={() => contacts.fetchNextPage()} loading={contacts.isFetchingNextPage}>
              Show more
            </Button>
          )}
        </Stack>
      )}
      <ContactFormDrawer opened={adding} onClose={() => setAdding(false)} defaults={{ companyId: company.id, companyName: company.name }} />
    </Card>
  );
}
