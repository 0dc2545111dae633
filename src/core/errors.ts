/** Stable error codes; clients branch on these, never on messages. One map gives each its HTTP status. */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  totp_required: 401,
  signup_closed: 403,
  totp_enrolment_required: 403,
  forbidden: 403,
  csrf_rejected: 403,
  sso_required: 403,
  not_found: 404,
  conflict: 409,
  link_expired: 410,
  workspace_required: 409,
  invalid_reference: 422,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof errorStatus;

const titles: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  validation_failed: "Invalid input",
  invalid_json: "Malformed JSON",
  unauthenticated: "Sign-in required",
  invalid_credentials: "Wrong email or password",
  totp_required: "Authenticator code required",
  signup_closed: "Sign-up is closed",
  totp_enrolment_required: "Set up two-step sign-in",
  forbidden: "Not allowed",
  csrf_rejected: "Cross-site request refused",
  sso_required: "Sign in with SSO",
  not_found: "Not found",
  conflict: "Conflict",
  link_expired: "Link expired or already used",
  workspace_required: "Choose a workspace",
  invalid_reference: "Unknown reference",
  payload_too_large: "Request too large",
  uri_too_long: "URI too long",
  unsupported_media_type: "Unsupported content type",
  rate_limited: "Too many requests",
  headers_too_large: "Request headers too large",
  internal: "Internal error",
  unavailable: "Temporarily unavailable",
};

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? titles[code]);
    this.status = errorStatus[code];
    this.title = titles[code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const invalidField = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, [{ path, message }]);
