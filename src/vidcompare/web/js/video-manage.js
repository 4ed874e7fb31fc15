/* Renaming and deleting one video of the list: the inline name field (Enter saves, Esc
 * cancels) and the confirm dialog before DELETE. The list (videos.js) says when; this says
 * how, and tells it back through the callbacks it is given. */
import { api } from "./api.js";
import { h } from "./dom.js";

/** The name field of `video` in place of its title; `done(saved)` once it is over (saved:
 * the answer's VideoInfo, or null when cancelled). A refusal (400) stays, said under it. */
export function renameField(video, draft, done) {
  let busy = false;
  const error = h("span", { class: "rename-error", role: "alert" });
  const field = h("input", {
    type: "text",
    class: "rename-input",
    value: draft,
    "aria-label": `New name for ${video.filename}`,
    spellcheck: "false",
    maxlength: 1024,
  });
  async function save() {
    const filename = field.value.trim();
    if (filename === video.filename) return done(null);
    busy = true;
    field.disabled = true;
    try {
      done(await api("PATCH", `/api/videos/${encodeURIComponent(video.video_id)}`, { filename }));
    } catch (failure) {
      busy = false;
      field.disabled = false;
      error.textContent = failure.message;
      field.focus();
    }
  }
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (!busy) save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      done(null);
    }
  });
  // Leaving the field is not a save: only Enter saves.
  field.addEventListener("blur", () => {
    if (!busy && field.isConnected) done(null);
  });
  // A click in the field must not tick the row's checkbox (the field is in its label).
  field.addEventListener("click", (event) => event.preventDefault());
  const box = h("span", { class: "rename" }, field, error);
  box.field = field;
  return box;
}

let dialog = null;

function deleteDialog() {
  if (dialog) return dialog;
  dialog = h(
    "dialog",
    { id: "video-delete-dialog", "aria-labelledby": "video-delete-title" },
    h("h2", { id: "video-delete-title" }, "Delete this video?"),
    h("p", { class: "video-delete-what" }),
    h("p", { class: "muted" }, "Its file is deleted. Jobs that used it keep their results."),
    h("p", { class: "video-delete-error", role: "alert", hidden: true }),
    h(
      "div",
      { class: "dialog-actions" },
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "btn btn-secondary", value: "cancel" }, "Cancel"),
      h("button", { type: "button", class: "btn btn-danger", value: "delete" }, "Delete video"),
    ),
  );
  document.body.append(dialog);
  return dialog;
}

/** Ask before deleting `video`; on yes, DELETE it and call `deleted()`. A refusal (409: a
 * job uses it) is said in the dialog, which stays open. */
export function confirmDelete(video, deleted) {
  const box = deleteDialog();
  const what = box.querySelector(".video-delete-what");
  what.replaceChildren(h("strong", {}, video.filename), ` (${video.video_id})`);
  const error = box.querySelector(".video-delete-error");
  error.hidden = true;
  const [cancel, confirm] = box.querySelectorAll(".dialog-actions button");
  confirm.disabled = false;
  cancel.onclick = () => box.close();
  confirm.onclick = async () => {
    confirm.disabled = true;
    try {
      await api("DELETE", `/api/videos/${encodeURIComponent(video.video_id)}`);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      confirm.disabled = false;
      return;
    }
    box.close();
    deleted();
  };
  box.showModal();
  cancel.focus();
}
