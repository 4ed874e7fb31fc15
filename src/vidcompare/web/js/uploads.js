/* Step 1, uploading: the drop zone and file input. Each file is a resumable upload
 * straight to Cloud Storage (any size; the API only opens the session and checks the
 * video), with its own row; up to three go at once, the rest wait their turn. An
 * uploaded video is selected at once. */
import { api, ApiError } from "./api.js";
import { $ } from "./dom.js";
import { pause, pauseSeconds, SendFailed, SessionGone, sendFile } from "./resumable.js";
import { chooseVideo, state } from "./state.js";
import { uploadRow } from "./upload-row.js";
import { refreshVideos } from "./videos.js";

const PARALLEL_UPLOADS = 3;
// A session lost (gone, expired) this many times fails the file rather than loop.
const MAX_NEW_SESSIONS = 3;
// Times a finalize is told bytes are missing before the upload gives up.
const MAX_RESUMES = 3;
// How long an API call keeps being made again while the API cannot be reached.
const API_GIVE_UP_S = 300;

const waiting = []; // [file, row] not started yet
let running = 0;

/** The API's answer about missing bytes (409 "N of SIZE bytes received"). */
function bytesMissing(error) {
  return error instanceof ApiError && error.status === 409 && /bytes received/.test(error.message);
}

/** The session cannot be finalized any more: unknown (404) or expired (409). */
function uploadGone(error) {
  return error instanceof ApiError && (error.status === 404 || error.status === 409);
}

/** The API did not answer, or failed for now: worth asking again. */
function transient(error) {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/** An API call, made again after a pause (shown in the row) while the API cannot be
 * reached or fails for now. */
async function patiently(row, call) {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!transient(error) || Date.now() - started > API_GIVE_UP_S * 1000) throw error;
      const seconds = pauseSeconds(attempt);
      row.retrying(seconds, error.status ? `the server answered ${error.status}` : "the server could not be reached");
      await pause(seconds);
    }
  }
}

/** The bytes to `session`, then finalize: the video, and whether it already existed. */
async function deliver(file, session, row) {
  await sendFile(file, session, row);
  for (let resumes = 0; ; resumes++) {
    try {
      const video = await patiently(row, () => {
        row.finalizing();
        return api("POST", `/api/uploads/${encodeURIComponent(session.upload_id)}/finalize`);
      });
      // A new video takes the upload's id; another id is the video these bytes already were.
      return { video, existing: video.video_id !== session.upload_id };
    } catch (error) {
      if (!bytesMissing(error)) throw uploadGone(error) ? new SessionGone(error.message) : error;
      if (resumes >= MAX_RESUMES) throw error;
      await sendFile(file, session, row, { resume: true });
    }
  }
}

/** The body of POST /api/uploads for `file`. The type and origin only when they are in the
 * shapes the API takes (else it uses the file name and the Origin header). */
function uploadRequest(file) {
  return {
    filename: file.name,
    size_bytes: file.size,
    content_type: /^[\w.+-]+\/[\w.+-]+$/.test(file.type) ? file.type : undefined,
    // The session answers this page's origin only.
    origin: /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(location.origin) ? location.origin : undefined,
  };
}

/** One file, from the session to the video, starting over when the session is lost. */
async function upload(file, row) {
  row.progress(0);
  for (let sessions = 1; ; sessions++) {
    const session = await patiently(row, () => api("POST", "/api/uploads", uploadRequest(file)));
    if (session.existing) return { video: session.existing, existing: true };
    try {
      return await deliver(file, session, row);
    } catch (error) {
      if (!(error instanceof SessionGone) || sessions >= MAX_NEW_SESSIONS) throw error;
      row.restarting(error.message);
    }
  }
}

async function run(file, row) {
  try {
    const { video, existing } = await upload(file, row);
    row.done(video, existing);
    chooseVideo(video.video_id, true);
    await refreshVideos();
  } catch (error) {
    const known = error instanceof ApiError || error instanceof SendFailed || error instanceof SessionGone;
    row.failed(known ? error.message : `${file.name}: ${error}`);
  }
}

/** Start what waits while there is a free slot. */
function startWaiting() {
  while (running < PARALLEL_UPLOADS && waiting.length) {
    const [file, row] = waiting.shift();
    running++;
    run(file, row).finally(() => {
      running--;
      startWaiting();
    });
  }
}

function uploadFiles(files) {
  const chosen = state.batch ? [...files] : [...files].slice(0, 1);
  for (const file of chosen) waiting.push([file, uploadRow(file)]);
  startWaiting();
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
  // Leaving the page ends the uploads (their sessions would be abandoned): ask first.
  window.addEventListener("beforeunload", (event) => {
    if (running || waiting.length) event.preventDefault();
  });
}
