/* Step 1, the list of videos: the server's videos, ticked (batch) or one picked (single). */
import { api } from "./api.js";
import { showError } from "./banner.js";
import { $, h } from "./dom.js";
import { fmtBytes, plural } from "./format.js";
import { updateRun } from "./run.js";
import { chooseAllVideos, chooseNoVideos, chooseVideo, chosenVideos, setVideos, state } from "./state.js";

let videosSeq = 0;

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
    list.append(
      h(
        "li",
        {},
        h(
          "label",
          { class: `pick${checked ? " checked" : ""}`, dataset: { videoId: video.video_id } },
          input,
          h(
            "span",
            { class: "pick-main" },
            h("span", { class: "pick-title", title: video.filename }, video.filename),
            h("span", { class: "pick-sub" }, `${facts.join(" · ")} · ${video.video_id}`),
          ),
        ),
      ),
    );
  }
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
