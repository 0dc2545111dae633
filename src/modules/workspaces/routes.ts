import type { FastifyInstance } from "fastify";
import { UpdateWorkspaceBody, WorkspaceInfo } from "../../contract/workspaces.js";
import { problems, typed } from "../../server/route-kit.js";
import { getWorkspaceInfo, updateWorkspace } from "./service.js";

export async function workspaceRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["workspace"];
  r.get("/workspace", { schema: { tags, summary: "The current workspace and its defaults", response: { 200: WorkspaceInfo, ...problems } } }, async (req) =>
    getWorkspaceInfo(req.ctx),
  );
  r.patch(
    "/workspace",
    {
      schema: {
        tags,
        summary: "Rename the workspace or change its default country and currency (admin)",
        body: UpdateWorkspaceBody,
        response: { 200: WorkspaceInfo, ...problems },
      },
    },
    async (req) => updateWorkspace(req.ctx, req.body),
  );
}
