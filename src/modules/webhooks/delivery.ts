import http from "node:http";
import https from "node:https";
import { Webhook as Signer } from "standardwebhooks";
import { webhookTimeoutSeconds } from "../../contract/webhooks.js";
import { assertTargetAllowed, ForbiddenTargetError, guardedLookup } from "./ssrf.js";

/** How much of a reply the delivery log keeps, and how much is read at all before the connection is dropped. */
export const RESPONSE_KEEP_BYTES = 2048;
const RESPONSE_READ_BYTES = 64 * 1024;

// Kept-alive connections are pooled per agent; a connection opened with private addresses allowed must never serve a
// workspace that does not allow them, so each policy has its own pool.
const agents = {
  guarded: { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) },
  open: { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) },
};

export interface PostResult {
  status: number | null;
  body: string | null;
  /** Seconds the receiver asked us to wait (Retry-After), when it did. */
  retryAfterSeconds: number | null;
  error: string | null;
  durationMs: number;
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * POSTs a body and reads at most the start of the reply. Redirects are not followed (a 3xx is a failed attempt):
 * following one would let a public receiver bounce the request to a private address. With `allowPrivate` false,
 * private targets are refused both on the URL and on the address each new connection resolves to.
 */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { allowPrivate: boolean; timeoutMs?: number; method?: string },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string): PostResult => ({ status: null, body: null, retryAfterSeconds: null, error, durationMs: elapsed() });
  let target: URL;
  try {
    target = new URL(url);
    if (!options.allowPrivate) assertTargetAllowed(target);
  } catch (err) {
    return Promise.resolve(fail(err instanceof ForbiddenTargetError ? `Refused: ${err.message}` : "The URL is not valid"));
  }
  const secure = target.protocol === "https:";
  const pool = options.allowPrivate ? agents.open : agents.guarded;
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      target,
      {
        method: options.method ?? "POST",
        agent: secure ? pool.https : pool.http,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "Rapport-Webhooks/1", ...headers },
        lookup: options.allowPrivate ? undefined : (guardedLookup as never),
        signal: AbortSignal.timeout(options.timeoutMs ?? webhookTimeoutSeconds * 1000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () =>
          resolve({
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).subarray(0, RESPONSE_KEEP_BYTES).toString("utf8"),
            retryAfterSeconds: parseRetryAfter(res.headers["retry-after"], Date.now()),
            error: null,
            durationMs: elapsed(),
          });
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= RESPONSE_KEEP_BYTES + chunk.length) chunks.push(chunk);
          // Nobody reads a megabyte of reply: stop here, the status is what counts.
          if (size > RESPONSE_READ_BYTES) {
            res.destroy();
            finish();
          }
        });
        res.on("end", finish);
        res.on("error", () => finish());
      },
    );
    req.on("error", (err: Error & { code?: string }) => {
      if (err instanceof ForbiddenTargetError || err.code === "ERR_WEBHOOK_FORBIDDEN_TARGET") return resolve(fail(`Refused: ${err.message}`));
      if (err.name === "TimeoutError" || err.name === "AbortError")
        return resolve(fail(`No reply within ${Math.round((options.timeoutMs ?? webhookTimeoutSeconds * 1000) / 1000)} s`));
      resolve(fail(err.code ? `${err.code}: ${err.message}` : err.message));
    });
    req.end(body);
  });
}

/**
 * Standard Webhooks headers for one message. During a rotation's grace period the message carries a signature under
 * each secret (space-separated, as the specification allows), so receivers can switch secrets at their own pace.
 */
export function signatureHeaders(messageId: string, body: string, secrets: string[], at: Date): Record<string, string> {
  const signatures = secrets.map((s) => new Signer(s).sign(messageId, at, body));
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
