import { Alert, Button, Group, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, Stepper, Switch, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AudienceCount, Campaign, CreateCampaignBody, Preview } from "../../contract/index.js";
import { api } from "../http/client.js";
import { notifyError } from "../lib/notify.js";
import { segmentsQuery } from "../segments/api.js";
import { templatesQuery } from "./api.js";

/** The campaign wizard: audience (with a live count), content (template, subject, preview, A/B test), sending, review. */
export function CampaignWizard({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const qc = useQueryClient();
  const [step, setStep] = useState(0);
  const [name, setName] = useState("");
  const [include, setInclude] = useState<string[]>([]);
  const [exclude, setExclude] = useState<string[]>([]);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [subject, setSubject] = useState("");
  const [ab, setAb] = useState(false);
  const [subjectB, setSubjectB] = useState("");
  const [samplePercent, setSamplePercent] = useState<number>(10);
  const [winnerBy, setWinnerBy] = useState<"opens" | "clicks">("opens");
  const [waitMinutes, setWaitMinutes] = useState<number>(240);
  const [from, setFrom] = useState("");
  const [tracking, setTracking] = useState(true);
  const [when, setWhen] = useState<"now" | "later">("now");
  const [scheduledAt, setScheduledAt] = useState("");
  const [perMinute, setPerMinute] = useState<number | string>("");
  const [perDomain, setPerDomain] = useState<number | string>("");

  const segments = useQuery(segmentsQuery);
  const templates = useQuery(templatesQuery);
  const segmentOptions = (segments.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.count.toLocaleString()})` }));
  const [audience] = useDebouncedValue({ include, exclude }, 300);
  const count = useQuery({
    queryKey: ["campaigns", "audience-count", audience],
    queryFn: () => api.post<AudienceCount>("/api/v1/campaigns/audience-count", { audience }),
    enabled: audience.include.length > 0,
  });
  const template = templates.data?.find((t) => t.id === templateId) ?? null;
  const preview = useQuery({
    queryKey: ["campaigns", "preview", templateId, subject],
    queryFn: () =>
      api.post<Preview>("/api/v1/email-templates/preview", {
        subject: subject || template?.subject || "",
        preheader: template?.preheader ?? null,
        body: template?.body ?? "",
      }),
    enabled: Boolean(template),
  });

  const body = (): CreateCampaignBody => ({
    name: name.trim(),
    templateId: templateId as string,
    from: from.trim() || null,
    subject: subject.trim() || null,
    audience: { include, exclude },
    tracking,
    scheduledAt: when === "later" && scheduledAt ? new Date(scheduledAt).toISOString() : null,
    perMinute: perMinute === "" ? null : Number(perMinute),
    perDomainPerMinute: perDomain === "" ? null : Number(perDomain),
    abTest: ab ? { subjectB: subjectB.trim(), samplePercent, winnerBy, waitMinutes } : null,
  });
  const save = useMutation({
    mutationFn: async (start: boolean) => {
      const created = await api.post<Campaign>("/api/v1/campaigns", body());
      if (start) await api.post<Campaign>(`/api/v1/campaigns/${created.id}/start`);
      return created;
    },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: ["campaigns"] });
      onCreated(c.id);
    },
    onError: (e) => notifyError(e, "Could not create the campaign"),
  });

  const canNext = [
    include.length > 0 && name.trim().length > 0,
    Boolean(templateId) && (!ab || subjectB.trim().length > 0),
    when === "now" || Boolean(scheduledAt),
    true,
  ][step];

  return (
    <Modal opened onClose={onClose} title="New campaign" size="xl" data-testid="campaign-wizard">
      <Stepper active={step} onStepClick={setStep} size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label="Audience" description="Who receives it">
          <Stack gap="sm" mt="md">
            <TextInput label="Campaign name" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="campaign-name" />
            <MultiSelect
              label="Send to"
              description="Contacts in any of these segments or lists"
              data={segmentOptions}
              value={include}
              onChange={setInclude}
              searchable
              placeholder={segmentOptions.length ? "Choose segments and lists" : "No segments yet: build one under Segments"}
              data-testid="campaign-include"
            />
            <MultiSelect
              label="Leave out"
              description="Contacts in any of these are not sent to, even when they are in the audience"
              data={segmentOptions}
              value={exclude}
              onChange={setExclude}
              searchable
              data-testid="campaign-exclude"
            />
            {include.length > 0 && (
              <Alert color={count.data?.sendable === 0 ? "yellow" : "blue"} data-testid="campaign-audience-count">
                {count.isPending
                  ? "Counting…"
                  : count.isError
                    ? `Could not count: ${count.error.message}`
                    : `${count.data.matching.toLocaleString()} contacts match; ${count.data.sendable.toLocaleString()} can be emailed (the others have no address, refused email, are suppressed or marked do-not-contact).`}
              </Alert>
            )}
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Content" description="Template and subject">
          <Stack gap="sm" mt="md">
            <Select
              label="Template"
              data={(templates.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
              value={templateId}
              onChange={setTemplateId}
              searchable
              placeholder={templates.data?.length ? "Choose a template" : "No templates yet: write one under Templates"}
              data-testid="campaign-template"
            />
            <TextInput
              label="Subject"
              description="Leave empty to use the template's subject; merge fields such as {{ contact.firstName }} work here"
              placeholder={template?.subject ?? ""}
              value={subject}
              onChange={(e) => setSubject(e.currentTarget.value)}
              data-testid="campaign-subject"
            />
            <Switch label="A/B test the subject on a sample first" checked={ab} onChange={(e) => setAb(e.currentTarget.checked)} data-testid="campaign-ab" />
            {ab && (
              <Stack gap="xs" pl="md">
                <TextInput label="Second subject (B)" value={subjectB} onChange={(e) => setSubjectB(e.currentTarget.value)} required />
                <Group grow>
                  <NumberInput label="Sample per subject (%)" min={1} max={50} value={samplePercent} onChange={(v) => setSamplePercent(Number(v) || 1)} />
                  <Select
                    label="Winner by"
                    data={[
                      { value: "opens", label: "Opens" },
                      { value: "clicks", label: "Clicks" },
                    ]}
                    value={winnerBy}
                    onChange={(v) => setWinnerBy((v as "opens" | "clicks") ?? "opens")}
                  />
                  <NumberInput label="Wait before choosing (minutes)" min={1} value={waitMinutes} onChange={(v) => setWaitMinutes(Number(v) || 60)} />
                </Group>
                <Text fz="xs" c="dimmed">
                  {samplePercent}% of the audience get subject A and {samplePercent}% subject B; after the wait, the rest get the subject with more{" "}
                  {winnerBy === "opens" ? "opens by people" : "clicks by people"} (a tie goes to A).
                </Text>
              </Stack>
            )}
            {template && (
              <Stack gap={4}>
                <Text fz="sm" fw={600}>
                  Preview (sample contact)
                </Text>
                {preview.data && !preview.data.ok ? (
                  <Alert color="red" icon={<IconAlertTriangle size={16} />}>
                    {preview.data.problems.map((p) => `${p.part}: ${p.message}`).join("; ")}
                  </Alert>
                ) : (
                  <>
                    <Text fz="sm" data-testid="campaign-preview-subject">
                      Subject: {preview.data?.subject ?? "…"}
                    </Text>
                    <iframe
                      title="Campaign preview"
                      sandbox=""
                      srcDoc={preview.data?.html ?? ""}
                      style={{ width: "100%", height: 320, border: "1px solid var(--mantine-color-gray-3)", borderRadius: 8 }}
                      data-testid="campaign-preview"
                    />
                  </>
                )}
              </Stack>
            )}
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Sending" description="Sender, time, pace">
          <Stack gap="sm" mt="md">
            <TextInput
              label="From"
              description="One of the sender addresses in Settings → Email sending; empty: the server's sender"
              placeholder="news@yourcompany.com"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              data-testid="campaign-from"
            />
            <Switch label="Track opens and clicks" checked={tracking} onChange={(e) => setTracking(e.currentTarget.checked)} />
            <SegmentedControl
              value={when}
              onChange={(v) => setWhen(v as "now" | "later")}
              data={[
                { value: "now", label: "Send when I start it" },
                { value: "later", label: "Schedule" },
              ]}
            />
            {when === "later" && (
              <TextInput
                type="datetime-local"
                label="Send at (your time)"
                value={scheduledAt}
                onChange={(e) => setScheduledAt(e.currentTarget.value)}
                required
              />
            )}
            <Group grow>
              <NumberInput label="At most per minute" description="Empty: as fast as the server takes them" min={1} value={perMinute} onChange={setPerMinute} />
              <NumberInput
                label="At most per minute to one domain"
                description="Keeps within providers' limits (gmail.com, outlook.com…)"
                min={1}
                value={perDomain}
                onChange={setPerDomain}
              />
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Review">
          <Stack gap={6} mt="md" data-testid="campaign-review">
            <Text fz="sm">
              <b>{name}</b> to {count.data ? `${count.data.sendable.toLocaleString()} contacts` : "the chosen audience"}
            </Text>
            <Text fz="sm">Template: {template?.name ?? "–"}</Text>
            <Text fz="sm">Subject: {subject || template?.subject}</Text>
            {ab && (
              <Text fz="sm">
                A/B: “{subjectB}” on {samplePercent}% each, winner by {winnerBy}
              </Text>
            )}
            <Text fz="sm">{when === "later" && scheduledAt ? `Scheduled for ${new Date(scheduledAt).toLocaleString()}` : "Sent as soon as you start it"}</Text>
            <Text fz="sm">Tracking {tracking ? "on" : "off"}</Text>
          </Stack>
        </Stepper.Step>
      </Stepper>
      <Group justify="space-between" mt="lg">
        <Button variant="default" onClick={() => (step === 0 ? onClose() : setStep(step - 1))}>
          {step === 0 ? "Cancel" : "Back"}
        </Button>
        {step < 3 ? (
          <Button onClick={() => setStep(step + 1)} disabled={!canNext} data-testid="campaign-next">
            Next
          </Button>
        ) : (
          <Group>
            <Button variant="default" loading={save.isPending} onClick={() => save.mutate(false)} data-testid="campaign-save-draft">
              Save as draft
            </Button>
            <Button loading={save.isPending} onClick={() => save.mutate(true)} data-testid="campaign-send">
              {when === "later" ? "Schedule" : "Send now"}
            </Button>
          </Group>
        )}
      </Group>
    </Modal>
  );
}
