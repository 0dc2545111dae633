import { notifications } from "@mantine/notifications";
import type { ReactNode } from "react";
import { ApiError } from "../http/client.js";

export function notifyError(err: unknown, title = "Something went wrong") {
  const message = err instanceof ApiError ? err.problem.detail || err.problem.title : err instanceof Error ? err.message : "Unexpected error";
  const heading = err instanceof ApiError && err.problem.detail && err.problem.title ? err.problem.title : title;
  notifications.show({ color: "red", title: heading, message, autoClose: 7000, withBorder: true });
}

/** A success toast; one carrying a link (to what was just created) stays long enough to click it. */
export function notifySuccess(message: ReactNode, title?: string, options: { autoClose?: number } = {}) {
  notifications.show({ color: "teal", title, message, autoClose: options.autoClose ?? 3500, withBorder: true });
}
