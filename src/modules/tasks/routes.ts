import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import { CreateTaskBody, SnoozeTaskBody, Task, TaskList, TaskListQuery, UpdateTaskBody } from "../../contract/tasks.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createTask, deleteTask, getTask, listTasks, snoozeTask, updateTask } from "./service.js";

export async function taskRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["tasks"];
  r.get(
    "/tasks",
    {
      schema: {
        tags,
        summary: "Tasks by due time (no due time last); assignee=me by default, team/all/<id> for managers",
        querystring: TaskListQuery,
        response: { 200: TaskList, ...problems },
      },
    },
    async (req) => listTasks(req.ctx, req.query),
  );
  r.post(
    "/tasks",
    {
      schema: {
        tags,
        summary: "Create a task; reminds the assignee at remindAt (default: the due time)",
        body: CreateTaskBody,
        response: { 201: Task, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createTask(req.ctx, req.body)),
  );
  r.get("/tasks/:id", { schema: { tags, params: IdParams, response: { 200: Task, ...problems } } }, async (req) => getTask(req.ctx, req.params.id));
  r.patch(
    "/tasks/:id",
    {
      schema: {
        tags,
        summary: "Edit, complete (status: done), cancel or reassign a task",
        params: IdParams,
        body: UpdateTaskBody,
        response: { 200: Task, ...problems },
      },
    },
    async (req) => updateTask(req.ctx, req.params.id, req.body),
  );
  r.post("/tasks/:id/complete", { schema: { tags, summary: "Mark a task done", params: IdParams, response: { 200: Task, ...problems } } }, async (req) =>
    updateTask(req.ctx, req.params.id, { status: "done" }),
  );
  r.post(
    "/tasks/:id/snooze",
    {
      schema: {
        tags,
        summary: "Move the due time (and reminder) later by some minutes, from now if overdue",
        params: IdParams,
        body: SnoozeTaskBody,
        response: { 200: Task, ...problems },
      },
    },
    async (req) => snoozeTask(req.ctx, req.params.id, req.body.minutes),
  );
  r.delete("/tasks/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteTask(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
}
