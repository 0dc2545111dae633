import { Anchor, Badge, Grid, Group, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconBan, IconMailCheck } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { RecordRightsContext, usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { PurchasesPanel } from "../deals/PurchasesPanel.js";
import { RecordDealsPanel } from "../deals/RecordDealsPanel.js";
import { DownloadVcardButton } from "../exports/DownloadVcardButton.js";
import { NextActionsPanel } from "../home/NextActionsPanel.js";
import { customFieldsQuery, recordQuery, useUserMap } from "../http/queries.js";
import { PredictionCard } from "../insights/PredictionCard.js";
import { LeadPanel } from "../leads/LeadPanel.js";
import { formatDateTime, leadSourceLabels, phoneWithExtension, telHref } from "../lib/format.js";
import { StageBadge, TagList } from "../records/cells.js";
import { InlineField } from "../records/inline/InlineField.js";
import { contactSpecs } from "../records/inline/specs.js";
import { BackLink, DetailsCard, editableCustomItems, RecordError, RecordHeader, RecordSkeleton } from "../records/RecordParts.js";
import { useRecordAccess } from "../records/sharing.js";
import { ConsentPanel } from "../segments/ConsentPanel.js";
import { ContactSequencesPanel } from "../sequences/ContactSequencesPanel.js";
import { RecordTasksPanel } from "../tasks/RecordTasksPanel.js";
import { Composer } from "../timeline/Composer.js";
import { Timeline } from "../timeline/Timeline.js";
import { ContactFormDrawer } from "./ContactForm.js";

const route = getRouteApi("/contacts/$id");

const socialLabels: Record<string, string> = {
  linkedin: "LinkedIn",
  x: "X / Twitter",
  twitter: "Twitter",
  github: "GitHub",
  website: "Website",
  facebook: "Facebook",
};

export function ContactPage() {
  const { id } = route.useParams();
  const contact = useQuery(recordQuery("contact", id));
  const customFields = useQuery(customFieldsQuery("contact"));
  const users = useUserMap();
  const { may } = usePermissions();
  const rights = useRecordAccess("contact", contact.data);
  const [editing, setEditing] = useState(false);
  useDocumentTitle(contact.data ? `${contact.data.fullName || contact.data.primaryEmail || "Contact"} · Rapport` : "Rapport");

  if (contact.isPending) return <RecordSkeleton />;
  if (contact.isError) return <RecordError error={contact.error} onRetry={() => contact.refetch()} backTo="/contacts" backLabel="Contacts" />;
  const c = contact.data;
  const name = c.fullName || c.primaryEmail || "Unnamed contact";
  const owner = c.ownerId ? (users.get(c.ownerId)?.name ?? "Unknown user") : null;
  const addr = c.address
    ? [c.address.street, [c.address.postalCode, c.address.city].filter(Boolean).join(" "), c.address.region, c.address.country].filter(Boolean).join(", ")
    : "";

  return (
    <RecordRightsContext.Provider value={rights}>
      <Stack gap="md" data-testid="contact-page">
        <BackLink to="/contacts" label="Contacts" />
        <RecordHeader
          object="contact"
          id={c.id}
          name={name}
          deleted={Boolean(c.deletedAt)}
          onEdit={() => setEditing(true)}
          subtitle={
            c.jobTitle || c.companyId ? (
              <>
                {c.jobTitle}
                {c.jobTitle && c.companyId ? " at " : ""}
                {c.companyId && (
                  <AnchorLink to="/companies/$id" params={{ id: c.companyId }} fz="sm" data-testid="contact-company-link">
                    {c.companyName ?? "company"}
                  </AnchorLink>
                )}
              </>
            ) : undefined
          }
          badges={
            <>
              <StageBadge stage={c.lifecycleStage} />
              {c.doNotContact && (
                <Badge color="red" variant="light" leftSection={<IconBan size={12} />} tt="none">
                  Do not contact
                </Badge>
              )}
              {c.emailConsent && (
                <Badge color="teal" variant="light" leftSection={<IconMailCheck size={12} />} tt="none">
                  Email consent
                </Badge>
              )}
              {c.tags.map((t) => (
                <Badge key={t} variant="default" tt="none" fw={500}>
                  {t}
                </Badge>
              ))}
            </>
          }
        />
        <DownloadVcardButton id={c.id} />
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 5, lg: 4 }}>
            <Stack gap="md">
              <LeadPanel contact={c} />
              <PredictionCard object="contact" id={c.id} />
              <DetailsCard
                title="Details"
                testId="contact-details"
                items={[
                  { label: "First name", value: <InlineField object="contact" record={c} spec={contactSpecs.firstName} display={c.firstName} /> },
                  { label: "Last name", value: <InlineField object="contact" record={c} spec={contactSpecs.lastName} display={c.lastName} /> },
                  { label: "Job title", value: <InlineField object="contact" record={c} spec={contactSpecs.jobTitle} display={c.jobTitle} /> },
                  {
                    label: "Company",
                    value: (
                      <InlineField
                        object="contact"
                        record={c}
                        spec={contactSpecs.company}
                        interactive
                        display={
                          c.companyId ? (
                            <AnchorLink to="/companies/$id" params={{ id: c.companyId }} fz="sm">
                              {c.companyName ?? "Company"}
                            </AnchorLink>
                          ) : null
                        }
                      />
                    ),
                  },
                  {
                    label: c.emails.length > 1 ? "Emails" : "Email",
                    value: (
                      <InlineField
                        object="contact"
                        record={c}
                        spec={contactSpecs.emails}
                        display={
                          <ChannelList
                            entries={c.emails.map((e) => ({ key: e.email, href: `mailto:${e.email}`, text: e.email, label: e.label, primary: e.primary }))}
                            wrap={false}
                          />
                        }
                      />
                    ),
                  },
                  {
                    label: c.phones.length > 1 ? "Phones" : "Phone",
                    value: (
                      <InlineField
                        object="contact"
                        record={c}
                        spec={contactSpecs.phones}
                        display={
                          <ChannelList
                            entries={c.phones.map((p) => ({
                              key: `${p.phone}${p.extension ?? ""}`,
                              href: telHref(p.phone, p.extension),
                              text: phoneWithExtension(p.phone, p.extension),
                              label: p.label,
                              primary: p.primary,
                            }))}
                            wrap
                          />
                        }
                      />
                    ),
                  },
                  { label: "Owner", value: <InlineField object="contact" record={c} spec={contactSpecs.owner} display={owner} /> },
                  {
                    label: "Lifecycle stage",
                    value: <InlineField object="contact" record={c} spec={contactSpecs.lifecycleStage} display={<StageBadge stage={c.lifecycleStage} />} />,
                  },
                  {
                    label: "Lead source",
                    value: (
                      <InlineField object="contact" record={c} spec={contactSpecs.leadSource} display={c.leadSource ? leadSourceLabels[c.leadSource] : null} />
                    ),
                  },
                  {
                    label: "Tags",
                    value: (
                      <InlineField object="contact" record={c} spec={contactSpecs.tags} display={c.tags.length ? <TagList tags={c.tags} max={6} /> : null} />
                    ),
                  },
                  {
                    label: "Do not contact",
                    value: <InlineField object="contact" record={c} spec={contactSpecs.doNotContact} display={c.doNotContact ? "Yes" : "No"} />,
                  },
                  {
                    label: "Email consent",
                    value: <InlineField object="contact" record={c} spec={contactSpecs.emailConsent} display={c.emailConsent ? "Yes" : "No"} />,
                  },
                  { label: "Address", value: addr || null },
                  {
                    label: "Social",
                    value: Object.keys(c.socialProfiles).length ? (
                      <Stack gap={2}>
                        {Object.entries(c.socialProfiles).map(([k, url]) => (
                          <Anchor key={k} href={url} target="_blank" rel="noopener noreferrer" fz="sm" truncate="end">
                            {socialLabels[k] ?? k}
                          </Anchor>
                        ))}
                      </Stack>
                    ) : null,
                  },
                  { label: "Created", value: formatDateTime(c.createdAt) },
                  { label: "Updated", value: formatDateTime(c.updatedAt) },
                ]}
              />
              {(customFields.data?.length ?? 0) > 0 && (
                <DetailsCard title="Custom fields" testId="contact-custom-fields" items={editableCustomItems("contact", c, customFields.data ?? [])} />
              )}
              {!c.deletedAt && <NextActionsPanel target={{ object: "contact", id: c.id }} title="Suggested next steps" />}
              {!c.deletedAt && <RecordTasksPanel object="contact" id={c.id} name={c.fullName} />}
              <RecordDealsPanel
                object="contact"
                id={c.id}
                name={c.fullName || c.primaryEmail || "Contact"}
                company={c.companyId ? { id: c.companyId, name: c.companyName ?? "" } : null}
              />
              <PurchasesPanel object="contact" id={c.id} />
              {!c.deletedAt && <ContactSequencesPanel contactId={c.id} />}
              <ConsentPanel contactId={c.id} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7, lg: 8 }}>
            <Stack gap="md">
              {may("activity", "create") && !c.deletedAt && <Composer object="contact" id={c.id} defaultEmail={c.primaryEmail} />}
              <Title order={4} fz="md">
                Timeline
              </Title>
              <Timeline object="contact" id={c.id} customFields={customFields.data ?? []} nouns={c.firstName || "this contact"} />
            </Stack>
          </Grid.Col>
        </Grid>
        <ContactFormDrawer opened={editing} onClose={() => setEditing(false)} contact={c} />
      </Stack>
    </RecordRightsContext.Provider>
  );
}

interface ChannelEntry {
  key: string;
  href: string;
  text: string;
  label?: string | null;
  primary?: boolean;
}

/**
 * A contact's emails or phones: each a link with its label, the primary one marked when there are several. Emails
 * truncate on one line; phones wrap only between the number and its extension.
 */
function ChannelList({ entries, wrap }: { entries: ChannelEntry[]; wrap: boolean }) {
  if (!entries.length) return null;
  return (
    <Stack gap={2}>
      {entries.map((e) => (
        <Group key={e.key} gap={6} wrap={wrap ? "wrap" : "nowrap"}>
          <Anchor href={e.href} fz="sm" {...(wrap ? { style: { overflowWrap: "normal" } } : { truncate: "end" })}>
            {e.text}
          </Anchor>
          {e.label && (
            <Text span fz="xs" c="dimmed">
              {e.label}
            </Text>
          )}
          {e.primary && entries.length > 1 && (
            <Badge size="xs" variant="light" style={{ flexShrink: 0 }}>
              primary
            </Badge>
          )}
        </Group>
      ))}
    </Stack>
  );
}
