// The one way pages talk to the API: JSON in and out, CSRF header from the cookie, errors as messages.
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

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
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

export function showError(form, error) {
  form.querySelector(".form-error").textContent = error.message;
  if (error.field) form.querySelector(`[name="${error.field}"]`)?.focus();
}
