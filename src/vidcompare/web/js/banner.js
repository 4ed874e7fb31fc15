/* The error banner at the top of the page: the one place a failure that belongs to no
 * particular part of the page (a refused batch, a lost job, a failed poll) is said. */
import { $ } from "./dom.js";

export function showError(message) {
  $("error-text").textContent = message;
  $("error-banner").hidden = false;
}

export function clearError() {
  $("error-banner").hidden = true;
  $("error-text").textContent = "";
}
