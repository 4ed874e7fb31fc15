/* The HTTP API of the same origin (or the one named in <meta name="vidcompare-api">): every
 * request goes through here, so every failure becomes an ApiError carrying the server's own
 * message (its JSON error shape, {"error": {"code", "message"}}), never raw JSON, and a 401
 * reaches the one handler that asks for a key. */

const metaApi = document.querySelector('meta[name="vidcompare-api"]');
/** Where the API is: "" is this page's own origin. */
export const API = ((metaApi && metaApi.content) || "").replace(/\/+$/, "");
const KEY_STORE = "vidcompare.apiKey";

export class ApiError extends Error {
  constructor(message, status, code, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details; // [{field, message}] of a 400: which fields of the request
  }
}

/** A readable message from an answer: the server's own message, never raw JSON. */
function errorFrom(status, statusText, data) {
  const error = data && typeof data === "object" ? data.error : null;
  if (error && typeof error.message === "string" && error.message) {
    return new ApiError(error.message, status, error.code || "", Array.isArray(error.details) ? error.details : []);
  }
  const what = `${status}${statusText ? ` ${statusText}` : ""}`;
  const hint = status >= 500 ? " Try again in a moment." : "";
  return new ApiError(`The server answered ${what}.${hint}`, status, "");
}

/** JSON.parse that gives null instead of throwing (empty bodies, HTML error pages). */
export function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch (_) {
    return null;
  }
}

// ------------------------------------------------------------------ the API key
/** The key kept in this browser (localStorage), or "" when there is none. */
export function storedKey() {
  return localStorage.getItem(KEY_STORE) || "";
}

/** Keep this key for every request; "" forgets it. */
export function storeKey(key) {
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
}

function authHeaders() {
  const key = storedKey();
  return key ? { "X-API-Key": key } : {};
}

let unauthorized = () => {};

/** Who is told when the server answers 401 (with its message): the key dialog. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

// ------------------------------------------------------------------ requests
/** One JSON request; resolves to the parsed answer, rejects with an ApiError. */
export async function api(method, path, body) {
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
    if (answer.status === 401) unauthorized(error.message);
    throw error;
  }
  return data;
}
