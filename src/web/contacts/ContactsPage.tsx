import { Text } from "@mantine/core";
import { IconUsers } from "@tabler/icons-react";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import type { Contact } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ContactFileActions } from "../exports/ContactFileActions.js";
import { StageBadge } from "../records/cells.js";
import { contactColumns, contactDefaultColumns, contactFilterFields } from "../records/objects.js";
import { type RecordListConfig, RecordListPage } from "../records/RecordListPage.js";
import { SegmentFilter } from "../segments/SegmentFilter.js";
import { ContactFormDrawer } from "./ContactForm.js";

export const contactListConfig: RecordListConfig<Contact> = {
  object: "contact",
  title: "Contacts",
  nouns: ["contact", "contacts"],
  columnsFor: contactColumns,
  defaultColumns: contactDefaultColumns,
  filterFieldsFor: contactFilterFields,
  defaultSort: "-createdAt",
  mobileRow: (c) => ({
    title: c.fullName || c.primaryEmail || "Unnamed contact",
    subtitle: [c.jobTitle, c.companyName].filter(Boolean).join(" · ") || c.primaryEmail || c.primaryPhone || "—",
    aside: <StageBadge stage={c.lifecycleStage} />,
  }),
};

const route = getRouteApi("/contacts");

export function ContactsPage() {
  const navigate = useNavigate();
  const search = route.useSearch();
  const canCreate = usePermissions().may("contact", "create");
  const creating = Boolean(search.new);
  const segment = search.segment;
  const setCreating = (on: boolean) =>
    void navigate({ to: "/contacts", search: { ...(on ? { new: true } : {}), ...(segment ? { segment } : {}) }, replace: true });
  const setSegment = (id: string | null) => void navigate({ to: "/contacts", search: id ? { segment: id } : {}, replace: true });

  return (
    <>
      <RecordListPage<Contact>
        headerSlot={
          <>
            <SegmentFilter value={segment ?? null} onChange={setSegment} />
            <ContactFileActions />
          </>
        }
        extraParams={{ segment }}
        config={contactListConfig}
        onOpen={(c) => void navigate({ to: "/contacts/$id", params: { id: c.id } })}
        onCreate={() => setCreating(true)}
        emptyState={
          <EmptyHint
            icon={<IconUsers size={28} />}
            title="No contacts yet"
            description={
              <Text fz="sm" c="dimmed" maw={440} mx="auto">
                Contacts are the people you sell to and support. Add your first contact, or import a CSV from your old CRM or spreadsheet.
              </Text>
            }
            actionLabel={canCreate ? "Add your first contact" : undefined}
            onAction={() => setCreating(true)}
            importHint="contact"
          />
        }
      />
      <ContactFormDrawer opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
