/* Step 1, uploading: the drop zone and file input, one progress row per file; an uploaded
 * video is selected at once. Files go one after the other, each with its own row. */
import { uploadVideo } from "./api.js";
import { $, h } from "./dom.js";
import { fmtBytes } from "./format.js";
import { chooseVideo, state } from "./state.js";
import { refreshVideos } from "./videos.js";

/** A row in the uploads list, and how it shows each stage of its file. */
function uploadRow(file) {
  const fill = h("span");
  const status = h("span", { class: "upload-state" }, "0%");
  const item = h(
    "li",
    { class: "upload" },
    h("div", { class: "upload-top" }, h("span", { class: "upload-name", title: file.name }, file.name), status),
    h("div", { class: "bar" }, fill),
  );
  $("uploads").prepend(item);
  return {
    item,
    progress(fraction) {
      const pct = Math.round(fraction * 100);
      fill.style.width = `${pct}%`;
      status.textContent = `${pct}% of ${fmtBytes(file.size)}`;
    },
    processing() {
      fill.style.width = "100%";
      status.textContent = "checking the video…";
    },
    done(video) {
      item.classList.add("done");
      fill.style.width = "100%";
      const length = video.duration_s != null ? ` · ${video.duration_s.toFixed(1)} s` : "";
      status.textContent = `uploaded${length}`;
      setTimeout(() => item.remove(), 8000);
    },
    failed(message) {
      item.classList.add("failed");
      status.textContent = "failed";
      item.append(h("div", { class: "upload-error" }, message));
    },
  };
}

async function uploadFiles(files) {
  const chosen = state.batch ? [...files] : [...files].slice(0, 1);
  for (const file of chosen) {
    const row = uploadRow(file);
    try {
      const video = await uploadVideo(file, row);
      row.done(video);
      chooseVideo(video.video_id, true);
      await refreshVideos();
    } catch (error) {
      row.failed(error.message);
    }
  }
}

export function bindUploads() {
  const input = $("file-input");
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    if (files.length) uploadFiles(files);
  });
  const zone = $("dropzone");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) uploadFiles(event.dataTransfer.files);
  });
}
