import { useCallback, useState } from "react";
import { ApiError } from "../http/client.js";
import { notifyError } from "./notify.js";

type Issue = { path: PropertyKey[]; message: string };
type SafeParse<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };

/** zod issues → { "emails.0.email": "Enter a valid email address" } (first message per path). */
export function issuesToErrors(issues: Issue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map((p) => String(p)).join(".");
    if (!(key in out)) out[key] = i.message;
  }
  return out;
}

/**
 * Form error state shared by every form: validate with the contract's request schema before
 * sending, then merge the server's problem `errors` (same dot-joined paths) after.
 */
export function useFormErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});

  const validate = useCallback(<T>(result: SafeParse<T>): T | null => {
    if (result.success) {
      setErrors({});
      return result.data;
    }
    setErrors(issuesToErrors(result.error.issues));
    return null;
  }, []);

  /** Shows field errors next to fields and the problem's detail in a notification. */
  const fromServer = useCallback((err: unknown, title?: string) => {
    if (err instanceof ApiError) {
      const fe = err.fieldErrors;
      if (Object.keys(fe).length) setErrors(fe);
    }
    notifyError(err, title);
  }, []);

  const clear = useCallback((key?: string) => {
    setErrors((prev) => {
      if (key === undefined) return Object.keys(prev).length ? {} : prev;
      if (!(key in prev)) return prev;
      const next = { ...prev };
      delete next[key];
      return next;
    });
  }, []);

  /** Error for a path, or for any nested path under it ("address" picks up "address.country"). */
  const get = useCallback(
    (key: string): string | undefined => {
      return errors[key];
    },
    [errors],
  );

  return { errors, setErrors, validate, fromServer, clear, get };
}
