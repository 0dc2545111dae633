import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** ../shared/datasets/email beside the repository (see its INDEX.md). */
export const emailDatasets = join(import.meta.dirname, "../../../shared/datasets/email");
export const replyParserCases = join(emailDatasets, "email_reply_parser");

/** Every raw message of the email datasets (.eml/.txt/.msg, recursively), except the reply parser's plain bodies. */
export function datasetMessages(): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(emailDatasets)
    .filter((f) => /\.(eml|txt|msg)$/i.test(f) && !f.startsWith(replyParserCases))
    .sort();
}
