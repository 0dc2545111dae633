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
  IconTargetArrow,
  IconTimeline,
  IconUserCheck,
  IconUserPlus,
  IconWebhook,
  IconWorldUpload,
} from "@tabler/icons-react";
import type { ReactNode } from "react";
import { type StepType, stepLabels, stepTypes } from "../../contract/index.js";

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

const icons: Record<StepType, (s: number) => ReactNode> = {
  update_fields: (s) => <IconEdit size={s} />,
  create_task: (s) => <IconChecklist size={s} />,
  create_note: (s) => <IconNote size={s} />,
  create_deal: (s) => <IconTargetArrow size={s} />,
  create_contact: (s) => <IconUserPlus size={s} />,
  tags: (s) => <IconTag size={s} />,
  assign_owner: (s) => <IconUserCheck size={s} />,
  send_email: (s) => <IconMail size={s} />,
  notify: (s) => <IconBell size={s} />,
  http_request: (s) => <IconWorldUpload size={s} />,
  send_webhook: (s) => <IconWebhook size={s} />,
  enrol_in_sequence: (s) => <IconTimeline size={s} />,
  if_else: (s) => <IconArrowsSplit size={s} />,
  wait: (s) => <IconClock size={s} />,
  stop: (s) => <IconPlayerStop size={s} />,
};
const colors: Record<StepType, string> = {
  update_fields: "blue",
  create_task: "teal",
  create_note: "yellow",
  create_deal: "indigo",
  create_contact: "indigo",
  tags: "grape",
  assign_owner: "cyan",
  send_email: "blue",
  notify: "orange",
  http_request: "dark",
  send_webhook: "dark",
  enrol_in_sequence: "blue",
  if_else: "violet",
  wait: "gray",
  stop: "red",
};

// Labels and descriptions come from the contract, so the builder, the run pages and the API docs say the same.
const kinds: StepKind[] = stepTypes.map((type) => ({
  type,
  label: stepLabels[type].label,
  hint: stepLabels[type].description,
  group: stepLabels[type].group,
  color: colors[type],
  icon: icons[type],
}));

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
