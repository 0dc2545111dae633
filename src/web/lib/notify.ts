import { notifications } from "@mantine/notifications";
import { ApiError } from "../http/client.js";

export function notifyError(err: unknown, title = "Something went wrong") {
  const message = err instanceof ApiError ? err.problem.detail || err.problem.title : err instanceof Error ? err.message : "Unexpected error";
  const heading = err instanceof ApiError && err.problem.detail && err.problem.title ? err.problem.title : title;
  notifications.show({ color: "red", title: heading, message, autoClose: 7000, withBorder: true });
}

export function notifySuccess(message: string, title?: string) {
  notifications.show({ color: "teal", title, message, autoClose: 3500, withBorder: true });
}
