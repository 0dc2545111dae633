/** Shared by the import tests: the datasets folder, multipart uploads and running an import to its end. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import { expect } from "vitest";
import type { Client, TestApp } from "../../test/harness.js";

export const datasets = fileURLToPath(new URL("../../../../shared/datasets/", import.meta.url));
export const samples = join(datasets, "crm_import_samples");
export const haveData = existsSync(samples);
export const sample = (p: string) => readFileSync(join(samples, p));
export const csvRows = (buf: Buffer) => parseCsv(buf, { bom: true, columns: true }) as Record<string, string>[];

const BOUNDARY = "----rapport-test-boundary";
function multipart(object: string, fileName: string, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${object}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

export type Analysis = {
  import: { id: string; encoding: string; delimiter: string; headers: string[]; status: string };
  suggestion: { mapping: Record<string, string | null>; preset: string | null };
  sample: string[][];
};

export async function upload(t: TestApp, c: Client, object: string, fileName: string, content: Buffer | string) {
  return t.app.inject({
    method: "POST",
    url: "/api/v1/imports",
    headers: { cookie: c.session.cookie as string, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    payload: multipart(object, fileName, typeof content === "string" ? Buffer.from(content) : content),
  });
}
export async function uploadOk(t: TestApp, c: Client, object: string, fileName: string, content: Buffer | string): Promise<Analysis> {
  const res = await upload(t, c, object, fileName, content);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Analysis;
}
/** Import runs are jobs: the test app runs a worker (workerApp), and this polls the import as the web app does. */
export async function waitForImport(c: Client, id: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = (await c.get(`/api/v1/imports/${id}`)).json();
    // The row's status, not the displayed one: a queued run shows "interrupted" to people after a minute without a worker.
    if ((job.status !== "running" && job.status !== "interrupted") || Date.now() > until) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the import tests' apps run: every job, polled often, so a run starts within half a second. */
export const workerApp = { jobs: { worker: true, pollingIntervalSeconds: 0.5 } } as const;

export async function runToEnd(c: Client, id: string, options: Record<string, unknown>) {
  const res = await c.post(`/api/v1/imports/${id}/run`, options);
  expect(res.statusCode, res.body).toBe(202);
  const job = await waitForImport(c, id);
  expect(job.status, job.error).toBe("completed");
  return job;
}

export const importTesting = { datasets, samples, haveData, sample, csvRows, upload, uploadOk, runToEnd, waitForImport, workerApp };
