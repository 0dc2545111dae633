import { eventObjects } from "../../contract/index.js";

const actionWords: Record<string, string> = {
  created: "created",
  updated: "updated",
  deleted: "deleted",
  restored: "restored",
  merged: "merged",
  stage_changed: "changed stage",
  completed: "completed",
  submitted: "submitted",
  logged: "logged",
  finished: "finished",
};

/** "contact.created" → "Contact created"; a name the catalogue does not know is still made readable. */
export function eventLabel(type: string): string {
  const [object = "", action = ""] = type.split(".");
  const objectLabel = (eventObjects as Record<string, { label: string }>)[object]?.label ?? object.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  return `${objectLabel} ${actionWords[action] ?? action.replace(/_/g, " ")}`.trim();
}
