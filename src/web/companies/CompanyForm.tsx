import { Drawer, NumberInput, SimpleGrid, Stack, TagsInput, Text, Textarea, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type Company, CreateCompanyBody, UpdateCompanyBody } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { CurrencySelect, useDefaultCurrency } from "../components/CurrencySelect.js";
import { CustomFieldInput, customPayload, validateCustom } from "../components/CustomFieldInput.js";
import { FormSection } from "../components/FormSection.js";
import { CompanyPicker, UserPicker } from "../components/pickers.js";
import { FormFooter } from "../contacts/ContactForm.js";
import { DuplicateWarning } from "../data-quality/DuplicateWarning.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { phoneWithExtension } from "../lib/format.js";
import { notifySuccess } from "../lib/notify.js";

interface Draft {
  name: string;
  domain: string;
  industry: string;
  employees: number | "";
  annualRevenue: number | "";
  currency: string;
  phone: string;
  address: { street: string; city: string; region: string; postalCode: string; country: string };
  parentId: string | null;
  parentName: string | null;
  ownerId: string | null;
  tags: string[];
  description: string;
  custom: Record<string, unknown>;
}

function draftFrom(c: Company | null, meId: string, parentName: string | null): Draft {
  return {
    name: c?.name ?? "",
    domain: c?.domain ?? "",
    industry: c?.industry ?? "",
    employees: c?.employees ?? "",
    annualRevenue: c?.annualRevenue ? Number(c.annualRevenue) : "",
    currency: c?.currency ?? "",
    phone: c?.phone ? phoneWithExtension(c.phone, c.phoneExtension) : "",
    address: {
      street: c?.address?.street ?? "",
      city: c?.address?.city ?? "",
      region: c?.address?.region ?? "",
      postalCode: c?.address?.postalCode ?? "",
      country: c?.address?.country ?? "",
    },
    parentId: c?.parentId ?? null,
    parentName,
    ownerId: c ? c.ownerId : meId,
    tags: c?.tags ?? [],
    description: c?.description ?? "",
    custom: { ...(c?.custom ?? {}) },
  };
}

interface Props {
  opened: boolean;
  onClose: () => void;
  company?: Company | null;
  parentName?: string | null;
  onSaved?: (c: Company) => void;
}

export function CompanyFormDrawer({ opened, onClose, company = null, parentName = null, onSaved }: Props) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size={isPhone ? "100%" : 560}
      title={
        <Text fw={650} fz="lg">
          {company ? `Edit ${company.name}` : "New company"}
        </Text>
      }
      padding={0}
      styles={{ header: { paddingInline: "var(--mantine-spacing-lg)" }, body: { padding: 0 } }}
    >
      {opened && <CompanyForm company={company} parentName={parentName} onClose={onClose} onSaved={onSaved} />}
    </Drawer>
  );
}

