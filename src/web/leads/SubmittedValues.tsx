import { Group, Paper, Text } from "@mantine/core";
import type { ReactNode } from "react";
import type { SubmittedValue, TimelineEntry } from "../../contract/index.js";

/** What a visitor typed into a web form, label by label; long messages keep their line breaks. */
export function SubmittedValuesList({ values }: { values: SubmittedValue[] }) {
  if (values.length === 0)
    return (
      <Text fz="sm" c="dimmed">
        No values were submitted.
      </Text>
    );
  return (
    <dl style={{ margin: 0, display: "grid", gridTemplateColumns: "minmax(90px, max-content) 1fr", gap: "4px 12px" }} data-testid="submitted-values">
      {values.map((v) => (
        <div key={v.key} style={{ display: "contents" }}>
          <Text component="dt" fz="sm" c="dimmed">
            {v.label}
          </Text>
          <Text component="dd" fz="sm" m={0} style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {v.value}
          </Text>
        </div>
      ))}
    </dl>
  );
}

const campaignOf = (utm: Record<string, string>) => [utm.utm_source, utm.utm_medium, utm.utm_campaign].filter(Boolean).join(" / ");

/** A web-form submission on a contact's timeline: which form, when, and every value typed. */
export function SubmissionItem({ entry, when }: { entry: Extract<TimelineEntry, { kind: "submission" }>; when: ReactNode }) {
  const campaign = campaignOf(entry.utm);
  return (
    <>
      <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
        <Text fz="sm" style={{ minWidth: 0 }}>
          Submitted the web form{" "}
          <Text span inherit fw={600}>
            {entry.formName ?? "(deleted form)"}
          </Text>
          {entry.outcome === "created" ? ", which created this contact" : ""}
        </Text>
        {when}
      </Group>
      <Paper withBorder radius="md" p="sm" mt={6}>
        <SubmittedValuesList values={entry.values} />
        {(campaign || entry.referrer) && (
          <Text fz="xs" c="dimmed" mt={6} style={{ overflowWrap: "anywhere" }}>
            {campaign && <>Campaign: {campaign}</>}
            {campaign && entry.referrer ? " · " : ""}
            {entry.referrer && <>From {entry.referrer}</>}
          </Text>
        )}
      </Paper>
    </>
  );
}
