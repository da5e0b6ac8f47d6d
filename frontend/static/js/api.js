// The one way pages talk to the API: JSON in and out, CSRF header from the cookie, errors as messages.
import { language, t } from "./i18n.js";

export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )plein_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
  }
}

// The API answers in the language asked for (its messages, refusals included): the page's.
export async function api(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": language };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({ error: { code: "bad_response", message: response.statusText } }));
  if (!response.ok) throw new ApiError(response.status, data.error || { message: response.statusText });
  return data;
}

// The API says what is wrong in the page's language; bad input is named by the field's label on the page.
export function showError(form, error) {
  const name = error.field ? error.field.split(".").pop() : null;
  const input = name ? form.querySelector(`[name="${name}"]`) : null;
  const label = input?.labels?.[0]?.textContent.trim() || input?.closest("fieldset")?.querySelector("legend")?.textContent.trim();
  let message = error.message;
  if (error.code === "invalid" && label && language !== "en") message = t("Please check “%(field)s”.", { field: label });
  else if (error.code === "rate_limited") message = t("You are doing this very often. Wait a moment and try again.");
  else if (error.status === 0 || !message) message = t("Something went wrong. Try again.");
  form.querySelector(".form-error").textContent = message;
  input?.focus();
}

// fetch() cannot report upload progress; XMLHttpRequest can. Resolves with the JSON answer.
export function uploadFile(method, path, file, onProgress, failedMessage) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, path);
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Accept-Language", language);
    request.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    request.addEventListener("load", () => {
      let data = {};
      try { data = JSON.parse(request.responseText || "{}"); } catch { data = {}; }
      if (request.status >= 200 && request.status < 300) resolve(data);
      else reject(new ApiError(request.status, data.error || { message: request.statusText }));
    });
    request.addEventListener("error", () => reject(new ApiError(0, { message: failedMessage })));
    const body = new FormData();
    body.append("file", file);
    request.send(body);
  });
}

// What a form or section said last time is cleared before it says something new.
export function clearMessages(box) {
  box.querySelectorAll(".form-error, .saved").forEach((p) => { p.textContent = ""; });
}

// After a change that reshapes the page it is loaded again, and says there what was done (whatWasSaid).
const SAID = "plein-said";
export function reloadSaying(message, focusId = null) {
  sessionStorage.setItem(SAID, JSON.stringify({ message, focusId }));
  window.location.reload();
}
export function whatWasSaid() {
  const said = sessionStorage.getItem(SAID);
  if (!said) return null;
  sessionStorage.removeItem(SAID);
  return JSON.parse(said);
}
