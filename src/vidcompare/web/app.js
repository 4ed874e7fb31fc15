/* vidcompare web page: plain JavaScript, no build step, no third-party code.
 *
 * Talks to the HTTP API of the same origin (or the one named in <meta name="vidcompare-api">):
 * uploads videos, estimates and starts batches, polls the job every 2 s, shows the result
 * cards, the leaderboard and its chart, and the jobs list. The current job's id is kept in
 * the address (?job=ID), so a reload or another tab finds it again.
 */
"use strict";

(() => {
  // ------------------------------------------------------------------ constants
  const metaApi = document.querySelector('meta[name="vidcompare-api"]');
  const API = ((metaApi && metaApi.content) || "").replace(/\/+$/, "");
  const POLL_MS = 2000;
  const JOBS_REFRESH_MS = 5000;
  const DEFAULT_MAX_MODELS = 4; // until GET /api/models says
  const KEY_STORE = "vidcompare.apiKey";
  const FORM_STORE = "vidcompare.form";
  const FINISHED = new Set(["completed", "failed", "cancelled"]);

  // The models and judges come from GET /api/models (offline models and each provider's live
  // catalogue); only how each provider is described is kept here.
  const PROVIDERS = {
    local: { tag: "offline", note: "measured from the video itself, no key needed", name: "Offline" },
    gemini: { tag: "Gemini", note: "offered by the server's Gemini API key or project", name: "Gemini" },
  };
  const PRESETS = [
    ["Describe", "Describe what happens in the video, with timestamps."],
    ["Scene cuts", "When are the scene cuts?"],
    ["Colours", "Which colours dominate, and when do they change?"],
    ["Motion", "How much motion is there, and when?"],
    ["Audio", "Is there sound? Describe the audio over time."],
    ["Summary", "Summarise the video in three sentences."],
  ];

  const state = {
    batch: true,
    videos: [], // VideoInfo[] from GET /api/videos
    selected: new Set(), // chosen video ids
    prompts: [""],
    catalog: null, // ModelCatalog from GET /api/models
    catalogError: "",
    catalogSeq: 0,
    models: new Set(), // chosen model ids (the offline ones once the catalog is in)
    formModels: null, // the saved choice, applied when the catalog arrives
    judge: "",
    concurrency: "1",
    jobId: null,
    view: null, // the current job's last JobView
    pollTimer: null,
    lastDone: -1,
    estimateSeq: 0,
    videosSeq: 0,
    jobsSeq: 0,
    scrollToJob: false,
    estimateTimer: null,
  };

  // ------------------------------------------------------------------ helpers
  const $ = (id) => document.getElementById(id);

  /** An element: h("div", {class: "x", onclick: f}, "text", child, ...). Text is never HTML. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "checked" || key === "disabled" || key === "value") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function fmtSeconds(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
    if (seconds < 1) return "under 1 s";
    if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) {
      const m = Math.floor(seconds / 60);
      const rest = Math.round(seconds - m * 60);
      return rest ? `${m} min ${rest} s` : `${m} min`;
    }
    const hours = Math.floor(seconds / 3600);
    const m = Math.round((seconds - hours * 3600) / 60);
    return m ? `${hours} h ${m} min` : `${hours} h`;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  }

  function fmtBytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
    if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
    return `${(n / 1024 ** 3).toFixed(2)} GB`;
  }

  function fmtCost(usd) {
    if (!usd) return "—";
    return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
  }

  function fmtScore(score) {
    if (score === null || score === undefined) return "—";
    return Number.isInteger(score) ? String(score) : score.toFixed(1);
  }

  function relTime(iso) {
    const then = Date.parse(iso);
    if (Number.isNaN(then)) return "";
    const seconds = Math.max(0, (Date.now() - then) / 1000);
    if (seconds < 45) return "just now";
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
    return new Date(then).toLocaleDateString();
  }

  function catalogModels() {
    return state.catalog ? state.catalog.models : [];
  }

  function maxModels() {
    return state.catalog ? state.catalog.max_models : DEFAULT_MAX_MODELS;
  }

  function providerOf(item) {
    const known = PROVIDERS[item.provider];
    if (known) return known;
    return item.offline
      ? { tag: "offline", note: "runs on the server, no key needed" }
      : { tag: item.provider, note: `needs ${item.provider} credentials on the server` };
  }

  function modelName(id) {
    const model = catalogModels().find((m) => m.model_id === id);
    if (model) return model.display_name;
    const judge = state.catalog && state.catalog.judges.find((j) => j.judge_id === id);
    if (judge) return judge.display_name;
    if (id && id.startsWith("gemini-")) {
      const words = id.slice(7).split("-").map((w) => (/^\d/.test(w) ? w : w[0].toUpperCase() + w.slice(1)));
      return `Gemini ${words.join(" ")}`;
    }
    return id || "";
  }

  function videoName(id) {
    const found = state.videos.find((v) => v.video_id === id);
    return found ? found.filename : id;
  }

  // ------------------------------------------------------------------ errors
  class ApiError extends Error {
    constructor(message, status, code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** A readable message from an answer: the server's own message, never raw JSON. */
  function errorFrom(status, statusText, data) {
    const error = data && typeof data === "object" ? data.error : null;
    if (error && typeof error.message === "string" && error.message) {
      return new ApiError(error.message, status, error.code || "");
    }
    const what = `${status}${statusText ? ` ${statusText}` : ""}`;
    const hint = status >= 500 ? " Try again in a moment." : "";
    return new ApiError(`The server answered ${what}.${hint}`, status, "");
  }

  function parseJson(text) {
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch (_) {
      return null;
    }
  }

  function showError(message) {
    $("error-text").textContent = message;
    $("error-banner").hidden = false;
  }

  function clearError() {
    $("error-banner").hidden = true;
    $("error-text").textContent = "";
  }

  // ------------------------------------------------------------------ API calls
  function authHeaders() {
    const key = localStorage.getItem(KEY_STORE);
    return key ? { "X-API-Key": key } : {};
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json", ...authHeaders() };
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let answer;
    try {
      answer = await fetch(API + path, init);
    } catch (_) {
      throw new ApiError(`Cannot reach the server at ${API || location.origin}. Is it running?`, 0, "NETWORK");
    }
    const data = parseJson(await answer.text());
    if (!answer.ok) {
      const error = errorFrom(answer.status, answer.statusText, data);
      if (answer.status === 401) askForKey(error.message);
      throw error;
    }
    return data;
  }

  // ------------------------------------------------------------------ API key
  function askForKey(reason) {
    const dialog = $("key-dialog");
    $("key-server").hidden = !reason;
    $("key-server").textContent = reason ? `The server says: ${reason}` : "";
    $("key-input").value = localStorage.getItem(KEY_STORE) || "";
    if (!dialog.open) dialog.showModal();
    $("key-input").focus();
  }

  function renderKeyButton() {
    const has = Boolean(localStorage.getItem(KEY_STORE));
    $("api-key-button").classList.toggle("has-key", has);
    $("api-key-button").title = has ? "An API key is stored in this browser" : "No API key stored";
  }

  function bindKeyDialog() {
    $("api-key-button").addEventListener("click", () => askForKey(""));
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("key-input").value.trim();
      if (key) localStorage.setItem(KEY_STORE, key);
      else localStorage.removeItem(KEY_STORE);
      $("key-dialog").close();
      renderKeyButton();
      clearError();
      reloadAll();
    });
    $("key-cancel").addEventListener("click", () => $("key-dialog").close());
    $("key-forget").addEventListener("click", () => {
      localStorage.removeItem(KEY_STORE);
      $("key-input").value = "";
      $("key-dialog").close();
      renderKeyButton();
    });
  }

  // ------------------------------------------------------------------ form state
  function saveForm() {
    const form = {
      batch: state.batch,
      prompts: state.prompts,
      models: state.catalog ? [...state.models] : state.formModels,
      judge: state.judge,
      concurrency: state.concurrency,
    };
    try {
      localStorage.setItem(FORM_STORE, JSON.stringify(form));
    } catch (_) {
      /* private mode: nothing to keep */
    }
  }

  function loadForm() {
    const form = parseJson(localStorage.getItem(FORM_STORE));
    if (!form) return;
    if (typeof form.batch === "boolean") state.batch = form.batch;
    if (Array.isArray(form.prompts) && form.prompts.length) state.prompts = form.prompts.map(String);
    // Models and judge are checked against the catalog once it arrives (applyCatalog).
    if (Array.isArray(form.models)) state.formModels = form.models.map(String);
    if (typeof form.judge === "string") state.judge = form.judge;
    if (form.concurrency) state.concurrency = String(form.concurrency);
  }

  function chosenVideos() {
    const ids = state.videos.map((v) => v.video_id).filter((id) => state.selected.has(id));
    return state.batch ? ids : ids.slice(0, 1);
  }

  function chosenPrompts() {
    const prompts = state.prompts.map((p) => p.trim()).filter(Boolean);
    return state.batch ? prompts : prompts.slice(0, 1);
  }

  function batchBody(dryRun) {
    const body = {
      video_ids: chosenVideos(),
      prompts: chosenPrompts(),
      models: catalogModels()
        .map((m) => m.model_id)
        .filter((id) => state.models.has(id)),
      concurrency: Number.parseInt(state.concurrency, 10) || 1,
    };
    if (state.judge) body.judge_model = state.judge;
    if (dryRun) body.dry_run = true;
    return body;
  }

  // ------------------------------------------------------------------ mode
  function renderMode() {
    $("batch-mode").checked = state.batch;
    $("file-input").multiple = state.batch;
    $("mode-hint").textContent = state.batch
      ? "Batch mode: every selected video × every prompt is one combination; each runs all selected models in parallel and the judge scores them."
      : `Single comparison: one video and one prompt, answered by up to ${maxModels()} models side by side and scored by the judge.`;
    $("video-actions").hidden = !state.batch || !state.videos.length;
    $("add-prompt").hidden = !state.batch;
    if (!state.batch && state.selected.size > 1) {
      const first = chosenVideos()[0];
      state.selected = new Set(first ? [first] : []);
    }
  }

  // ------------------------------------------------------------------ videos
  async function refreshVideos() {
    // Only the newest answer counts: an older list may miss a video uploaded since.
    // (Selected ids missing from the list are simply not used; see chosenVideos.)
    const seq = ++state.videosSeq;
    try {
      const answer = await api("GET", "/api/videos");
      if (seq !== state.videosSeq) return;
      state.videos = [...answer.videos].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    } catch (error) {
      if (seq !== state.videosSeq) return;
      showError(error.message);
    }
    renderVideos();
    updateRun();
  }

  function renderVideos() {
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
          if (!state.batch) state.selected.clear();
          if (event.target.checked) state.selected.add(video.video_id);
          else state.selected.delete(video.video_id);
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

  function uploadFile(file, row) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${API}/api/videos?filename=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      for (const [key, value] of Object.entries(authHeaders())) xhr.setRequestHeader(key, value);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) row.progress(event.loaded / event.total);
      });
      xhr.upload.addEventListener("load", () => row.processing());
      xhr.addEventListener("load", () => {
        const data = parseJson(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300 && data) resolve(data);
        else {
          const error = errorFrom(xhr.status, xhr.statusText, data);
          if (xhr.status === 401) askForKey(error.message);
          reject(error);
        }
      });
      xhr.addEventListener("error", () =>
        reject(new ApiError(`Cannot reach the server at ${API || location.origin}.`, 0, "NETWORK")),
      );
      xhr.send(file);
    });
  }

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
        const video = await uploadFile(file, row);
        row.done(video);
        if (!state.batch) state.selected.clear();
        state.selected.add(video.video_id);
        await refreshVideos();
      } catch (error) {
        row.failed(error.message);
      }
    }
  }

  function bindUploads() {
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
    $("videos-all").addEventListener("click", () => {
      state.selected = new Set(state.videos.map((v) => v.video_id));
      renderVideos();
      updateRun();
    });
    $("videos-none").addEventListener("click", () => {
      state.selected.clear();
      renderVideos();
      updateRun();
    });
  }

  // ------------------------------------------------------------------ prompts
  function renderPrompts() {
    const list = $("prompt-list");
    list.replaceChildren();
    state.prompts.forEach((text, index) => {
      const area = h("textarea", {
        rows: 2,
        "aria-label": `Prompt ${index + 1}`,
        placeholder: index === 0 ? "Ask something about the videos…" : "Another prompt…",
        oninput: (event) => {
          state.prompts[index] = event.target.value;
          updateRun();
        },
      });
      area.value = text;
      const remove = h(
        "button",
        {
          type: "button",
          class: "remove",
          title: "Remove this prompt",
          "aria-label": `Remove prompt ${index + 1}`,
          onclick: () => {
            state.prompts.splice(index, 1);
            if (!state.prompts.length) state.prompts.push("");
            renderPrompts();
            updateRun();
          },
        },
        "×",
      );
      const hidden = !state.batch && index > 0;
      list.append(h("li", { class: `prompt${hidden ? " hidden-in-single" : ""}` }, area, remove));
    });
  }

  function addPrompt(text) {
    if (!state.batch) {
      state.prompts[0] = text;
    } else if (state.prompts.length && !state.prompts[state.prompts.length - 1].trim()) {
      state.prompts[state.prompts.length - 1] = text;
    } else {
      state.prompts.push(text);
    }
    renderPrompts();
    updateRun();
  }

  function bindPrompts() {
    $("add-prompt").addEventListener("click", () => {
      state.prompts.push("");
      renderPrompts();
      updateRun();
      const areas = $("prompt-list").querySelectorAll("textarea");
      areas[areas.length - 1].focus();
    });
    const presets = $("presets");
    for (const [label, text] of PRESETS) {
      presets.append(h("button", { type: "button", class: "chip", title: text, onclick: () => addPrompt(text) }, label));
    }
  }

  // ------------------------------------------------------------------ models
  /** GET /api/models: the models and judges to offer. A failure is said in the models step. */
  async function loadModels() {
    const seq = ++state.catalogSeq;
    state.catalogError = "";
    renderModels();
    try {
      const catalog = await api("GET", "/api/models");
      if (seq !== state.catalogSeq) return;
      if (!catalog || !Array.isArray(catalog.models) || !Array.isArray(catalog.judges)) {
        throw new ApiError("The server's answer is not a model list.", 0, "");
      }
      state.catalog = catalog;
      applyCatalog();
    } catch (error) {
      if (seq !== state.catalogSeq) return;
      state.catalogError = `Could not load the list of models: ${error.message}`;
    }
    renderModels();
    renderJudges();
    renderMode();
    updateRun();
  }

  /** Keep only the chosen models and judge the server knows; first visit: the offline models. */
  function applyCatalog() {
    const known = catalogModels().map((m) => m.model_id);
    const wanted = state.formModels || catalogModels().filter((m) => m.offline).map((m) => m.model_id);
    state.models = new Set(wanted.filter((id) => known.includes(id)).slice(0, maxModels()));
    state.formModels = null;
    if (state.judge && !state.catalog.judges.some((j) => j.judge_id === state.judge)) state.judge = "";
  }

  function renderModels() {
    const list = $("model-list");
    const hint = $("model-hint");
    if (!state.catalog) {
      list.replaceChildren(
        state.catalogError
          ? h(
              "div",
              { class: "models-error", role: "alert" },
              h("span", { id: "models-error-text" }, state.catalogError),
              " ",
              h("button", { type: "button", class: "link-button", onclick: loadModels }, "Try again"),
            )
          : h("p", { class: "muted models-loading" }, "Loading the models…"),
      );
      hint.textContent = `Choose up to ${maxModels()} models; they run in parallel.`;
      hint.classList.remove("limit");
      return;
    }
    list.replaceChildren(...providerNotes());
    const max = maxModels();
    const full = state.models.size >= max;
    for (const model of catalogModels()) {
      const checked = state.models.has(model.model_id);
      const disabled = full && !checked;
      const provider = providerOf(model);
      list.append(
        h(
          "label",
          {
            class: `pick${checked ? " checked" : ""}${disabled ? " disabled" : ""}`,
            dataset: { modelId: model.model_id },
            title: disabled ? `At most ${max} models per batch` : provider.note,
          },
          h("input", {
            type: "checkbox",
            value: model.model_id,
            checked,
            disabled,
            onchange: (event) => {
              if (event.target.checked && state.models.size >= max) {
                event.target.checked = false;
                return;
              }
              if (event.target.checked) state.models.add(model.model_id);
              else state.models.delete(model.model_id);
              renderModels();
              updateRun();
            },
          }),
          h(
            "span",
            { class: "pick-main" },
            h(
              "span",
              { class: "pick-title" },
              model.display_name,
              h("span", { class: `tag${model.offline ? " tag-offline" : ""}` }, provider.tag),
              model.deprecated ? h("span", { class: "tag tag-deprecated" }, "deprecated") : null,
            ),
            h("span", { class: "pick-sub" }, [model.model_id, priceNote(model) || provider.note].join(" · ")),
            model.deprecated ? h("span", { class: "pick-warn" }, lifecycleNote(model)) : null,
          ),
        ),
      );
    }
    hint.textContent = full
      ? `${max} of ${max} models chosen — that is the most a batch can run.`
      : `Choose up to ${max} models (${state.models.size} chosen); they run in parallel.`;
    hint.classList.toggle("limit", full);
  }

  /** "deprecated, shuts down 2027-05-07, use gemini-3.5-flash-lite" */
  function lifecycleNote(item) {
    const parts = ["Deprecated"];
    if (item.shutdown_date) parts.push(`shuts down ${item.shutdown_date}`);
    if (item.successor) parts.push(`use ${item.successor}`);
    return parts.join(", ");
  }

  /** List prices per million tokens, when the server knows them. */
  function priceNote(model) {
    if (!model.price) return model.offline ? "" : "no price known";
    const usd = (x) => `$${x < 0.1 ? x : x.toFixed(2)}`;
    let note = `${usd(model.price.input)} in / ${usd(model.price.output)} out per 1M tokens`;
    if (model.price_until && model.next_price) {
      note += ` until ${model.price_until}, then ${usd(model.next_price.input)} / ${usd(model.next_price.output)}`;
    }
    return note;
  }

  /** Where each live catalogue came from, when it is not the API's own answer. */
  function providerNotes() {
    const notes = [];
    for (const status of (state.catalog && state.catalog.providers) || []) {
      const name = (PROVIDERS[status.provider] || { name: status.provider }).name;
      if (!status.available) {
        notes.push(h("p", { class: "provider-note", dataset: { provider: status.provider } },
          `${name} models are unavailable: ${status.message}`));
      } else if (status.source === "fallback") {
        notes.push(h("p", { class: "provider-note", dataset: { provider: status.provider } },
          `${name}: ${status.message}`));
      }
    }
    return notes;
  }

  /** A judge by its model's name when it has one ("Gemini 3.8 Flash", not "… (judge)"). */
  function judgeName(judge) {
    const model = catalogModels().find((m) => m.model_id === judge.judge_id);
    return model ? model.display_name : judge.display_name;
  }

  function judgeLabel(judge) {
    if (judge.offline) return `${judgeName(judge)} (offline)`;
    return judge.deprecated ? `${judgeName(judge)} (deprecated)` : judgeName(judge);
  }

  /** The judge select: automatic, then the server's default judges, then the others. */
  function renderJudges() {
    const select = $("judge-select");
    const catalog = state.catalog;
    select.disabled = !catalog;
    if (!catalog) {
      select.replaceChildren(h("option", { value: "" }, "Automatic (the server's default)"));
      return;
    }
    const byId = new Map(catalog.judges.map((j) => [j.judge_id, j]));
    const first = [catalog.default_judge, catalog.gemini_judge].filter((id) => byId.has(id));
    const order = [...new Set([...first, ...byId.keys()])];
    const name = (id) => (byId.has(id) ? judgeName(byId.get(id)) : id);
    const automatic =
      !catalog.gemini_judge || catalog.default_judge === catalog.gemini_judge
        ? `Automatic (${name(catalog.default_judge)})`
        : `Automatic (${name(catalog.default_judge)}; ${name(catalog.gemini_judge)} with Gemini models)`;
    select.replaceChildren(
      h("option", { value: "" }, automatic),
      ...order.map((id) => h("option", { value: id }, judgeLabel(byId.get(id)))),
    );
    select.value = state.judge;
  }

  function bindModels() {
    const select = $("judge-select");
    renderJudges();
    select.addEventListener("change", () => {
      state.judge = select.value;
      updateRun();
    });
    const lanes = $("concurrency");
    lanes.value = state.concurrency;
    lanes.addEventListener("input", () => {
      state.concurrency = lanes.value;
      updateRun();
    });
  }

  // ------------------------------------------------------------------ run button, estimate
  /** What is still needed before Run, as the summary says it; "" when nothing is. */
  function missingStep(videos, prompts, models) {
    if (!state.catalog) {
      return state.catalogError ? "The list of models could not be loaded (see Models)." : "Loading the models…";
    }
    if (!videos) return state.batch ? "Select at least one video." : "Select a video.";
    if (!prompts) return "Write a prompt (or pick a preset).";
    if (!models) return "Choose at least one model.";
    return "";
  }

  function updateRun() {
    saveForm();
    const videos = chosenVideos().length;
    const prompts = chosenPrompts().length;
    const models = state.models.size;
    const total = videos * prompts;
    const button = $("run-button");
    button.textContent = state.batch
      ? `Run ${videos} × ${prompts} = ${total} ${total === 1 ? "Comparison" : "Comparisons"}`
      : "Run Comparison";
    const missing = missingStep(videos, prompts, models);
    button.disabled = Boolean(missing);
    const names = catalogModels()
      .filter((m) => state.models.has(m.model_id))
      .map((m) => m.display_name);
    $("run-summary").textContent =
      missing ||
      `${plural(videos, "video")} × ${plural(prompts, "prompt")}, each through ${names.join(", ")}` +
        ` — ${plural(total * models, "model call")}.`;
    $("video-count").textContent = state.videos.length
      ? `${plural(state.videos.length, "video")} · ${videos} selected`
      : "No videos yet — upload one above.";
    clearTimeout(state.estimateTimer);
    const estimate = $("estimate");
    if (missing) {
      state.estimateSeq += 1;
      estimate.replaceChildren();
      estimate.classList.remove("error");
      delete estimate.dataset.seconds;
      return;
    }
    state.estimateTimer = setTimeout(runEstimate, 300);
  }

  async function runEstimate() {
    const seq = ++state.estimateSeq;
    const estimate = $("estimate");
    estimate.dataset.state = "loading";
    try {
      const answer = await api("POST", "/api/batch-compare-async", batchBody(true));
      if (seq !== state.estimateSeq) return;
      const bases = new Set(answer.per_model.map((row) => row.basis));
      const basis =
        bases.size === 1 && bases.has("measured")
          ? "from the latencies measured in your earlier jobs, + 20 %"
          : bases.has("measured")
            ? "measured latencies where known, else 15 s per model call; + 20 %"
            : "15 s per model call + 20 %; nothing measured yet";
      const cost = answer.estimated_cost_usd ? ` · about ${fmtCost(answer.estimated_cost_usd)}` : "";
      const unpriced = (answer.unpriced_models || []).length
        ? ` (no price known for ${answer.unpriced_models.join(", ")})`
        : "";
      // "models[2]: gemini-3.7-flash is deprecated; use …": the model says which field.
      const warnings = (answer.warnings || []).map((w) =>
        h("span", { class: "estimate-warning" }, w.replace(/^[\w\[\]]+: /, "")),
      );
      estimate.classList.remove("error");
      estimate.replaceChildren(
        "Estimated time ",
        h("strong", { id: "estimate-time" }, `≈ ${fmtSeconds(answer.estimated_seconds)}`),
        ` (${basis}) · ${plural(answer.model_calls, "model call")} + ${plural(answer.judge_calls, "judge call")}${cost}${unpriced}`,
        ...warnings,
      );
      estimate.dataset.seconds = String(answer.estimated_seconds);
      estimate.dataset.state = "ready";
    } catch (error) {
      if (seq !== state.estimateSeq) return;
      estimate.classList.add("error");
      estimate.textContent = error.message;
      delete estimate.dataset.seconds;
      estimate.dataset.state = "error";
    }
  }

  async function startBatch() {
    const button = $("run-button");
    const label = button.textContent;
    button.disabled = true;
    button.textContent = "Starting…";
    clearError();
    try {
      const accepted = await api("POST", "/api/batch-compare-async", batchBody(false));
      attachJob(accepted.job_id, { push: true });
      $("job-panel").scrollIntoView({ behavior: "smooth", block: "start" });
      refreshJobs();
    } catch (error) {
      showError(error.message);
    } finally {
      button.textContent = label;
      updateRun();
    }
  }

  // ------------------------------------------------------------------ the current job
  function jobFromUrl() {
    const query = new URLSearchParams(location.search).get("job");
    if (query) return query;
    const hash = new URLSearchParams(location.hash.replace(/^#/, "")).get("job");
    return hash || null;
  }

  function jobUrl(id) {
    const url = new URL(location.href);
    url.hash = "";
    url.searchParams.set("job", id);
    return url.toString();
  }

  function attachJob(id, { push = false } = {}) {
    if (!id) return detachJob();
    const url = jobUrl(id);
    // ?job=ID is the address of a job (#job=ID, as in a shared link, becomes ?job=ID).
    const inQuery = new URLSearchParams(location.search).get("job") === id;
    if (!inQuery || /(^#|&)job=/.test(location.hash)) {
      history[push ? "pushState" : "replaceState"]({ job: id }, "", url);
    }
    if (state.jobId === id && state.view) {
      poll();
      return;
    }
    state.jobId = id;
    state.view = null;
    state.lastDone = -1;
    $("job-panel").hidden = false;
    $("job-id").textContent = id;
    $("job-status").textContent = "loading";
    $("job-status").className = "badge";
    $("job-error").hidden = true;
    $("job-facts").replaceChildren();
    $("progress-message").textContent = "Loading…";
    $("progress-eta").textContent = "";
    $("job-link").textContent = url;
    $("job-link").href = url;
    $("results").replaceChildren();
    $("results-panel").hidden = true;
    $("leaderboard-panel").hidden = true;
    markCurrentJobRow();
    poll();
  }

  function detachJob() {
    clearTimeout(state.pollTimer);
    state.jobId = null;
    state.view = null;
    $("job-panel").hidden = true;
    $("results-panel").hidden = true;
    $("leaderboard-panel").hidden = true;
    markCurrentJobRow();
  }

  async function poll() {
    const id = state.jobId;
    clearTimeout(state.pollTimer);
    if (!id) return;
    let view;
    try {
      view = await api("GET", `/api/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      if (id !== state.jobId) return;
      if (error.status === 404 || error.status === 400) {
        // No such job (or not yours): say so, and drop it from the address.
        showError(error.message);
        detachJob();
        const url = new URL(location.href);
        url.searchParams.delete("job");
        url.hash = "";
        history.replaceState({}, "", url.toString());
        return;
      }
      showError(error.message);
      state.pollTimer = setTimeout(poll, POLL_MS); // a hiccup: keep trying
      return;
    }
    if (id !== state.jobId) return;
    state.view = view;
    renderJob(view);
    if (state.scrollToJob) {
      state.scrollToJob = false;
      $("job-panel").scrollIntoView({ block: "start" });
    }
    updateJobRow(view);
    const finished = FINISHED.has(view.status);
    if (view.result) {
      renderResult(view.result);
    } else if (view.completed_combinations > 0 && view.completed_combinations !== state.lastDone) {
      try {
        const result = await api("GET", `/api/jobs/${encodeURIComponent(id)}/result`);
        if (id === state.jobId) renderResult(result);
      } catch (error) {
        showError(error.message);
      }
    }
    state.lastDone = view.completed_combinations;
    if (id !== state.jobId) return;
    if (!finished) state.pollTimer = setTimeout(poll, POLL_MS);
    else refreshJobs();
  }

  function renderJob(view) {
    const status = view.status;
    const finished = FINISHED.has(status);
    const pct = Math.max(0, Math.min(100, view.progress || 0));
    $("job-id").textContent = view.job_id;
    const badge = $("job-status");
    badge.textContent = status;
    badge.className = `badge ${status}`;
    const bar = $("progress");
    bar.className = `progress ${status}`;
    bar.setAttribute("aria-valuenow", String(Math.floor(pct)));
    bar.dataset.status = status;
    $("progress-fill").style.width = `${pct}%`;
    $("progress-percent").textContent = `${Math.floor(pct)}%`;
    $("progress-message").textContent = view.progress_message || "";
    let eta = "";
    if (status === "running" || status === "pending") {
      eta = view.eta_seconds != null ? `ETA ${fmtSeconds(view.eta_seconds)}` : "estimating time left…";
    } else if (status === "completed" && view.finished_at) {
      const from = Date.parse(view.started_at || view.created_at);
      const took = (Date.parse(view.finished_at) - from) / 1000;
      if (!Number.isNaN(took)) eta = `finished in ${fmtSeconds(took)}`;
    }
    $("progress-eta").textContent = eta;
    $("background-note").hidden = finished;
    const cancel = $("job-cancel");
    cancel.hidden = finished;
    if (finished) cancel.disabled = false;
    const error = $("job-error");
    error.hidden = !view.error;
    error.textContent = view.error ? `This job failed: ${view.error}` : "";
    const facts = [
      ["Combinations", `${view.completed_combinations}/${view.total_combinations} (${plural(view.total_videos, "video")} × ${plural(view.total_prompts, "prompt")})`],
      ["Models", view.models.map(modelName).join(", ")],
      ["Judge", modelName(view.judge_model)],
      ["Lanes", String(view.concurrency)],
      ["Started", new Date(view.created_at).toLocaleString()],
    ];
    if (view.total_tokens) facts.push(["Tokens", view.total_tokens.toLocaleString()]);
    if (view.estimated_cost_usd) facts.push(["Cost", fmtCost(view.estimated_cost_usd)]);
    $("job-facts").replaceChildren(...facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
  }

  async function cancelJob(id, button) {
    button.disabled = true;
    const label = button.textContent;
    button.textContent = "Cancelling…";
    try {
      const answer = await api("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
      updateJobRow({ job_id: id, status: answer.status });
    } catch (error) {
      showError(error.message);
      button.disabled = false;
    } finally {
      button.textContent = label;
    }
    if (id === state.jobId) poll();
    refreshJobs();
  }

  // ------------------------------------------------------------------ results
  function scoreClass(score) {
    if (score === null || score === undefined) return "none";
    return score >= 7 ? "high" : score >= 4 ? "mid" : "low";
  }

  function renderResult(result) {
    const comparisons = [...result.comparisons].sort((a, b) => a.index - b.index);
    $("results-panel").hidden = comparisons.length === 0;
    $("results-count").textContent = result.complete
      ? `${plural(result.total_combinations, "combination")}`
      : `${result.completed_combinations} of ${result.total_combinations} combinations so far`;
    $("results").replaceChildren(...comparisons.map(resultCard));
    renderLeaderboard(result);
  }

  function resultCard(comparison) {
    const evaluations = new Map(comparison.evaluation.map((e) => [e.model_id || e.model_name, e]));
    const scores = comparison.evaluation.map((e) => e.score).filter((x) => x !== null && x !== undefined);
    const best = scores.length ? Math.max(...scores) : null;
    const answers = comparison.results.map((r) => {
      const e = evaluations.get(r.model_id) || evaluations.get(r.model_name) || {};
      const isBest = best !== null && e.score === best && scores.length > 1;
      const list = (items, kind, title) =>
        h(
          "div",
          { class: kind },
          h("h4", {}, title),
          items && items.length
            ? h("ul", {}, items.map((item) => h("li", {}, item)))
            : h("span", { class: "none" }, "none noted"),
        );
      return h(
        "div",
        { class: "answer", dataset: { modelId: r.model_id } },
        h(
          "div",
          { class: "answer-top" },
          h("span", { class: "answer-name" }, r.model_name),
          isBest ? h("span", { class: "best" }, "Best") : null,
          h("span", { class: "latency", title: "Latency of this model call" }, clockIcon(), fmtMs(r.latency_ms)),
          h(
            "span",
            { class: `score ${scoreClass(e.score)}`, title: "The judge's score (1–10)" },
            fmtScore(e.score),
            h("small", {}, " / 10"),
          ),
        ),
        r.error ? h("div", { class: "model-error" }, `Error: ${r.error}`) : null,
        r.truncated
          ? h("div", { class: "model-truncated" }, "Cut off at the output token limit (MAX_TOKENS): the answer is partial.")
          : null,
        e.reasoning ? h("p", { class: "reasoning" }, e.reasoning) : null,
        h("div", { class: "points" }, list(e.strengths, "strengths", "Strengths"), list(e.weaknesses, "weaknesses", "Weaknesses")),
        r.response
          ? h(
              "details",
              {},
              h("summary", {}, `Answer (${plural(r.response.trim().split(/\s+/).length, "word")})`),
              h("pre", {}, r.response),
            )
          : null,
      );
    });
    return h(
      "article",
      { class: "card result-card", dataset: { index: comparison.index } },
      h(
        "div",
        { class: "result-head" },
        h(
          "div",
          { class: "video" },
          h("span", {}, `#${comparison.index + 1}`),
          h("strong", {}, videoName(comparison.video_id)),
          h("code", {}, comparison.video_id),
        ),
        h("div", { class: "prompt-text" }, comparison.prompt),
      ),
      h("div", { class: "answers" }, answers),
      h(
        "div",
        { class: "judge" },
        h("div", { class: "judge-title" }, `Judge · ${modelName(comparison.judge_model)}`),
        comparison.overall_summary ? h("p", { class: "judge-summary" }, comparison.overall_summary) : null,
        comparison.judge_error ? h("p", { class: "judge-error" }, `Judge error: ${comparison.judge_error}`) : null,
        (comparison.judge_warnings || []).map((w) => h("p", { class: "judge-warning" }, `Note: ${w}`)),
      ),
    );
  }

  function clockIcon() {
    const icon = s("svg", { viewBox: "0 0 16 16", width: 13, height: 13, "aria-hidden": "true", class: "icon" });
    icon.append(s("circle", { cx: 8, cy: 8, r: 6.5, fill: "none", stroke: "currentColor", "stroke-width": 1.6 }));
    icon.append(s("path", { d: "M8 4.5V8l2.5 1.5", fill: "none", stroke: "currentColor", "stroke-width": 1.6, "stroke-linecap": "round" }));
    return icon;
  }

  function renderLeaderboard(result) {
    const rows = result.leaderboard || [];
    $("leaderboard-panel").hidden = rows.length === 0;
    if (!rows.length) return;
    $("leaderboard-note").textContent = result.complete
      ? `over ${plural(result.total_combinations, "combination")}, judged by ${modelName(result.judge.judge_model)}`
      : `so far: ${result.completed_combinations} of ${result.total_combinations} combinations`;
    const body = $("leaderboard").querySelector("tbody");
    body.replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          { dataset: { modelId: row.model_id } },
          h("td", {}, h("span", { class: `rank rank-${row.rank}` }, row.rank)),
          h("td", { class: "lb-name" }, row.model_name),
          h("td", { class: "num" }, row.mean_score != null ? row.mean_score.toFixed(2) : "—"),
          h("td", { class: "num" }, fmtScore(row.wins)),
          h("td", { class: "num" }, fmtMs(row.mean_latency_ms)),
          h("td", { class: "num" }, row.errors),
          h("td", { class: "num" }, fmtCost(row.estimated_cost_usd)),
        ),
      ),
    );
    $("chart").replaceChildren(chart(rows));
  }

  /** Two bars per model: mean score (0–10) and mean latency (scaled to the slowest). */
  function chart(rows) {
    const width = 600;
    const labelWidth = 210;
    const barMax = width - labelWidth - 80;
    const top = 44;
    const rowHeight = 58;
    const height = top + rows.length * rowHeight + 6;
    const maxLatency = Math.max(1, ...rows.map((r) => r.mean_latency_ms || 0));
    const svg = s("svg", {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": "Mean score and mean latency per model",
    });
    svg.append(s("title", {}, "Mean score (0–10) and mean latency per model"));
    // legend
    svg.append(s("rect", { x: labelWidth, y: 6, width: 12, height: 12, rx: 2, class: "score-bar" }));
    svg.append(s("text", { x: labelWidth + 18, y: 16, class: "legend" }, "Mean score (0–10)"));
    svg.append(s("rect", { x: labelWidth + 150, y: 6, width: 12, height: 12, rx: 2, class: "latency-bar" }));
    svg.append(s("text", { x: labelWidth + 168, y: 16, class: "legend" }, `Mean latency (max ${fmtMs(maxLatency)})`));
    for (const fraction of [0, 0.5, 1]) {
      const x = labelWidth + barMax * fraction;
      svg.append(s("line", { x1: x, x2: x, y1: top - 8, y2: height - 4, class: "grid" }));
      svg.append(s("text", { x, y: top - 12, "text-anchor": "middle", class: "axis" }, fmtScore(10 * fraction)));
    }
    rows.forEach((row, i) => {
      const y = top + i * rowHeight;
      const name = row.model_name.length > 26 ? `${row.model_name.slice(0, 25)}…` : row.model_name;
      const label = s("g", {});
      label.append(s("title", {}, row.model_name)); // the full name on hover
      label.append(s("text", { x: labelWidth - 10, y: y + 24, "text-anchor": "end", class: "label" }, name));
      svg.append(label);
      const score = row.mean_score || 0;
      const scoreWidth = Math.max(2, (barMax * score) / 10);
      svg.append(s("rect", { x: labelWidth, y: y + 4, width: scoreWidth, height: 18, rx: 3, class: "score-bar", "data-model": row.model_id }));
      svg.append(
        s("text", { x: labelWidth + scoreWidth + 6, y: y + 18, class: "value" }, row.mean_score != null ? row.mean_score.toFixed(2) : "no score"),
      );
      const latency = row.mean_latency_ms || 0;
      const latencyWidth = Math.max(2, (barMax * latency) / maxLatency);
      svg.append(s("rect", { x: labelWidth, y: y + 26, width: latencyWidth, height: 12, rx: 3, class: "latency-bar" }));
      svg.append(s("text", { x: labelWidth + latencyWidth + 6, y: y + 36, class: "value" }, fmtMs(row.mean_latency_ms)));
    });
    return svg;
  }

  // ------------------------------------------------------------------ jobs list
  const jobRows = new Map(); // job id -> row parts, updated in place

  async function refreshJobs() {
    const seq = ++state.jobsSeq; // only the newest answer counts
    let answer;
    try {
      answer = await api("GET", "/api/jobs?limit=20");
    } catch (error) {
      if (seq === state.jobsSeq) {
        showError(error.message);
        if (!jobRows.size) $("jobs-empty").textContent = "The jobs could not be loaded.";
      }
      return;
    }
    if (seq !== state.jobsSeq) return;
    const body = $("jobs-table").querySelector("tbody");
    const ids = answer.jobs.map((job) => job.job_id);
    for (const [id, row] of jobRows) {
      if (!ids.includes(id)) {
        row.tr.remove();
        jobRows.delete(id);
      }
    }
    answer.jobs.forEach((job, index) => {
      let row = jobRows.get(job.job_id);
      if (!row) {
        row = jobRow(job);
        jobRows.set(job.job_id, row);
      }
      updateJobRow(job);
      if (body.children[index] !== row.tr) body.insertBefore(row.tr, body.children[index] || null);
    });
    $("jobs-empty").textContent = "No jobs yet.";
    $("jobs-empty").hidden = answer.jobs.length > 0;
    $("jobs-table").hidden = answer.jobs.length === 0;
    markCurrentJobRow();
  }

  function jobRow(job) {
    const open = (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      attachJob(job.job_id, { push: true });
      $("job-panel").scrollIntoView({ behavior: "smooth", block: "start" });
    };
    const parts = {
      started: h("td", { title: new Date(job.created_at).toLocaleString() }, relTime(job.created_at)),
      badge: h("span", { class: "badge" }),
      fill: h("span"),
      count: h("span", { class: "count" }),
      mini: null,
      link: h("a", { href: `?job=${encodeURIComponent(job.job_id)}`, class: "btn btn-ghost btn-small job-open", onclick: open }, "Open"),
      cancel: h("button", { type: "button", class: "btn btn-danger btn-small job-cancel" }, "Cancel"),
    };
    parts.cancel.addEventListener("click", () => cancelJob(job.job_id, parts.cancel));
    parts.mini = h("div", { class: "mini-progress" }, h("div", { class: "bar" }, parts.fill), parts.count);
    parts.tr = h(
      "tr",
      { dataset: { jobId: job.job_id } },
      parts.started,
      h("td", {}, h("a", { href: `?job=${encodeURIComponent(job.job_id)}`, onclick: open }, h("code", {}, job.job_id.slice(0, 12)))),
      h("td", {}, parts.badge),
      h("td", {}, parts.mini),
      h("td", { class: "models-cell" }, (job.models || []).map(modelName).join(", ")),
      h("td", {}, h("div", { class: "job-actions" }, parts.link, parts.cancel)),
    );
    return parts;
  }

  function updateJobRow(job) {
    const row = jobRows.get(job.job_id);
    if (!row) return;
    row.tr.dataset.status = job.status;
    row.badge.textContent = job.status;
    row.badge.className = `badge ${job.status}`;
    row.mini.className = `mini-progress ${job.status}`;
    if (job.progress !== undefined) row.fill.style.width = `${Math.max(0, Math.min(100, job.progress))}%`;
    if (job.total_combinations !== undefined) {
      row.count.textContent = `${job.completed_combinations}/${job.total_combinations} · ${Math.floor(job.progress)}%`;
    }
    if (job.created_at) {
      row.started.textContent = relTime(job.created_at);
    }
    const finished = FINISHED.has(job.status);
    row.cancel.hidden = finished;
    row.link.textContent = job.status === "completed" ? "Results" : "Open";
  }

  function markCurrentJobRow() {
    for (const [id, row] of jobRows) row.tr.classList.toggle("current", id === state.jobId);
  }

  // ------------------------------------------------------------------ start
  function reloadAll() {
    if (!state.catalog) loadModels();
    refreshVideos();
    refreshJobs();
    if (state.jobId) {
      state.lastDone = -1;
      poll();
    }
    updateRun();
  }

  function init() {
    loadForm();
    bindKeyDialog();
    renderKeyButton();
    bindUploads();
    bindPrompts();
    bindModels();
    renderMode();
    renderPrompts();
    renderModels();
    renderVideos();
    updateRun();
    if (API) for (const a of document.querySelectorAll('a[href="openapi.json"]')) a.href = `${API}/openapi.json`;

    $("batch-mode").addEventListener("change", (event) => {
      state.batch = event.target.checked;
      renderMode();
      renderVideos();
      renderPrompts();
      updateRun();
    });
    $("run-button").addEventListener("click", startBatch);
    $("error-close").addEventListener("click", clearError);
    $("jobs-refresh").addEventListener("click", refreshJobs);
    $("job-cancel").addEventListener("click", () => {
      if (state.jobId) cancelJob(state.jobId, $("job-cancel"));
    });
    window.addEventListener("popstate", () => {
      const id = jobFromUrl();
      if (id !== state.jobId) attachJob(id);
    });
    window.addEventListener("hashchange", () => {
      if (/(^#|&)job=/.test(location.hash)) attachJob(jobFromUrl());
    });
    // When the page comes back to the front, catch up at once.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && state.jobId && state.view && !FINISHED.has(state.view.status)) poll();
    });
    setInterval(() => {
      if (document.visibilityState === "visible") refreshJobs();
    }, JOBS_REFRESH_MS);

    const models = loadModels();
    refreshVideos();
    refreshJobs();
    const id = jobFromUrl();
    if (id) {
      state.scrollToJob = true; // opened from a link: show the job, not the form
      // After the model list (loaded or not), so the job shows the models' names.
      models.finally(() => {
        if (state.jobId === null && jobFromUrl() === id) attachJob(id);
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
