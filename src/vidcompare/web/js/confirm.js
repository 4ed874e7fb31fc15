/* Asked before a job is cancelled: a modal dialog (not window.confirm) whose safe answer,
 * "Keep it running", has the focus; Escape keeps it running too. */
import { $ } from "./dom.js";

/** Resolves true when the user confirms cancelling job `id` (named `name`, or ""). */
export function confirmCancel(id, name) {
  const dialog = $("cancel-dialog");
  const which = name ? `“${name}” (${id.slice(0, 12)})` : id.slice(0, 12);
  $("cancel-text").textContent =
    `Job ${which} stops: combinations not started yet will not run; those done keep their results. ` +
    "It cannot be resumed.";
  dialog.returnValue = "";
  dialog.showModal();
  $("cancel-keep").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "cancel"), { once: true });
  });
}
