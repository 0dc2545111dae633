import { Readable } from "node:stream";
import { setImmediate } from "node:timers/promises";
import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { type Db, queryRows } from "../../db/client.js";
import type { FileSource } from "./parse.js";
import { importFiles } from "./table.js";

/** Big enough that a 100 MB file is a hundred inserts, small enough that a reader holds little at a time. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Writes an upload into import_files, chunk by chunk as it arrives (never the whole file in memory, never a temp
 * file). Returns its size in bytes. Each chunk is its own statement: one long transaction would hold PGlite's only
 * connection for the whole upload.
 */
export async function storeFile(ctx: Ctx, importId: string, input: AsyncIterable<Buffer | Uint8Array>): Promise<number> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let chunkNo = 0;
  let size = 0;
  const flush = async (all: boolean) => {
    while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending, pendingBytes);
      const bytes = joined.subarray(0, Math.min(CHUNK_BYTES, joined.length));
      const rest = joined.subarray(bytes.length);
      await ctx.db.insert(importFiles).values({ workspaceId: ctx.workspaceId, importId, chunkNo: chunkNo++, bytes: Buffer.from(bytes) });
      pending = rest.length ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    }
  };
  for await (const part of input) {
    const buf = Buffer.isBuffer(part) ? part : Buffer.from(part);
    pending.push(buf);
    pendingBytes += buf.length;
    size += buf.length;
    if (pendingBytes >= CHUNK_BYTES) await flush(false);
  }
  await flush(true);
  // An empty file is still a stored file (chunk 0, no bytes): reading it says "empty", not "no longer kept".
  if (chunkNo === 0) await ctx.db.insert(importFiles).values({ workspaceId: ctx.workspaceId, importId, chunkNo: 0, bytes: Buffer.alloc(0) });
  return size;
}

/** The stored file as a stream source: every open reads the chunks again from the first, one query per chunk. */
export function storedFile(db: Db, workspaceId: string, importId: string): FileSource {
  return {
    open() {
      return Readable.from(
        (async function* () {
          for (let next = 0; ; next++) {
            const [chunk] = await db
              .select({ chunkNo: importFiles.chunkNo, bytes: importFiles.bytes })
              .from(importFiles)
              .where(and(eq(importFiles.workspaceId, workspaceId), eq(importFiles.importId, importId), gte(importFiles.chunkNo, next)))
              .orderBy(asc(importFiles.chunkNo))
              .limit(1);
            if (!chunk) {
              if (next === 0) throw new AppError("conflict", "The uploaded file is no longer kept (the import finished or was discarded); upload it again.");
              return;
            }
            if (chunk.chunkNo !== next) throw new AppError("conflict", `The uploaded file is damaged: part ${next + 1} is missing; upload it again.`);
            if (chunk.bytes.length) yield chunk.bytes;
            // PGlite answers in the same thread, as promises that never wait for I/O: without a turn of the event loop
            // here, reading a file would hold off every request and timer of the embedded server until it ends.
            await setImmediate();
          }
        })(),
        { objectMode: false },
      );
    },
  };
}

/** Removes an upload's bytes (the import finished, was undone or discarded). */
export async function deleteFile(db: Db, workspaceId: string, importId: string): Promise<void> {
  await db.delete(importFiles).where(and(eq(importFiles.workspaceId, workspaceId), eq(importFiles.importId, importId)));
}

/**
 * Bytes nobody will read again: uploads whose import row is gone (a process died between storing and registering,
 * or a refused file) once they are an hour old, and files of imports that are over (completed or undone). Uploads
 * left unstarted for `abandonedDays` are discarded with their import row, as the user would with "Start over".
 */
export async function pruneFiles(db: Db, abandonedDays = 7): Promise<{ files: number; abandoned: number }> {
  const abandoned = await queryRows<{ id: string }>(
    db,
    sql`
    delete from imports i
     where i.status = 'uploaded' and i.created_at < now() - make_interval(days => ${abandonedDays})
    returning i.id`,
  );
  const gone = await queryRows<{ import_id: string }>(
    db,
    sql`
    with orphans as (
      select distinct f.workspace_id, f.import_id
        from import_files f
        left join imports i on i.workspace_id = f.workspace_id and i.id = f.import_id
       where (i.id is null and f.created_at < now() - interval '1 hour') or i.status in ('completed', 'undone')
    )
    delete from import_files f using orphans o
     where f.workspace_id = o.workspace_id and f.import_id = o.import_id
    returning f.import_id`,
  );
  return { files: new Set(gone.map((r) => r.import_id)).size, abandoned: abandoned.length };
}
