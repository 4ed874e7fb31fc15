/* A file's bytes sent straight to the Cloud Storage resumable session the API opened
 * (POST /api/uploads): chunks of the session's size with Content-Range; after a dropped
 * connection or a 5xx, a pause (1, 2, 4 … 30 s) and the session is asked how much it holds
 * (empty PUT, "Content-Range: bytes *\/SIZE" → 308 + Range), and the upload goes on from
 * there. The session URL is the only credential the bytes need: the API key never goes
 * to it. XMLHttpRequest, not fetch: fetch cannot report upload progress within a chunk. */

/** The session is gone (404/410): only a new upload can carry the file now. */
export class SessionGone extends Error {}

/** The session refused the bytes, or could not be reached for too long. */
export class SendFailed extends Error {}

const MAX_PAUSE_S = 30;
const STALL_S = 60;
// Without a single answer from the session for this long the upload gives up.
const GIVE_UP_AFTER_S = 300;
const RETRIED_STATUSES = new Set([0, 408, 429, 500, 502, 503, 504]); // 0: no answer at all

/** How long to wait before try number `attempt` (0, 1, 2 …): 1, 2, 4 … up to 30 s. */
export function pauseSeconds(attempt) {
  return Math.min(MAX_PAUSE_S, 2 ** attempt);
}

/** Wait `seconds`, or less: the browser saying it is back online ends the wait early. */
export function pause(seconds) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    window.addEventListener("online", done);
  });
}

/** One PUT to the session: {status, range, text}; status 0 when the network failed or
 * the request stalled. `onSent(bytes)` hears how much of the body has gone so far. */
function put(url, body, contentRange, onSent) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    // A connection can hang without failing: no sign of life for this long counts as a drop.
    let stall = 0;
    const alive = () => {
      clearTimeout(stall);
      stall = setTimeout(() => xhr.abort(), STALL_S * 1000);
    };
    const settle = (answer) => {
      clearTimeout(stall);
      resolve(answer);
    };
    // Only the headers the session exposes are listed (getResponseHeader would log an
    // error for one it does not): without Range, a 308 means nothing is held yet.
    const range = () => (/^range:[ \t]*(.*?)\s*$/im.exec(xhr.getAllResponseHeaders()) || [])[1] || null;
    const dropped = () => settle({ status: 0, range: null, text: "" });
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Range", contentRange);
    xhr.upload.addEventListener("progress", (event) => {
      alive();
      if (onSent) onSent(event.loaded);
    });
    xhr.addEventListener("readystatechange", alive);
    xhr.addEventListener("load", () => settle({ status: xhr.status, range: range(), text: xhr.responseText }));
    xhr.addEventListener("error", dropped);
    xhr.addEventListener("abort", dropped);
    xhr.send(body);
    alive();
  });
}

/** What an answer says the session holds: a byte count while incomplete (308, with
 * "Range: bytes=0-LAST", none at all without it), or null once the object is complete. */
function heldBytes(answer) {
  if (answer.status === 200 || answer.status === 201) return null;
  if (answer.status !== 308) throw new SendFailed(`Unexpected answer from the upload session: ${answer.status}.`);
  const found = /^bytes=0-(\d+)$/.exec(answer.range || "");
  return found ? Number(found[1]) + 1 : 0;
}

/**
 * Sends `file` to `session` (an UploadSession) until the object is complete. `hooks` (an
 * upload row) hear progress(sent) with the bytes sent so far (back again when a chunk was
 * lost), retrying(seconds, why) at each pause, and resumed(held) with where the session
 * stood once it answered again. With `resume`, the session is asked first.
 */
export async function sendFile(file, session, hooks, { resume = false } = {}) {
  const url = session.upload_url;
  const size = session.size_bytes;
  const status = () => put(url, null, `bytes */${size}`);

  /** One request, and after a failure the status query until the session answers. */
  async function ask(request) {
    let answer = await request();
    const started = Date.now();
    for (let attempt = 0; RETRIED_STATUSES.has(answer.status); attempt++) {
      if (Date.now() - started > GIVE_UP_AFTER_S * 1000) {
        throw new SendFailed(`The upload stalled: no answer from the storage service for ${GIVE_UP_AFTER_S} s.`);
      }
      const why = answer.status ? `the storage service answered ${answer.status}` : "the connection dropped";
      const seconds = pauseSeconds(attempt);
      hooks.retrying(seconds, why);
      await pause(seconds);
      answer = await status();
      if (answer.status === 308 || answer.status === 200 || answer.status === 201) {
        hooks.resumed(heldBytes(answer) ?? size);
      }
    }
    if (answer.status === 404 || answer.status === 410) {
      throw new SessionGone(`The upload session is gone (${answer.status}).`);
    }
    if (answer.status >= 400) {
      const detail = answer.text ? `: ${answer.text.slice(0, 200)}` : ".";
      throw new SendFailed(`The storage service refused the upload (${answer.status})${detail}`);
    }
    return answer;
  }

  let held = resume ? heldBytes(await ask(status)) : 0;
  while (held !== null) {
    const start = held;
    const end = Math.min(start + session.chunk_bytes, size);
    hooks.progress(start);
    const chunk = file.slice(start, end);
    const range = `bytes ${start}-${end - 1}/${size}`;
    held = heldBytes(await ask(() => put(url, chunk, range, (sent) => hooks.progress(start + sent))));
  }
  hooks.progress(size);
}
