import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  BulkRetryBody,
  BulkRetryResult,
  CreateWorkflowBody,
  ManualRunBody,
  ManualRunResult,
  RunList,
  RunListQuery,
  RunParams,
  SaveDraftBody,
  TestRunBody,
  TestRunResult,
  UpdateWorkflowBody,
  ValidateBody,
  VersionParams,
  WorkflowDetail,
  WorkflowList,
  WorkflowListQuery,
  WorkflowRunDetail,
  WorkflowTemplateList,
  WorkflowValidation,
  WorkflowVersion,
  WorkflowVersionList,
  workflowTemplates,
} from "../../contract/workflows.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import type { EngineDeps } from "./engine.js";
import {
  bulkRetry,
  cancelRun,
  createWorkflow,
  deleteWorkflow,
  getRun,
  getVersion,
  getWorkflow,
  listRuns,
  listVersions,
  listWorkflows,
  manualRun,
  pauseWorkflow,
  publishWorkflow,
  resumeWorkflow,
  retryRun,
  saveDraft,
  testWorkflow,
  updateWorkflow,
  validateWorkflowDefinition,
} from "./service.js";

/**
 * /api/v1/workflows: build, publish, pause and test workflows (admins; managers for their teams), and read runs
 * (everyone, on the records they can see). `engine` starts the job queue before a route opens its transaction.
 */
export async function workflowRoutes(app: FastifyInstance, deps: { engine: () => Promise<EngineDeps> }): Promise<void> {
  const r = typed(app);
  const tags = ["workflows"];
  r.get(
    "/workflows",
    { schema: { tags, summary: "Workflows, with their health and run counts", querystring: WorkflowListQuery, response: { 200: WorkflowList, ...problems } } },
    async (req) => listWorkflows(req.ctx, req.query),
  );
  r.post(
    "/workflows",
    {
      schema: {
        tags,
        summary: "Create a workflow, empty or from a template (admins; managers for their teams)",
        body: CreateWorkflowBody,
        response: { 201: WorkflowDetail, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createWorkflow(req.ctx, req.body)),
  );
  r.get(
    "/workflows/templates",
    { schema: { tags, summary: "Ready-made workflows to start from", response: { 200: WorkflowTemplateList, ...problems } } },
    async () => ({
      data: workflowTemplates,
    }),
  );
  r.post(
    "/workflows/validate",
    {
      schema: {
        tags,
        summary: "Check a definition without saving it; every problem with the step it is on",
        body: ValidateBody,
        response: { 200: WorkflowValidation, ...problems },
      },
    },
    async (req) => validateWorkflowDefinition(req.ctx, req.body.definition),
  );
  r.get(
    "/workflows/runs",
    {
      schema: {
        tags,
        summary: "Runs, newest first; pass object and recordId for a record's runs",
        querystring: RunListQuery,
        response: { 200: RunList, ...problems },
      },
    },
    async (req) => listRuns(req.ctx, req.query),
  );
  r.post(
    "/workflows/runs/retry",
    { schema: { tags, summary: "Retry failed runs from their failing step", body: BulkRetryBody, response: { 200: BulkRetryResult, ...problems } } },
    async (req) => bulkRetry(req.ctx, req.body, await deps.engine()),
  );
  r.get(
    "/workflows/runs/:runId",
    {
      schema: {
        tags,
        summary: "A run with each step's input, output, error and duration",
        params: RunParams,
        response: { 200: WorkflowRunDetail, ...problems },
      },
    },
    async (req) => getRun(req.ctx, req.params.runId),
  );
  r.post(
    "/workflows/runs/:runId/retry",
    { schema: { tags, summary: "Retry a failed run from the step that failed", params: RunParams, response: { 200: WorkflowRunDetail, ...problems } } },
    async (req) => retryRun(req.ctx, req.params.runId, await deps.engine()),
  );
  r.post(
    "/workflows/runs/:runId/cancel",
    { schema: { tags, summary: "Cancel a running, waiting or failed run", params: RunParams, response: { 200: WorkflowRunDetail, ...problems } } },
    async (req) => cancelRun(req.ctx, req.params.runId),
  );
  r.get(
    "/workflows/:id",
    { schema: { tags, summary: "A workflow with its draft and live definitions", params: IdParams, response: { 200: WorkflowDetail, ...problems } } },
    async (req) => getWorkflow(req.ctx, req.params.id),
  );
  r.patch(
    "/workflows/:id",
    {
      schema: {
        tags,
        summary: "Rename a workflow or move it to a team",
        params: IdParams,
        body: UpdateWorkflowBody,
        response: { 200: WorkflowDetail, ...problems },
      },
    },
    async (req) => updateWorkflow(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/workflows/:id",
    { schema: { tags, summary: "Delete a workflow and its runs", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteWorkflow(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.put(
    "/workflows/:id/draft",
    {
      schema: {
        tags,
        summary: "Save the draft (a live workflow keeps running its published version until the draft is published)",
        params: IdParams,
        body: SaveDraftBody,
        response: { 200: WorkflowDetail, ...problems },
      },
    },
    async (req) => saveDraft(req.ctx, req.params.id, req.body.definition),
  );
  r.post(
    "/workflows/:id/publish",
    { schema: { tags, summary: "Publish the draft as the new live version", params: IdParams, response: { 200: WorkflowDetail, ...problems } } },
    async (req) => publishWorkflow(req.ctx, req.params.id, await deps.engine()),
  );
  r.post(
    "/workflows/:id/pause",
    { schema: { tags, summary: "Stop starting runs; waiting runs keep waiting", params: IdParams, response: { 200: WorkflowDetail, ...problems } } },
    async (req) => pauseWorkflow(req.ctx, req.params.id),
  );
  r.post(
    "/workflows/:id/resume",
    { schema: { tags, summary: "Start runs again; waits that fell due go on", params: IdParams, response: { 200: WorkflowDetail, ...problems } } },
    async (req) => resumeWorkflow(req.ctx, req.params.id, await deps.engine()),
  );
  r.get(
    "/workflows/:id/versions",
    { schema: { tags, summary: "Versions, newest first", params: IdParams, response: { 200: WorkflowVersionList, ...problems } } },
    async (req) => listVersions(req.ctx, req.params.id),
  );
  r.get(
    "/workflows/:id/versions/:version",
    { schema: { tags, summary: "One version with its definition", params: VersionParams, response: { 200: WorkflowVersion, ...problems } } },
    async (req) => getVersion(req.ctx, req.params.id, req.params.version),
  );
  r.get(
    "/workflows/:id/runs",
    { schema: { tags, summary: "This workflow's runs", params: IdParams, querystring: RunListQuery, response: { 200: RunList, ...problems } } },
    async (req) => listRuns(req.ctx, { ...req.query, workflowId: req.params.id }),
  );
  r.post(
    "/workflows/:id/test",
    {
      schema: {
        tags,
        summary: "Test on a record: what each step would do, without doing it",
        params: IdParams,
        body: TestRunBody,
        response: { 200: TestRunResult, ...problems },
      },
    },
    async (req) => testWorkflow(req.ctx, req.params.id, req.body, await deps.engine()),
  );
  r.post(
    "/workflows/:id/run",
    { schema: { tags, summary: "Run a manual workflow on records", params: IdParams, body: ManualRunBody, response: { 200: ManualRunResult, ...problems } } },
    async (req) => manualRun(req.ctx, req.params.id, req.body.recordIds, await deps.engine()),
  );
}
