import { ActionIcon, Button, Divider, Drawer, Group, Radio, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Tooltip } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { type Contact, CreateContactBody, UpdateContactBody } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { CustomFieldInput, customPayload, validateCustom } from "../components/CustomFieldInput.js";
import { FormSection } from "../components/FormSection.js";
import { CompanyPicker, UserPicker } from "../components/pickers.js";
import { DuplicateWarning } from "../data-quality/DuplicateWarning.js";
import { ApiError, api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { leadSourceLabels, lifecycleLabels, phoneWithExtension } from "../lib/format.js";
import { notifySuccess } from "../lib/notify.js";

const SOCIAL = [
  { key: "linkedin", label: "LinkedIn", placeholder: "https://www.linkedin.com/in/…" },
  { key: "x", label: "X / Twitter", placeholder: "https://x.com/…" },
  { key: "github", label: "GitHub", placeholder: "https://github.com/…" },
  { key: "website", label: "Website", placeholder: "https://…" },
] as const;

interface Draft {
  firstName: string;
  lastName: string;
  jobTitle: string;
  emails: { email: string; label: string }[];
  primaryEmail: number;
  phones: { phone: string; label: string }[];
  primaryPhone: number;
  companyId: string | null;
  companyName: string | null;
  ownerId: string | null;
  lifecycleStage: string;
  leadSource: string | null;
  tags: string[];
  address: { street: string; city: string; region: string; postalCode: string; country: string };
  social: Record<string, string>;
  doNotContact: boolean;
  emailConsent: boolean;
  custom: Record<string, unknown>;
}

function draftFrom(c: Contact | null, defaults: Partial<Draft>, _meId: string): Draft {
  const emails = c?.emails.length ? c.emails.map((e) => ({ email: e.email, label: e.label ?? "" })) : [{ email: "", label: "" }];
  const phones = c?.phones.length
    ? c.phones.map((p) => ({ phone: phoneWithExtension(p.phone, p.extension), label: p.label ?? "" }))
    : [{ phone: "", label: "" }];
  return {
    firstName: c?.firstName ?? "",
    lastName: c?.lastName ?? "",
    jobTitle: c?.jobTitle ?? "",
    emails,
    primaryEmail: Math.max(0, c?.emails.findIndex((e) => e.primary) ?? 0),
    phones,
    primaryPhone: Math.max(0, c?.phones.findIndex((p) => p.primary) ?? 0),
    companyId: c?.companyId ?? null,
    companyName: c?.companyName ?? null,
    // New contacts leave the owner to the assignment rules unless one is picked.
    ownerId: c ? c.ownerId : null,
    lifecycleStage: c?.lifecycleStage ?? "lead",
    leadSource: c?.leadSource ?? null,
    tags: c?.tags ?? [],
    address: {
      street: c?.address?.street ?? "",
      city: c?.address?.city ?? "",
      region: c?.address?.region ?? "",
      postalCode: c?.address?.postalCode ?? "",
      country: c?.address?.country ?? "",
    },
    social: { ...(c?.socialProfiles ?? {}) },
    doNotContact: c?.doNotContact ?? false,
    emailConsent: c?.emailConsent ?? false,
    custom: { ...(c?.custom ?? {}) },
    ...defaults,
  };
}

interface Props {
  opened: boolean;
  onClose: () => void;
  contact?: Contact | null;
  /** Prefill for a new contact, e.g. the company when adding from a company page. */
  defaults?: Partial<Draft>;
  onSaved?: (c: Contact) => void;
}

export function ContactFormDrawer({ opened, onClose, contact = null, defaults, onSaved }: Props) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size={isPhone ? "100%" : 560}
      title={
        <Text fw={650} fz="lg">
          {contact ? `Edit ${contact.fullName || "contact"}` : "New contact"}
        </Text>
      }
      padding={0}
      styles={{ header: { paddingInline: "var(--mantine-spacing-lg)" }, body: { padding: 0 } }}
    >
      {opened && <ContactForm contact={contact} defaults={defaults} onClose={onClose} onSaved={onSaved} />}
    </Drawer>
  );
}

