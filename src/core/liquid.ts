import { Liquid } from "liquidjs";

/**
 * Merge fields: one liquidjs engine, bounded (a template cannot loop or allocate without end), reading only own
 * properties of the data it is given (no prototype walking).
 */
export const liquid = new Liquid({ ownPropertyOnly: true, strictFilters: true, parseLimit: 100_000, renderLimit: 1000, memoryLimit: 10_000_000 });

export interface TemplateError {
  message: string;
  line: number | null;
  column: number | null;
}

/** A template's syntax error with its line and column, or null when it parses. */
export function checkTemplate(source: string): TemplateError | null {
  try {
    liquid.parse(source);
    return null;
  } catch (err) {
    const message = (err as Error).message;
    const at = /line:(\d+), col:(\d+)/.exec(message);
    return { message: message.replace(/,? ?line:\d+, col:\d+/, "").trim(), line: at ? Number(at[1]) : null, column: at ? Number(at[2]) : null };
  }
}

export async function render(source: string, data: Record<string, unknown>): Promise<string> {
  if (!source.includes("{")) return source;
  return liquid.parseAndRender(source, data);
}
