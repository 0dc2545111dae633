import { PassThrough } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply } from "fastify";
import { IdParams } from "../../contract/common.js";
import { VcardImportResult, VcardSelection } from "../../contract/exports.js";
import { AppError } from "../../core/errors.js";
import { problems, typed } from "../../server/route-kit.js";
import { contactVcard, importVcards, MAX_VCARD_BYTES, selectedContacts, writeVcf } from "./service.js";

const fileName = (s: string) =>
  s
    .replace(/[^\p{L}\p{N} ._-]+/gu, "")
    .trim()
    .slice(0, 80) || "contact";

export async function vcardRoutes(api: FastifyInstance): Promise<void> {
  // Own scope: multipart parsing applies to these routes only (the rest of the API takes JSON alone).
  await api.register(async (scope) => {
    if (!scope.hasRequestDecorator("isMultipart")) {
      await scope.register(multipart, { limits: { fileSize: MAX_VCARD_BYTES, files: 1, fields: 5 } });
    }
    // A .vcf can also be posted as the raw body (curl --data-binary @contacts.vcf -H 'content-type: text/vcard').
    scope.addContentTypeParser(["text/vcard", "text/x-vcard", "text/directory"], { parseAs: "buffer", bodyLimit: MAX_VCARD_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    const r = typed(scope);
    r.post(
      "/contacts/vcard",
      {
        bodyLimit: MAX_VCARD_BYTES,
        schema: {
          tags: ["contacts"],
          summary: "Import contacts from a vCard file (2.1, 3.0 or 4.0)",
          description:
            "multipart/form-data with one file field, or the .vcf as a text/vcard body. Each card is imported on its own: unreadable or invalid cards are listed " +
            "under rejected (index + reason), cards whose email already exists under skipped. ORG resolves to a company of that name or creates one; NOTE becomes a timeline note.",
          consumes: ["multipart/form-data", "text/vcard"],
          response: { 200: VcardImportResult, ...problems, 413: problems[400], 415: problems[400] },
        },
      },
      async (req) => {
        let bytes: Buffer;
        if (req.isMultipart()) {
          const file = await req.file();
          if (!file) throw new AppError("validation_failed", "Attach a .vcf file", [{ path: "file", message: "Attach a .vcf file" }]);
          bytes = await file.toBuffer();
          if (file.file.truncated) throw new AppError("payload_too_large", `A vCard file can be at most ${MAX_VCARD_BYTES / 1024 / 1024} MB`);
        } else if (Buffer.isBuffer(req.body)) {
          bytes = req.body;
        } else {
          throw new AppError("unsupported_media_type", "Send the file as multipart/form-data or as a text/vcard body");
        }
        return importVcards(req.ctx, bytes);
      },
    );
  });

  const r = typed(api);
  r.get(
    "/contacts/:id/vcard",
    { schema: { tags: ["contacts"], summary: "One contact as a vCard 4.0 file", params: IdParams, response: problems } },
    async (req, reply) => {
      const { text, contact } = await contactVcard(req.ctx, req.params.id);
      // Files, not JSON: the reply skips the response serialiser.
      return (reply as FastifyReply)
        .header("content-type", "text/vcard; charset=utf-8")
        .header("content-disposition", `attachment; filename="${fileName(contact.fullName)}.vcf"`)
        .send(text);
    },
  );
  r.post(
    "/contacts/vcard/export",
    { schema: { tags: ["contacts"], summary: "Selected contacts as one vCard 4.0 file", body: VcardSelection, response: problems } },
    async (req, reply) => {
      const ids = [...new Set(req.body.ids)];
      // Read the first contact before answering, so an unknown id is a 404 rather than a broken download.
      const first = await contactVcard(req.ctx, ids[0] as string);
      const body = new PassThrough();
      body.write(first.text);
      writeVcf(selectedContacts(req.ctx, ids.slice(1)), body).catch((err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))));
      return (reply as FastifyReply)
        .header("content-type", "text/vcard; charset=utf-8")
        .header("content-disposition", `attachment; filename="contacts.vcf"`)
        .send(body);
    },
  );
}
