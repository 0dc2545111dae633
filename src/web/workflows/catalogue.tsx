import {
  IconArrowsSplit,
  IconBell,
  IconBolt,
  IconChecklist,
  IconClock,
  IconEdit,
  IconMail,
  IconNote,
  IconPlayerStop,
  IconTag,
  IconTagOff,
  IconTargetArrow,
  IconUserCheck,
  IconUserPlus,
  IconWebhook,
  IconWorldUpload,
} from "@tabler/icons-react";
import type { ReactNode } from "react";

export type StepGroup = "records" | "people" | "messages" | "integrations" | "flow";

export interface StepKind {
  type: string;
  label: string;
  /** One line for the "add a step" menu. */
  hint: string;
  group: StepGroup;
  color: string;
  icon: (size: number) => ReactNode;
}

export const groupLabels: Record<StepGroup, string> = {
  records: "Records",
  people: "People",
  messages: "Messages",
  integrations: "Integrations",
  flow: "Flow",
};

const kinds: StepKind[] = [
  {
    type: "update_fields",
    label: "Update fields",
    hint: "Set fields to a value, another field or a date",
    group: "records",
    color: "blue",
    icon: (s) => <IconEdit size={s} />,
  },
  {
    type: "create_task",
    label: "Create a task",
    hint: "A to-do for the owner or someone else",
    group: "records",
    color: "teal",
    icon: (s) => <IconChecklist size={s} />,
  },
  { type: "create_note", label: "Add a note", hint: "A note on the record's timeline", group: "records", color: "yellow", icon: (s) => <IconNote size={s} /> },
  {
    type: "create_deal",
    label: "Create a deal",
    hint: "A deal for the record, in a pipeline stage",
    group: "records",
    color: "indigo",
    icon: (s) => <IconTargetArrow size={s} />,
  },
  {
    type: "create_contact",
    label: "Create a contact",
    hint: "A new contact, for example from a form",
    group: "records",
    color: "indigo",
    icon: (s) => <IconUserPlus size={s} />,
  },
  { type: "add_tags", label: "Add tags", hint: "Put tags on the record", group: "records", color: "grape", icon: (s) => <IconTag size={s} /> },
  { type: "remove_tags", label: "Remove tags", hint: "Take tags off the record", group: "records", color: "grape", icon: (s) => <IconTagOff size={s} /> },
  {
    type: "assign_owner",
    label: "Assign an owner",
    hint: "A person, round-robin in a team, or the assignment rules",
    group: "people",
    color: "cyan",
    icon: (s) => <IconUserCheck size={s} />,
  },
  {
    type: "send_email",
    label: "Send an email",
    hint: "From a template, to the contact, the owner or people",
    group: "messages",
    color: "blue",
    icon: (s) => <IconMail size={s} />,
  },
  {
    type: "notify",
    label: "Notify people",
    hint: "An in-app notification to people or teams",
    group: "messages",
    color: "orange",
    icon: (s) => <IconBell size={s} />,
  },
  {
    type: "http_request",
    label: "HTTP request",
    hint: "Call another system; later steps can use its answer",
    group: "integrations",
    color: "dark",
    icon: (s) => <IconWorldUpload size={s} />,
  },
  {
    type: "send_webhook",
    label: "Send to webhook subscribers",
    hint: "Deliver to the workspace's webhook endpoints",
    group: "integrations",
    color: "dark",
    icon: (s) => <IconWebhook size={s} />,
  },
  {
    type: "if_else",
    label: "If / else",
    hint: "Two paths, by a condition on the record",
    group: "flow",
    color: "violet",
    icon: (s) => <IconArrowsSplit size={s} />,
  },
  {
    type: "wait",
    label: "Wait",
    hint: "For a time, until a date, or until a condition is true",
    group: "flow",
    color: "gray",
    icon: (s) => <IconClock size={s} />,
  },
  { type: "stop", label: "Stop", hint: "End the run here", group: "flow", color: "red", icon: (s) => <IconPlayerStop size={s} /> },
];

const byType = new Map(kinds.map((k) => [k.type, k]));

export function stepKinds(): StepKind[] {
  return kinds;
}

/** A step type the server knows but this catalogue does not still gets a readable name, never its code alone. */
export function stepKind(type: string): StepKind {
  return (
    byType.get(type) ?? {
      type,
      label: type.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
      hint: "",
      group: "flow",
      color: "gray",
      icon: (s) => <IconBolt size={s} />,
    }
  );
}

export function registerStepKinds(extra: StepKind[]) {
  for (const k of extra) {
    if (!byType.has(k.type)) {
      kinds.push(k);
      byType.set(k.type, k);
    }
  }
}
