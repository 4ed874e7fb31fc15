/* The error banner at the top of the page: the one place a failure that belongs to no
 * particular part of the page (a refused batch, a lost job, a failed poll) is said. */
import { $ } from "./dom.js";

/** Say it; with focus, also take the reader there (after Run, it is out of view). */
export function showError(message, { focus = false } = {}) {
  const banner = $("error-banner");
  $("error-text").textContent = message;
  banner.hidden = false;
  if (focus) {
    banner.scrollIntoView({ block: "nearest" });
    banner.focus({ preventScroll: true });
  }
}

export function clearError() {
  $("error-banner").hidden = true;
  $("error-text").textContent = "";
}
