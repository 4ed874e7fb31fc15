/* Video thumbnails in the list: GET /api/videos/{id}/thumbnail with the page's API key (an
 * <img src> cannot send it), kept as blob URLs for the page's life. Fetched only for rows
 * that scroll into view; until then, while loading and on failure the box shows a neutral
 * placeholder (the CSS's, from data-state). */
import { API, storedKey } from "./api.js";
import { h } from "./dom.js";

const loaded = new Map(); // video id -> Promise of a blob URL, or of null when it failed

function fetchThumbnail(videoId) {
  if (!loaded.has(videoId)) {
    const key = storedKey();
    const request = fetch(`${API}/api/videos/${encodeURIComponent(videoId)}/thumbnail`, {
      headers: key ? { "X-API-Key": key } : {},
    })
      .then((answer) => (answer.ok ? answer.blob() : null))
      .then((blob) => (blob && blob.type.startsWith("image/") ? URL.createObjectURL(blob) : null))
      .catch(() => null);
    loaded.set(videoId, request);
  }
  return loaded.get(videoId);
}

async function show(box) {
  const url = await fetchThumbnail(box.dataset.videoId);
  if (!box.isConnected) return;
  if (!url) {
    box.dataset.state = "failed";
    return;
  }
  const img = box.querySelector("img");
  img.addEventListener("load", () => (box.dataset.state = "loaded"), { once: true });
  img.addEventListener("error", () => (box.dataset.state = "failed"), { once: true });
  img.src = url;
}

// Rows a little below the fold start loading before they are seen.
const watcher =
  "IntersectionObserver" in window
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            watcher.unobserve(entry.target);
            show(entry.target);
          }
        },
        { rootMargin: "120px 0px" },
      )
    : null;

/** The thumbnail box of `video`, filled in once it is (nearly) in view. */
export function thumbnailBox(video) {
  const box = h(
    "span",
    { class: "thumb", dataset: { videoId: video.video_id, state: "loading" }, "aria-hidden": "true" },
    h("img", { alt: "", decoding: "async" }),
  );
  if (watcher) watcher.observe(box);
  else show(box);
  return box;
}

/** Forget a deleted video's thumbnail (its blob URL is released). */
export async function forgetThumbnail(videoId) {
  const request = loaded.get(videoId);
  loaded.delete(videoId);
  const url = request && (await request);
  if (url) URL.revokeObjectURL(url);
}
