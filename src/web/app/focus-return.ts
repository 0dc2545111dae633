/**
 * A safety net for focus when a dialog closes. Mantine hands focus back to the element that had it when the dialog
 * opened; when that element is gone (a menu item, whose menu closed as it opened the dialog), focus would fall to the
 * page body and a keyboard user would start again from the top. This remembers the last control focused outside any
 * overlay and returns focus there instead.
 */
const OVERLAY = '[role="dialog"], [role="menu"], [role="listbox"], [data-portal]';
let lastOutside: HTMLElement | null = null;

function onFocusIn(e: FocusEvent) {
  const t = e.target;
  if (t instanceof HTMLElement && t !== document.body && !t.closest(OVERLAY)) lastOutside = t;
}

function onFocusOut(e: FocusEvent) {
  const t = e.target;
  if (e.relatedTarget || !(t instanceof HTMLElement) || t !== lastOutside) return;
  // Focus left for nowhere while the element stays: the person clicked an empty spot on purpose; forget it.
  setTimeout(() => {
    if (t.isConnected && lastOutside === t && (document.activeElement === document.body || !document.activeElement)) lastOutside = null;
  }, 0);
}

/** Starts remembering focus; returns the function that stops it. */
export function trackFocus(): () => void {
  document.addEventListener("focusin", onFocusIn);
  document.addEventListener("focusout", onFocusOut);
  return () => {
    document.removeEventListener("focusin", onFocusIn);
    document.removeEventListener("focusout", onFocusOut);
  };
}

/** Called when a dialog has finished closing: focus that fell to the body goes back to the last control outside it. */
export function restoreLostFocus(): void {
  // Mantine calls this as the exit transition ends, before the dialog leaves the document: look once it has.
  setTimeout(() => {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    if (lastOutside?.isConnected) lastOutside.focus({ preventScroll: true });
  }, 0);
}
