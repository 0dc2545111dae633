import { ApiError, withQuery } from "../http/client.js";

/** The file name the server suggests (Content-Disposition), else a fallback. */
function fileNameOf(res: Response, fallback: string): string {
  const header = res.headers.get("content-disposition") ?? "";
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      /* a malformed escape: the plain name below */
    }
  }
  const m = /filename="([^"]+)"/.exec(header);
  return m?.[1] ?? fallback;
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return new ApiError({
    type: String(body.type ?? "about:blank"),
    title: String(body.title ?? "Export failed"),
    status: res.status,
    code: String(body.code ?? `http_${res.status}`),
    detail: typeof body.detail === "string" ? body.detail : undefined,
  });
}

/**
 * Fetches a file from the API and hands it to the browser as a download. Going through fetch (rather than
 * navigating to the URL) turns a refused export into a problem we can show instead of a JSON page.
 */
export async function downloadFile(path: string, query: Record<string, string | undefined>, fallbackName: string, init?: RequestInit): Promise<void> {
  const res = await fetch(withQuery(path, query), { credentials: "same-origin", ...init });
  if (!res.ok) throw await problemOf(res);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileNameOf(res, fallbackName);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
