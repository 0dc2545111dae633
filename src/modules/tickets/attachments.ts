import { fileTypeFromBuffer } from "file-type";
import { ticketAttachmentLimits } from "../../contract/tickets.js";
import { AppError, invalidField } from "../../core/errors.js";

export interface StoredAttachmentInput {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId?: string | null;
}

type Incoming = { filename: string; contentType: string; content: Buffer | Uint8Array; contentId?: string | null };

// Types whose bytes carry no signature (text of any kind): a sniffer finds nothing, which is then expected.
const textual = /^(text\/[\w.+-]+|application\/(json|xml|csv|x-csv|rtf|pgp-signature|pkcs7-signature|x-pkcs7-signature)|message\/[\w.+-]+)$/i;
// What a browser could run if it opened the file inline: stored as application/octet-stream whatever was claimed.
const active =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/javascript|application\/javascript|application\/x-javascript|text\/xml|application\/xml)$/i;

const mediaType = (s: string) => s.split(";")[0]?.trim().toLowerCase() ?? "";
const safeName = (s: string) =>
  s
    .normalize("NFC")
    .replace(/[/\\]/g, "_")
    .replace(/\p{Cc}/gu, "_")
    .trim()
    .slice(0, 255) || "attachment";

/**
 * Checks a message's files: each at most 10 MB, all together at most 25 MB, and the claimed type must agree with
 * the bytes. A file whose bytes a sniffer recognises is stored as what it is (a ".pdf" that is a ZIP is a ZIP);
 * one claiming a binary type its bytes do not show is refused; types a browser would run are stored as
 * application/octet-stream so a download can never execute in the app's origin.
 */
export async function checkAttachments(...lists: (Incoming[] | undefined)[]): Promise<StoredAttachmentInput[]> {
  const files = lists.flatMap((l) => l ?? []);
  let total = 0;
  const out: StoredAttachmentInput[] = [];
  for (const [i, f] of files.entries()) {
    const content = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength);
    const path = `attachments.${i}`;
    if (content.length > ticketAttachmentLimits.file)
      throw new AppError("payload_too_large", `${f.filename}: an attachment may be at most 10 MB`, [{ path, message: "Larger than 10 MB" }]);
    total += content.length;
    if (total > ticketAttachmentLimits.message)
      throw new AppError("payload_too_large", "A message's attachments may be at most 25 MB together", [{ path, message: "Over 25 MB in all" }]);
    const claimed = mediaType(f.contentType);
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(claimed)) throw invalidField(`${path}.contentType`, `"${f.contentType}" is not a media type`);
    const sniffed = await fileTypeFromBuffer(content);
    let contentType = claimed;
    if (sniffed) contentType = sniffed.mime;
    else if (!textual.test(claimed) && claimed !== "application/octet-stream" && content.length > 0 && looksBinaryType(claimed))
      throw new AppError("unsupported_media_type", `${f.filename}: its content is not ${claimed}`, [{ path, message: `Content is not ${claimed}` }]);
    if (active.test(contentType)) contentType = "application/octet-stream";
    out.push({ filename: safeName(f.filename), contentType, content, contentId: f.contentId?.replace(/^<|>$/g, "") || null });
  }
  return out;
}

/** Types whose files always start with a signature the sniffer knows: claiming one for other bytes is a mismatch. */
function looksBinaryType(type: string): boolean {
  return /^(image\/(png|jpeg|gif|webp|bmp|tiff)|application\/(pdf|zip|gzip|x-7z-compressed|x-rar-compressed|vnd\.openxmlformats-officedocument\.[\w.]+)|audio\/(mpeg|ogg|wav)|video\/(mp4|webm))$/.test(
    type,
  );
}
