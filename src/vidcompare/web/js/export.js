/* The export buttons: GET /api/jobs/ID/export?format=… with the page's API key, saved under
 * the file name the server gives in Content-Disposition. */
import { API, ApiError, parseJson, storedKey } from "./api.js";
import { showError } from "./banner.js";

const EXTENSIONS = { csv: "csv", json: "json", md: "md", html: "html" };

/** The file name of a Content-Disposition header (filename*=UTF-8'' first); null if none. */
export function dispositionName(header) {
  if (!header) return null;
  const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1].trim());
    } catch (_) {
      /* a malformed one: try the plain name */
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(header);
  return plain ? plain[1] || plain[2] : null;
}

async function download(jobId, format) {
  const headers = storedKey() ? { "X-API-Key": storedKey() } : {};
  const answer = await fetch(`${API}/api/jobs/${encodeURIComponent(jobId)}/export?format=${format}`, { headers });
  if (!answer.ok) {
    const data = parseJson(await answer.text());
    const message = data && data.error && data.error.message;
    throw new ApiError(message || `The export failed: the server answered ${answer.status}.`, answer.status, "");
  }
  const blob = await answer.blob();
  const name = dispositionName(answer.headers.get("Content-Disposition")) || `vidcompare-${jobId.slice(0, 8)}.${EXTENSIONS[format]}`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Wire the buttons in `group` (data-format="csv" …) to export the job `jobId()` names. */
export function bindExport(group, jobId) {
  group.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-format]");
    if (!button || !jobId()) return;
    button.disabled = true;
    try {
      await download(jobId(), button.dataset.format);
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  });
}
