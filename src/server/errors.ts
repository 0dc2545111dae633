import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { AppError, type ErrorCode, errorStatus, type FieldError } from "../core/errors.js";

const PROBLEM = "application/problem+json";

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: FieldError[];
}

function problem(code: ErrorCode, title: string, detail?: string, errors?: FieldError[], extra?: Record<string, unknown>): ProblemBody {
  return {
    type: `https://rapport.dev/problems/${code.replace(/_/g, "-")}`,
    title,
    status: errorStatus[code],
    code,
    ...(detail ? { detail } : {}),
    ...(errors ? { errors } : {}),
    ...extra,
  };
}

/** PostgreSQL errors that bad input can provoke; anything else stays a 500. */
const pgInputErrors: Record<string, [ErrorCode, string]> = {
  "23505": ["conflict", "A record with this value already exists."],
  "22P02": ["validation_failed", "A value has the wrong format."],
  "22007": ["validation_failed", "A date or time has the wrong format."],
  "22008": ["validation_failed", "A date or time is out of range."],
  "22003": ["validation_failed", "A number is out of range."],
  "22001": ["validation_failed", "A value is too long."],
  "2201B": ["validation_failed", "A pattern is not valid."],
  "22021": ["validation_failed", "Text contains a character that cannot be stored (such as NUL)."],
  "22P05": ["validation_failed", "Text contains a character that cannot be stored (such as NUL)."],
};

function pgCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 3; depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const words = (table: string) => table.replace(/_/g, " ");

/**
 * A foreign key refused the write. The keys are composite (workspace_id, id), so this is also what another
 * workspace's id in a body meets: it names the field (from the key's column) and never says whether the id exists
 * elsewhere. Deleting a record still referenced (a product on line items) is a conflict.
 */
function referenceProblem(err: unknown): ProblemBody {
  let e = err as { detail?: unknown; cause?: unknown } | undefined;
  let detail = "";
  for (let depth = 0; e && depth < 3 && !detail; depth++) {
    if (typeof e.detail === "string") detail = e.detail;
    e = e.cause as typeof e;
  }
  const referenced = /is still referenced from table "(\w+)"/.exec(detail);
  if (referenced) return problem("conflict", "Conflict", `This record is still used by ${words(referenced[1] as string)}.`);
  const column = /^Key \(workspace_id, (\w+)\)=/.exec(detail)?.[1];
  const table = /is not present in table "(\w+)"/.exec(detail)?.[1];
  const path = column ? camel(column) : "body";
  const message = table
    ? `No such ${words(table).replace(/ies$/, "y").replace(/s$/, "")} in this workspace`
    : "Refers to a record that does not exist in this workspace";
  return problem("invalid_reference", "Unknown reference", `${path}: ${message}`, [{ path, message }]);
}

/** Every error leaves as RFC 9457 problem+json; stack traces stay in the log. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const send = (body: ReturnType<typeof problem>) => reply.status(body.status).type(PROBLEM).send(body);
    if (err instanceof AppError) return send(problem(err.code, err.title, err.detail, err.errors, err.extra));
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? "body";
      const errors = err.validation.map((v) => {
        const segments = v.instancePath.split("/").filter(Boolean);
        const base = [where === "body" ? "" : where, ...segments].filter(Boolean).join(".");
        const keys = v.keyword === "unrecognized_keys" ? (v.params as { keys?: string[] }).keys : undefined;
        if (keys?.length) return { path: [base, keys[0]].filter(Boolean).join("."), message: `Unknown field "${keys.join('", "')}"` };
        return { path: base || where, message: v.message ?? "Invalid value" };
      });
      return send(problem("validation_failed", "Invalid input", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors));
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause.issues }, "response did not match its schema");
      return send(problem("internal", "Internal error"));
    }
    const code = pgCode(err);
    if (code === "23503") return send(referenceProblem(err));
    if (code && pgInputErrors[code]) {
      const [c, detail] = pgInputErrors[code];
      return send(problem(c, c === "conflict" ? "Conflict" : "Invalid input", detail));
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return send(problem("rate_limited", "Too many requests", "Slow down and try again in a minute."));
    if (err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || err instanceof SyntaxError) {
      return send(problem("invalid_json", "Malformed JSON", "The request body is not valid JSON."));
    }
    if (status === 413) return send(problem("payload_too_large", "Request too large", err.message));
    if (status === 415) return send(problem("unsupported_media_type", "Unsupported content type", "Send JSON with Content-Type: application/json."));
    if (status >= 400 && status < 500) return send({ ...problem("bad_request", "Bad request", err.message), status });
    request.log.error({ err }, "unhandled error");
    return send(problem("internal", "Internal error", "Something went wrong on our side; it has been logged."));
  });
}

/**
 * Errors Fastify answers itself, before any hook or route: a URL that does not decode, a path parameter over the
 * router's length limit. Passed to Fastify's constructor, so they leave as problem+json like every other error.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions["frameworkErrors"]> = (err, _request, frameworkReply) => {
  // The option's reply type is generic over route schemas that do not exist yet; this one is a plain reply.
  const reply = frameworkReply as unknown as FastifyReply;
  const send = (body: ProblemBody) => reply.status(body.status).type(PROBLEM).send(body);
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") return send(problem("uri_too_long", "URI too long", "A value in the address is too long."));
  if (err.code === "FST_ERR_BAD_URL") return send(problem("bad_request", "Bad request", "The URL is not valid: it holds a malformed %-escape."));
  return send(problem("bad_request", "Bad request", err.message));
};

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a garbled request, a client that
 * never finished sending): answered on the socket as problem+json, then closed, as Node does by default.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [code, status, title, detail]: [string, number, string, string] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? ["headers_too_large", 431, "Request headers too large", "The request's headers (cookies included) are too large."]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["request_timeout", 408, "Request timeout", "The request was not received in time."]
        : ["bad_request", 400, "Bad request", "The request is not valid HTTP."];
  const body = JSON.stringify({ type: `https://rapport.dev/problems/${code.replace(/_/g, "-")}`, title, status, code, detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${PROBLEM}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Paths (a.b.0) of strings in a JSON value that hold a lone UTF-16 surrogate. */
function illFormedPaths(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (out.length >= 20) return out;
  if (typeof value === "string") {
    if (!wellFormed(value)) out.push(path.join("."));
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      illFormedPaths(v, [...path, String(i)], out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!wellFormed(k)) out.push([...path, k.replace(new RegExp(LONE_SURROGATE, "g"), "\uFFFD")].join("."));
      illFormedPaths(v, [...path, k], out);
    }
  }
  return out;
}

/**
 * One rule for text everywhere: a lone UTF-16 surrogate (JSON's "\\uD800" without its pair) is refused, naming the
 * field. PostgreSQL cannot store it; left alone, some paths failed and others silently stored U+FFFD instead.
 */
export function registerTextCheck(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    const paths = illFormedPaths(request.body);
    if (paths.length === 0) return;
    const errors = paths.map((path) => ({ path: path || "body", message: "Contains an unpaired UTF-16 surrogate, which is not text" }));
    throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  });
}

/** The 404 for paths no route serves. */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(404)
    .type(PROBLEM)
    .send(problem("not_found", "Not found", `No route for ${request.method} ${request.url.split("?")[0]}`));
}
