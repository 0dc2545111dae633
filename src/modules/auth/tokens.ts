import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const randomToken = (bytes = 32) => randomBytes(bytes).toString("base64url");
export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Session cookies and API keys carry their workspace, so lookups stay keyed by workspace_id. */
export function splitScopedToken(raw: string): { workspaceId: string; secret: string } | null {
  const dot = raw.indexOf(".");
  if (dot < 0) return null;
  const workspaceId = raw.slice(0, dot);
  const secret = raw.slice(dot + 1);
  return isUuid(workspaceId) && secret.length >= 20 && secret.length <= 100 ? { workspaceId, secret } : null;
}