function ContactForm({
  contact,
  defaults,
  onClose,
  onSaved,
}: {
  contact: Contact | null;
  defaults?: Partial<Draft>;
  onClose: () => void;
  onSaved?: (c: Contact) => void;
}) {
  const { fieldAccess } = usePermissions();
  const me = useMe();
  const qc = useQueryClient();
  const customFields = useQuery(customFieldsQuery("contact"));
  const [d, setD] = useState<Draft>(() => draftFrom(contact, defaults ?? {}, me.user.id));
  const errors = useFormErrors();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD((prev) => ({ ...prev, [k]: v }));
    errors.clear(String(k));
  };

  const save = useMutation({
    mutationFn: (body: unknown) => (contact ? api.patch<Contact>(`/api/v1/contacts/${contact.id}`, body) : api.post<Contact>("/api/v1/contacts", body)),
    onSuccess: (c) => {
      qc.setQueryData(["contact", "record", c.id], c);
      void qc.invalidateQueries({ queryKey: ["contact"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      if (c.companyId) void qc.invalidateQueries({ queryKey: ["company"] });
      notifySuccess(contact ? "Contact saved" : `Added ${c.fullName || c.primaryEmail || "contact"}`);
      onClose();
      onSaved?.(c);
    },
    onError: (e) => {
      errors.fromServer(e, "Could not save the contact");
      // Server errors refer to body indexes too (blank rows are not sent).
      const r = rows.current;
      if (e instanceof ApiError && r) errors.setErrors(remapRows(e.fieldErrors, r.emailRows, r.phoneRows));
    },
  });
  const rows = useRef<{ emailRows: number[]; phoneRows: number[] } | null>(null);

  function buildBody() {
    const emails = d.emails
      .map((e, i) => ({ email: e.email.trim(), label: e.label.trim() || undefined, primary: i === d.primaryEmail, i }))
      .filter((e) => e.email);
    if (emails.length && !emails.some((e) => e.primary) && emails[0]) emails[0].primary = true;
    const phones = d.phones
      .map((p, i) => ({ phone: p.phone.trim(), label: p.label.trim() || undefined, primary: i === d.primaryPhone, i }))
      .filter((p) => p.phone);
    if (phones.length && !phones.some((p) => p.primary) && phones[0]) phones[0].primary = true;
    const addressEntries = Object.entries(d.address).filter(([, v]) => v.trim());
    const social = Object.fromEntries(
      Object.entries(d.social)
        .filter(([, v]) => v?.trim())
        .map(([k, v]) => [k, v.trim()]),
    );
    return {
      body: {
        firstName: d.firstName.trim(),
        lastName: d.lastName.trim(),
        emails: emails.map(({ i: _i, ...e }) => e),
        phones: phones.map(({ i: _i, ...p }) => p),
        jobTitle: d.jobTitle.trim() || null,
        companyId: d.companyId,
        ...(contact || d.ownerId ? { ownerId: d.ownerId } : {}),
        lifecycleStage: d.lifecycleStage,
        leadSource: d.leadSource,
        tags: d.tags,
        address: addressEntries.length ? Object.fromEntries(addressEntries.map(([k, v]) => [k, v.trim()])) : null,
        socialProfiles: social,
        doNotContact: d.doNotContact,
        emailConsent: d.emailConsent,
        custom: customPayload(customFields.data ?? [], d.custom, Boolean(contact)),
      },
      // Map body indexes back to the rows on screen for error display.
      emailRows: emails.map((e) => e.i),
      phoneRows: phones.map((p) => p.i),
    };
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const { body, emailRows, phoneRows } = buildBody();
    const schema = contact ? UpdateContactBody : CreateContactBody;
    const parsed = schema.safeParse(body);
    const customErrors = validateCustom(customFields.data ?? [], d.custom);
    if (!parsed.success || Object.keys(customErrors).length) {
      if (!parsed.success) errors.validate(parsed);
      else errors.setErrors({});
      errors.setErrors((prev) => remapRows({ ...prev, ...customErrors }, emailRows, phoneRows));
      return;
    }
    rows.current = { emailRows, phoneRows };
    save.mutate(parsed.data);
  }
  const errorFor = (path: string) => errors.get(path);

  return (
    <form onSubmit={submit} noValidate data-testid="contact-form">
      <Stack gap="lg" px="lg" pb={90} pt="xs">
        {!contact && (
          <DuplicateWarning
            object="contact"
            values={{
              firstName: d.firstName,
              lastName: d.lastName,
              email: d.emails.map((x) => x.email).find(Boolean),
              phone: d.phones.map((x) => x.phone).find(Boolean),
              companyId: d.companyId,
            }}
          />
        )}
        <FormSection title="Person">
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <TextInput
              label="First name"
              value={d.firstName}
              onChange={(e) => set("firstName", e.currentTarget.value)}
              error={errorFor("firstName")}
              data-autofocus
              data-testid="contact-firstName"
            />
            <TextInput
              label="Last name"
              value={d.lastName}
              onChange={(e) => set("lastName", e.currentTarget.value)}
              error={errorFor("lastName")}
              data-testid="contact-lastName"
            />
          </SimpleGrid>
          <TextInput
            label="Job title"
            value={d.jobTitle}
            onChange={(e) => set("jobTitle", e.currentTarget.value)}
            error={errorFor("jobTitle")}
            data-testid="contact-jobTitle"
          />
        </FormSection>

        <FormSection title="Email addresses" description="The primary address is used for emails and shown in lists.">
          <Radio.Group value={String(d.primaryEmail)} onChange={(v) => set("primaryEmail", Number(v))} aria-label="Primary email">
            <Stack gap="xs">
              {d.emails.map((em, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
                <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
                  <Tooltip label="Primary" withArrow>
                    <Radio value={String(i)} mt={9} aria-label={`Make email ${i + 1} primary`} />
                  </Tooltip>
                  <TextInput
                    style={{ flex: 1 }}
                    type="email"
                    placeholder="name@example.com"
                    aria-label={`Email ${i + 1}`}
                    value={em.email}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setD((p) => ({ ...p, emails: p.emails.map((x, j) => (j === i ? { ...x, email: v } : x)) }));
                      errors.clear(`emails.${i}.email`);
                    }}
                    error={errorFor(`emails.${i}.email`)}
                    data-testid={`contact-email-${i}`}
                  />
                  <TextInput
                    w={96}
                    placeholder="Label"
                    aria-label={`Email ${i + 1} label`}
                    value={em.label}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setD((p) => ({ ...p, emails: p.emails.map((x, j) => (j === i ? { ...x, label: v } : x)) }));
                    }}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    mt={4}
                    aria-label={`Remove email ${i + 1}`}
                    disabled={d.emails.length === 1 && !em.email}
                    onClick={() =>
                      setD((p) => {
                        const emails = p.emails.filter((_, j) => j !== i);
                        return {
                          ...p,
                          emails: emails.length ? emails : [{ email: "", label: "" }],
                          primaryEmail: p.primaryEmail === i ? 0 : p.primaryEmail > i ? p.primaryEmail - 1 : p.primaryEmail,
                        };
                      })
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
          </Radio.Group>
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            w="fit-content"
            onClick={() => setD((p) => ({ ...p, emails: [...p.emails, { email: "", label: "" }] }))}
            disabled={d.emails.length >= 20}
          >
            Add email
          </Button>
        </FormSection>

        <FormSection title="Phone numbers" description="International format is best, e.g. +49 30 1234567.">
          <Radio.Group value={String(d.primaryPhone)} onChange={(v) => set("primaryPhone", Number(v))} aria-label="Primary phone">
            <Stack gap="xs">
              {d.phones.map((ph, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
                <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
                  <Tooltip label="Primary" withArrow>
                    <Radio value={String(i)} mt={9} aria-label={`Make phone ${i + 1} primary`} />
                  </Tooltip>
                  <TextInput
                    style={{ flex: 1 }}
                    type="tel"
                    placeholder="+1 555 0100 x12"
                    aria-label={`Phone ${i + 1}`}
                    value={ph.phone}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setD((p) => ({ ...p, phones: p.phones.map((x, j) => (j === i ? { ...x, phone: v } : x)) }));
                      errors.clear(`phones.${i}.phone`);
                    }}
                    error={errorFor(`phones.${i}.phone`)}
                    data-testid={`contact-phone-${i}`}
                  />
                  <TextInput
                    w={96}
                    placeholder="Label"
                    aria-label={`Phone ${i + 1} label`}
                    value={ph.label}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setD((p) => ({ ...p, phones: p.phones.map((x, j) => (j === i ? { ...x, label: v } : x)) }));
                    }}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    mt={4}
                    aria-label={`Remove phone ${i + 1}`}
                    disabled={d.phones.length === 1 && !ph.phone}
                    onClick={() =>
                      setD((p) => {
                        const phones = p.phones.filter((_, j) => j !== i);
                        return {
                          ...p,
                          phones: phones.length ? phones : [{ phone: "", label: "" }],
                          primaryPhone: p.primaryPhone === i ? 0 : p.primaryPhone > i ? p.primaryPhone - 1 : p.primaryPhone,
                        };
                      })
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
          </Radio.Group>
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            w="fit-content"
            onClick={() => setD((p) => ({ ...p, phones: [...p.phones, { phone: "", label: "" }] }))}
            disabled={d.phones.length >= 20}
          >
            Add phone
          </Button>
        </FormSection>

        <Divider />

        <FormSection title="Relationship">
          <CompanyPicker
            label="Company"
            value={d.companyId}
            valueLabel={d.companyName}
            onChange={(id, name) => setD((p) => ({ ...p, companyId: id, companyName: name }))}
            error={errorFor("companyId")}
            data-testid="contact-company"
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <Select
              label="Lifecycle stage"
              data={Object.entries(lifecycleLabels).map(([value, label]) => ({ value, label }))}
              value={d.lifecycleStage}
              onChange={(v) => v && set("lifecycleStage", v)}
              allowDeselect={false}
              error={errorFor("lifecycleStage")}
              data-testid="contact-lifecycle"
            />
            <Select
              label="Lead source"
              data={Object.entries(leadSourceLabels).map(([value, label]) => ({ value, label }))}
              value={d.leadSource}
              onChange={(v) => set("leadSource", v)}
              clearable
              placeholder="Unknown"
              error={errorFor("leadSource")}
              data-testid="contact-leadSource"
            />
          </SimpleGrid>
          <UserPicker
            label="Owner"
            placeholder={contact ? undefined : "Assign by rules"}
            value={d.ownerId}
            onChange={(v) => set("ownerId", v)}
            error={errorFor("ownerId")}
            data-testid="contact-owner"
          />
          <TagsInput
            label="Tags"
            placeholder="Type a tag and press Enter"
            value={d.tags}
            onChange={(v) => set("tags", v)}
            error={errorFor("tags")}
            clearable
            data-testid="contact-tags"
          />
        </FormSection>

        <FormSection title="Address">
          <TextInput
            label="Street"
            value={d.address.street}
            onChange={(e) => set("address", { ...d.address, street: e.currentTarget.value })}
            error={errorFor("address.street")}
          />
          <SimpleGrid cols={{ base: 2 }} spacing="sm">
            <TextInput
              label="City"
              value={d.address.city}
              onChange={(e) => set("address", { ...d.address, city: e.currentTarget.value })}
              error={errorFor("address.city")}
            />
            <TextInput
              label="Postal code"
              value={d.address.postalCode}
              onChange={(e) => set("address", { ...d.address, postalCode: e.currentTarget.value })}
              error={errorFor("address.postalCode")}
            />
            <TextInput
              label="Region / state"
              value={d.address.region}
              onChange={(e) => set("address", { ...d.address, region: e.currentTarget.value })}
              error={errorFor("address.region")}
            />
            <TextInput
              label="Country code"
              placeholder="DE"
              maxLength={2}
              value={d.address.country}
              onChange={(e) => {
                set("address", { ...d.address, country: e.currentTarget.value.toUpperCase() });
                errors.clear("address.country");
              }}
              error={errorFor("address.country")}
              description="ISO 3166, 2 letters"
            />
          </SimpleGrid>
        </FormSection>

        <FormSection title="Social profiles">
          {SOCIAL.map((s) => (
            <TextInput
              key={s.key}
              label={s.label}
              type="url"
              placeholder={s.placeholder}
              value={d.social[s.key] ?? ""}
              onChange={(e) => {
                set("social", { ...d.social, [s.key]: e.currentTarget.value });
                errors.clear(`socialProfiles.${s.key}`);
              }}
              error={errorFor(`socialProfiles.${s.key}`)}
            />
          ))}
          {Object.keys(d.social)
            .filter((k) => !SOCIAL.some((s) => s.key === k))
            .map((k) => (
              <TextInput
                key={k}
                label={k}
                value={d.social[k] ?? ""}
                onChange={(e) => set("social", { ...d.social, [k]: e.currentTarget.value })}
                error={errorFor(`socialProfiles.${k}`)}
              />
            ))}
        </FormSection>

        <FormSection title="Communication preferences">
          <Switch
            label="Do not contact"
            description="Keep this person out of calls and campaigns"
            checked={d.doNotContact}
            onChange={(e) => set("doNotContact", e.currentTarget.checked)}
            data-testid="contact-doNotContact"
          />
          <Switch
            label="Consented to marketing email"
            checked={d.emailConsent}
            onChange={(e) => set("emailConsent", e.currentTarget.checked)}
            data-testid="contact-emailConsent"
          />
        </FormSection>

        {(customFields.data?.length ?? 0) > 0 && (
          <FormSection title="Custom fields">
            {customFields.data?.map((f) => (
              <CustomFieldInput
                key={f.id}
                field={f}
                value={d.custom[f.key]}
                onChange={(v) => {
                  setD((p) => ({ ...p, custom: { ...p.custom, [f.key]: v } }));
                  errors.clear(`custom.${f.key}`);
                }}
                error={errorFor(`custom.${f.key}`)}
                readOnly={fieldAccess("contact", f.key) !== undefined}
              />
            ))}
          </FormSection>
        )}
      </Stack>
      <FormFooter
        onCancel={onClose}
        saving={save.isPending}
        label={contact ? "Save changes" : "Create contact"}
        errorCount={Object.keys(errors.errors).length}
      />
    </form>
  );
}

/** Client-side errors use body indexes (blank rows are skipped); map them to on-screen rows. */
function remapRows(errs: Record<string, string>, emailRows: number[], phoneRows: number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(errs)) {
    const m = /^(emails|phones)\.(\d+)(\..*)?$/.exec(k);
    if (m) {
      const rows = m[1] === "emails" ? emailRows : phoneRows;
      const row = rows[Number(m[2])];
      out[`${m[1]}.${row ?? m[2]}${m[3] ?? ""}`] = v;
    } else out[k] = v;
  }
  return out;
}

export function FormFooter({ onCancel, saving, label, errorCount }: { onCancel: () => void; saving: boolean; label: string; errorCount: number }) {
  return (
    <Group
      justify="space-between"
      px="lg"
      py="sm"
      gap="sm"
      style={{
        position: "sticky",
        bottom: 0,
        background: "var(--mantine-color-body)",
        borderTop: "1px solid var(--mantine-color-default-border)",
        zIndex: 2,
      }}
    >
      <Text fz="xs" c="red" data-testid="form-error-count">
        {errorCount > 0 ? `Fix ${errorCount === 1 ? "the highlighted field" : `${errorCount} highlighted fields`}` : ""}
      </Text>
      <Group gap="sm">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={saving} data-testid="form-submit">
          {label}
        </Button>
      </Group>
    </Group>
  );
}
