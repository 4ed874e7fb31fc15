/* The video player of the detail view. A <video src> cannot send the X-API-Key header, so the
 * page asks POST /api/videos/ID/playback for a short-lived URL whose token is the credential;
 * the API streams the bytes with range requests. seek(t) works before the video has loaded:
 * the time waits for the metadata. */
import { API, api } from "./api.js";
import { h } from "./dom.js";

// A playback URL is valid an hour; ask again a minute before it expires.
const MARGIN_MS = 60_000;
const urls = new Map(); // video id -> {url, expires}

async function playbackUrl(videoId) {
  const known = urls.get(videoId);
  if (known && known.expires - MARGIN_MS > Date.now()) return known.url;
  const answer = await api("POST", `/api/videos/${encodeURIComponent(videoId)}/playback`);
  const expires = Date.parse(answer.expires_at) || Date.now() + MARGIN_MS * 2;
  const url = /^https?:/.test(answer.url) ? answer.url : API + answer.url;
  urls.set(videoId, { url, expires });
  return url;
}

/** A player for one video: {element, seek(seconds)}; the video loads in the background. */
export function createPlayer(videoId, title) {
  const video = h("video", { controls: true, preload: "metadata", playsinline: true, class: "player-video", "aria-label": `Video: ${title}` });
  const status = h("p", { class: "player-status muted", "aria-live": "polite" }, "Loading the video…");
  const element = h("div", { class: "player", dataset: { videoId } }, video, status);
  let pending = null; // a seek asked for before the metadata arrived

  video.addEventListener("loadedmetadata", () => {
    status.hidden = true;
    if (pending !== null) jump(pending);
    pending = null;
  });
  video.addEventListener("error", () => {
    status.hidden = false;
    status.textContent = "The video could not be played in this browser.";
  });

  function jump(seconds) {
    video.currentTime = Math.min(seconds, Number.isFinite(video.duration) ? video.duration : seconds);
    video.play().catch(() => {}); // refused autoplay: the time is set, the user presses play
  }

  playbackUrl(videoId)
    .then((url) => {
      video.src = url;
    })
    .catch((error) => {
      status.textContent = `No video to play: ${error.message}`;
      video.hidden = true;
    });

  return {
    element,
    seek(seconds) {
      if (video.readyState >= HTMLMediaElement.HAVE_METADATA) jump(seconds);
      else pending = seconds;
    },
  };
}
