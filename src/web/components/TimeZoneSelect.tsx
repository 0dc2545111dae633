import { Select, type SelectProps } from "@mantine/core";
import { useMemo } from "react";

/** "GMT+02:00" for a zone now; "" when the browser cannot say. */
function offsetLabel(tz: string, now: Date): string {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(now).find((p) => p.type === "timeZoneName");
    return part?.value === "GMT" ? "GMT+00:00" : (part?.value ?? "");
  } catch {
    return "";
  }
}

/** Every IANA zone the browser knows, with its current UTC offset, plus the chosen one should the list lack it. */
function zoneOptions(current: string | null): { value: string; label: string }[] {
  const now = new Date();
  const names = new Set(Intl.supportedValuesOf("timeZone"));
  names.add("UTC");
  if (current) names.add(current);
  return [...names]
    .map((tz) => {
      const offset = offsetLabel(tz, now);
      return { value: tz, label: offset ? `${tz.replace(/_/g, " ")} (${offset})` : tz.replace(/_/g, " ") };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

export function TimeZoneSelect(props: Omit<SelectProps, "data">) {
  const value = typeof props.value === "string" ? props.value : null;
  const data = useMemo(() => zoneOptions(value), [value]);
  return <Select searchable nothingFoundMessage="No time zone by that name" allowDeselect={false} {...props} data={data} />;
}
