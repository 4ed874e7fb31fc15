/* Step 1, the list of videos: the server's videos, ticked (batch) or one picked (single),
 * each with its thumbnail, and a rename and a delete button. */
import { api } from "./api.js";
import { showError } from "./banner.js";
import { $, h, s } from "./dom.js";
import { fmtBytes, plural } from "./format.js";
import { updateRun } from "./run.js";
import { chooseAllVideos, chooseNoVideos, chooseVideo, chosenVideos, setVideos, state } from "./state.js";
import { forgetThumbnail, thumbnailBox } from "./thumbnails.js";
import { confirmDelete, renameField } from "./video-manage.js";

let videosSeq = 0;
// The video whose name is being edited, and what is typed so far (kept across renders).
let editing = null;

export async function refreshVideos() {
  // Only the newest answer counts: an older list may miss a video uploaded since.
  // (Selected ids missing from the list are simply not used; see chosenVideos.)
  const seq = ++videosSeq;
  try {
    const answer = await api("GET", "/api/videos");
    if (seq !== videosSeq) return;
    setVideos(answer.videos);
  } catch (error) {
    if (seq !== videosSeq) return;
    showError(error.message);
  }
  renderVideos();
  updateRun();
}

export function renderVideos() {
  $("video-actions").hidden = !state.batch || !state.videos.length;
  const list = $("video-list");
  list.replaceChildren();
  const count = state.videos.length;
  $("video-count").textContent = count
    ? `${plural(count, "video")} · ${chosenVideos().length} selected`
    : "No videos yet — upload one above.";
  for (const video of state.videos) {
    const checked = state.selected.has(video.video_id);
    const facts = [
      video.duration_s != null ? `${video.duration_s.toFixed(1)} s` : null,
      video.width && video.height ? `${video.width}×${video.height}` : null,
      fmtBytes(video.size_bytes),
    ].filter(Boolean);
    const input = h("input", {
      type: state.batch ? "checkbox" : "radio",
      name: "video",
      value: video.video_id,
      checked,
      onchange: (event) => {
        chooseVideo(video.video_id, event.target.checked);
        renderVideos();
        updateRun();
      },
    });
    const renaming = editing && editing.id === video.video_id;
    const title = renaming
      ? renameField(video, editing.draft, (saved) => finishRename(video, saved))
      : h("span", { class: "pick-title", title: video.filename }, video.filename);
    list.append(
      h(
        "li",
        { class: "video-row", dataset: { videoId: video.video_id } },
        h(
          "label",
          { class: `pick${checked ? " checked" : ""}`, dataset: { videoId: video.video_id } },
          input,
          thumbnailBox(video),
          h(
            "span",
            { class: "pick-main" },
            title,
            h("span", { class: "pick-sub" }, `${facts.join(" · ")} · ${video.video_id}`),
          ),
        ),
        h(
          "span",
          { class: "video-tools" },
          toolButton("rename", `Rename ${video.filename}`, PENCIL, () => startRename(video)),
          toolButton("delete", `Delete ${video.filename}`, BIN, () => askDelete(video)),
        ),
      ),
    );
    if (renaming) {
      title.field.addEventListener("input", () => (editing.draft = title.field.value));
      title.field.focus();
    }
  }
}

// 16×16 outline icons: a pencil and a bin.
const PENCIL = "M11.5 2.5l2 2L6 12H4v-2l7.5-7.5zM10 4l2 2";
const BIN = "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5M7 7v4M9 7v4";

function toolButton(kind, label, path, onclick) {
  const icon = s("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true" });
  icon.append(s("path", { d: path }));
  return h("button", { type: "button", class: `video-tool ${kind}`, "aria-label": label, title: label, onclick }, icon);
}

function focusTool(videoId, kind) {
  const row = [...$("video-list").children].find((li) => li.dataset.videoId === videoId);
  const button = row && row.querySelector(`.video-tool.${kind}`);
  if (button) button.focus();
}

function startRename(video) {
  editing = { id: video.video_id, draft: video.filename };
  renderVideos();
}

async function finishRename(video, saved) {
  if (!editing || editing.id !== video.video_id) return;
  editing = null;
  if (saved) {
    await refreshVideos();
  } else {
    renderVideos();
  }
  focusTool(video.video_id, "rename");
}

function askDelete(video) {
  confirmDelete(video, async () => {
    chooseVideo(video.video_id, false);
    forgetThumbnail(video.video_id);
    // Its upload rows would point at a video that is gone.
    for (const row of document.querySelectorAll("#uploads .upload")) {
      if (row.dataset.videoId === video.video_id) row.remove();
    }
    await refreshVideos();
    // Focus goes where the list is said (its row is gone): "N videos · k selected".
    $("video-count").setAttribute("tabindex", "-1");
    $("video-count").focus();
  });
}

export function bindVideos() {
  $("videos-all").addEventListener("click", () => {
    chooseAllVideos();
    renderVideos();
    updateRun();
  });
  $("videos-none").addEventListener("click", () => {
    chooseNoVideos();
    renderVideos();
    updateRun();
  });
}
