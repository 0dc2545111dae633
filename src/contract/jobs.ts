import { z } from "zod";
import { Timestamp } from "./common.js";

export const JobQueueSummary = z.object({
  name: z.string(),
  label: z.string(),
  description: z.string(),
  schedule: z.string().nullable().describe("Cron schedule (UTC) of recurring work"),
  waiting: z.number().int().describe("Created or due for a retry, not started yet"),
  active: z.number().int(),
  failed: z.number().int().describe("Out of retries: waiting for an admin to retry or discard them"),
  completed: z.number().int().describe("Finished and still kept (7 days)"),
  retryLimit: z.number().int(),
});
export const EventConsumerSummary = z.object({
  name: z.string(),
  position: z.number().int(),
  lag: z.number().int().describe("Events this consumer has still to read"),
  updatedAt: Timestamp,
  lastError: z.string().nullable(),
  failures: z.number().int(),
});
export const JobOverview = z.object({ queues: z.array(JobQueueSummary), consumers: z.array(EventConsumerSummary) });

export const FailedJob = z.object({
  id: z.uuid(),
  queue: z.string(),
  queueLabel: z.string(),
  state: z.enum(["failed", "retry"]).describe("failed: out of retries (dead); retry: failed at least once, will run again"),
  attempts: z.number().int(),
  retryLimit: z.number().int(),
  error: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  failedAt: Timestamp.nullable(),
  nextAttemptAt: Timestamp.nullable(),
});
export const FailedJobList = z.object({ data: z.array(FailedJob) });
export const FailedJobQuery = z.object({ queue: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export const JobParams = z.object({ queue: z.string().min(1).max(100), id: z.uuid() }).strict();
