/* The API key dialog: asked for when the server answers 401 (with its reason), or from the
 * "API key" button. The key stays in this browser (api.js keeps it); saving one reloads
 * whatever the server refused. */
import { storedKey, storeKey } from "./api.js";
import { clearError } from "./banner.js";
import { $ } from "./dom.js";

/** Open the dialog; `reason` is the server's message ("" when the user asked). */
export function askForKey(reason) {
  const dialog = $("key-dialog");
  $("key-server").hidden = !reason;
  $("key-server").textContent = reason ? `The server says: ${reason}` : "";
  $("key-input").value = storedKey();
  if (!dialog.open) dialog.showModal();
  $("key-input").focus();
}

/** The button says whether a key is stored. */
export function renderKeyButton() {
  const has = Boolean(storedKey());
  $("api-key-button").classList.toggle("has-key", has);
  $("api-key-button").title = has ? "An API key is stored in this browser" : "No API key stored";
}

/** onSaved: called after a key is saved, to load again what the server refused. */
export function bindKeyDialog(onSaved) {
  $("api-key-button").addEventListener("click", () => askForKey(""));
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    storeKey($("key-input").value.trim());
    $("key-dialog").close();
    renderKeyButton();
    clearError();
    onSaved();
  });
  $("key-cancel").addEventListener("click", () => $("key-dialog").close());
  $("key-forget").addEventListener("click", () => {
    storeKey("");
    $("key-input").value = "";
    $("key-dialog").close();
    renderKeyButton();
  });
}
