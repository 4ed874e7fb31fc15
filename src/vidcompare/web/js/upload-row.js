/* One file's row in the uploads list: its name, a bar, its state (data-state: waiting,
 * uploading, resuming, finalizing, done, failed) and the numbers (bytes sent of the size,
 * percent, MB/s). The upload flow (uploads.js) says what happens; this only shows it. */
import { $, h } from "./dom.js";
import { fmtBytes, fmtSeconds } from "./format.js";

// The speed shown is over the last few seconds: steady, yet quick to show a stall.
const RATE_WINDOW_MS = 3000;

function fmtRate(bytesPerSecond) {
  return `${(bytesPerSecond / 1024 ** 2).toFixed(1)} MB/s`;
}

/** Remove a finished row; the keyboard's focus goes to the next row's × (or the file input),
 * not back to the top of the page. */
function dismissRow(item) {
  const rows = [...$("uploads").children];
  const after = rows.slice(rows.indexOf(item) + 1).concat(rows.slice(0, rows.indexOf(item)).reverse());
  item.remove();
  const next = after.map((row) => row.querySelector(".upload-dismiss")).find((button) => button && !button.hidden);
  (next || $("file-input")).focus();
}

/** A new row at the end of the uploads list, and how it shows each stage of `file`. */
export function uploadRow(file) {
  const size = fmtBytes(file.size);
  const fill = h("span");
  const label = h("span", { class: "upload-state" }, "waiting");
  const detail = h("div", { class: "upload-detail" }, `${size} · waiting for a free slot`);
  const bar = h(
    "div",
    { class: "bar", role: "progressbar", "aria-label": file.name, "aria-valuemin": 0, "aria-valuemax": 100 },
    fill,
  );
  const dismiss = h("button", {
    type: "button",
    class: "upload-dismiss",
    title: "Dismiss",
    "aria-label": `Dismiss ${file.name}`,
    hidden: true,
    onclick: () => dismissRow(item),
  });
  dismiss.textContent = "×";
  const item = h(
    "li",
    { class: "upload", dataset: { state: "waiting" } },
    h("div", { class: "upload-top" }, h("span", { class: "upload-name", title: file.name }, file.name), label, dismiss),
    bar,
    detail,
  );
  $("uploads").append(item);

  let samples = []; // [time ms, bytes sent], the last RATE_WINDOW_MS of them
  let began = 0;

  function show(state, text, more) {
    item.dataset.state = state;
    label.textContent = text;
    detail.textContent = more;
  }

  function fillTo(sent) {
    const pct = file.size ? Math.floor((sent / file.size) * 100) : 100;
    fill.style.width = `${pct}%`;
    bar.setAttribute("aria-valuenow", String(pct));
    return pct;
  }

  function finished(state, text, more) {
    show(state, text, more);
    item.classList.add(state);
    dismiss.hidden = false;
  }

  return {
    item,
    /** `sent` bytes of the file are out (they may go back after a lost chunk). */
    progress(sent) {
      const now = performance.now();
      if (!began) began = now;
      if (samples.length && sent < samples[samples.length - 1][1]) samples = [];
      samples.push([now, sent]);
      while (samples.length > 2 && now - samples[0][0] > RATE_WINDOW_MS) samples.shift();
      const [then, before] = samples[0];
      const rate = now > then ? ((sent - before) * 1000) / (now - then) : 0;
      const pct = fillTo(sent);
      const speed = samples.length > 1 ? ` · ${fmtRate(rate)}` : "";
      show("uploading", `uploading ${pct}%`, `${fmtBytes(sent)} of ${size} · ${pct}%${speed}`);
    },
    /** The connection dropped (or the service failed): trying again in `seconds`. */
    retrying(seconds, why) {
      samples = [];
      show("resuming", "resuming", `${why}; trying again in ${seconds} s…`);
    },
    /** The session answered again: it holds `held` bytes, the upload goes on from there. */
    resumed(held) {
      samples = [];
      const pct = fillTo(held);
      show("resuming", "resuming", `resuming from ${fmtBytes(held)} of ${size} (${pct}%)`);
    },
    /** The session is gone: a new one, from the first byte. */
    restarting(why) {
      samples = [];
      fillTo(0);
      show("resuming", "starting over", `${why} Starting over…`);
    },
    finalizing() {
      fillTo(file.size);
      show("finalizing", "checking the video…", `${size} sent · checking the video…`);
    },
    /** Uploaded as `video`; `existing`: these bytes were already that video. */
    done(video, existing) {
      fillTo(file.size);
      if (existing) {
        finished("done", "already uploaded", `already uploaded as ${video.video_id}`);
      } else {
        const seconds = began ? (performance.now() - began) / 1000 : 0;
        const speed = seconds > 0 ? ` in ${fmtSeconds(seconds)} (${fmtRate(file.size / seconds)})` : "";
        const length = video.duration_s != null ? ` · ${video.duration_s.toFixed(1)} s video` : "";
        finished("done", "uploaded", `video ${video.video_id} · ${size}${speed}${length}`);
      }
      item.dataset.videoId = video.video_id;
    },
    failed(message) {
      finished("failed", "failed", "");
      detail.replaceWith(h("div", { class: "upload-error" }, message));
    },
  };
}