function CompanyForm({
  company,
  parentName,
  onClose,
  onSaved,
}: {
  company: Company | null;
  parentName: string | null;
  onClose: () => void;
  onSaved?: (c: Company) => void;
}) {
  const { fieldAccess } = usePermissions();
  const me = useMe();
  const qc = useQueryClient();
  const customFields = useQuery(customFieldsQuery("company"));
  const [d, setD] = useState<Draft>(() => draftFrom(company, me.user.id, parentName));
  // A new company shows, and so saves, the workspace's currency until another is chosen.
  const defaultCurrency = useDefaultCurrency();
  const currency = d.currency || defaultCurrency || "";
  const errors = useFormErrors();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setD((p) => ({ ...p, [k]: v }));
    errors.clear(String(k));
  };
  const setAddr = (k: keyof Draft["address"], v: string) => {
    setD((p) => ({ ...p, address: { ...p.address, [k]: v } }));
    errors.clear(`address.${k}`);
  };

  const save = useMutation({
    mutationFn: (body: unknown) => (company ? api.patch<Company>(`/api/v1/companies/${company.id}`, body) : api.post<Company>("/api/v1/companies", body)),
    onSuccess: (c) => {
      qc.setQueryData(["company", "record", c.id], c);
      void qc.invalidateQueries({ queryKey: ["company"] });
      void qc.invalidateQueries({ queryKey: ["contact"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess(company ? "Company saved" : `Added ${c.name}`);
      onClose();
      onSaved?.(c);
    },
    onError: (e) => errors.fromServer(e, "Could not save the company"),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const addr = Object.entries(d.address).filter(([, v]) => v.trim());
    const body = {
      name: d.name,
      domain: d.domain.trim() || null,
      industry: d.industry.trim() || null,
      employees: d.employees === "" ? null : d.employees,
      annualRevenue: d.annualRevenue === "" ? null : d.annualRevenue,
      ...(currency ? { currency } : {}),
      phone: d.phone.trim() || null,
      address: addr.length ? Object.fromEntries(addr.map(([k, v]) => [k, v.trim()])) : null,
      parentId: d.parentId,
      ownerId: d.ownerId,
      tags: d.tags,
      description: d.description.trim() || null,
      custom: customPayload(customFields.data ?? [], d.custom, Boolean(company)),
    };
    const parsed = (company ? UpdateCompanyBody : CreateCompanyBody).safeParse(body);
    const customErrors = validateCustom(customFields.data ?? [], d.custom);
    if (!parsed.success) {
      errors.validate(parsed);
      errors.setErrors((prev) => ({ ...prev, ...customErrors }));
      return;
    }
    if (Object.keys(customErrors).length) {
      errors.setErrors(customErrors);
      return;
    }
    save.mutate(parsed.data);
  }

  return (
    <form onSubmit={submit} noValidate data-testid="company-form">
      <Stack gap="lg" px="lg" pb={90} pt="xs">
        {!company && <DuplicateWarning object="company" values={{ name: d.name, domain: d.domain }} />}
        <FormSection title="Company">
          <TextInput
            label="Name"
            required
            value={d.name}
            onChange={(e) => set("name", e.currentTarget.value)}
            error={errors.get("name")}
            data-autofocus
            data-testid="company-name"
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <TextInput
              label="Domain"
              placeholder="example.com"
              value={d.domain}
              onChange={(e) => set("domain", e.currentTarget.value)}
              error={errors.get("domain")}
              data-testid="company-domain"
            />
            <TextInput
              label="Industry"
              placeholder="Software"
              value={d.industry}
              onChange={(e) => set("industry", e.currentTarget.value)}
              error={errors.get("industry")}
              data-testid="company-industry"
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <NumberInput
              label="Employees"
              min={0}
              allowDecimal={false}
              thousandSeparator=","
              value={d.employees}
              onChange={(v) => set("employees", v === "" ? "" : Number(v))}
              error={errors.get("employees")}
              data-testid="company-employees"
            />
            <TextInput
              label="Phone"
              type="tel"
              placeholder="+1 415 555 0132 ext. 12"
              value={d.phone}
              onChange={(e) => set("phone", e.currentTarget.value)}
              error={errors.get("phone")}
              data-testid="company-phone-input"
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 2 }} spacing="sm">
            <NumberInput
              label="Annual revenue"
              min={0}
              thousandSeparator=","
              value={d.annualRevenue}
              onChange={(v) => set("annualRevenue", v === "" ? "" : Number(v))}
              error={errors.get("annualRevenue")}
            />
            <CurrencySelect
              label="Currency"
              value={currency}
              onChange={(v) => set("currency", v)}
              error={errors.get("currency")}
              data-testid="company-currency"
            />
          </SimpleGrid>
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxRows={8}
            value={d.description}
            onChange={(e) => set("description", e.currentTarget.value)}
            error={errors.get("description")}
          />
        </FormSection>

        <FormSection title="Relationship">
          <CompanyPicker
            label="Parent company"
            value={d.parentId}
            valueLabel={d.parentName}
            excludeId={company?.id}
            onChange={(id, name) => setD((p) => ({ ...p, parentId: id, parentName: name }))}
            error={errors.get("parentId")}
          />
          <UserPicker label="Owner" value={d.ownerId} onChange={(v) => set("ownerId", v)} error={errors.get("ownerId")} data-testid="company-owner" />
          <TagsInput
            label="Tags"
            placeholder="Type a tag and press Enter"
            value={d.tags}
            onChange={(v) => set("tags", v)}
            error={errors.get("tags")}
            clearable
            data-testid="company-tags"
          />
        </FormSection>

        <FormSection title="Address">
          <TextInput label="Street" value={d.address.street} onChange={(e) => setAddr("street", e.currentTarget.value)} error={errors.get("address.street")} />
          <SimpleGrid cols={2} spacing="sm">
            <TextInput label="City" value={d.address.city} onChange={(e) => setAddr("city", e.currentTarget.value)} error={errors.get("address.city")} />
            <TextInput
              label="Postal code"
              value={d.address.postalCode}
              onChange={(e) => setAddr("postalCode", e.currentTarget.value)}
              error={errors.get("address.postalCode")}
            />
            <TextInput
              label="Region / state"
              value={d.address.region}
              onChange={(e) => setAddr("region", e.currentTarget.value)}
              error={errors.get("address.region")}
            />
            <TextInput
              label="Country code"
              placeholder="DE"
              maxLength={2}
              description="ISO 3166, 2 letters"
              value={d.address.country}
              onChange={(e) => setAddr("country", e.currentTarget.value.toUpperCase())}
              error={errors.get("address.country")}
            />
          </SimpleGrid>
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
                error={errors.get(`custom.${f.key}`)}
                readOnly={fieldAccess("company", f.key) !== undefined}
              />
            ))}
          </FormSection>
        )}
      </Stack>
      <FormFooter
        onCancel={onClose}
        saving={save.isPending}
        label={company ? "Save changes" : "Create company"}
        errorCount={Object.keys(errors.errors).length}
      />
    </form>
  );
}
