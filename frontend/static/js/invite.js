import { api, showError } from "./api.js";
import { t } from "./i18n.js";

const form = document.getElementById("invite-form");
const status = document.getElementById("invite-status");
const token = form.dataset.token;

try {
  const invite = await api("GET", `/api/v1/invites/${encodeURIComponent(token)}`);
  document.getElementById("invite-email").textContent = invite.email;
  status.textContent = "";
  form.hidden = false;
} catch (error) {
  status.textContent = error.status === 404 || error.status === 410
    ? t("This invitation link does not work (any more). Ask the community manager for a new one.") : error.message;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  try {
    await api("POST", `/api/v1/invites/${encodeURIComponent(token)}/accept`, data);
    window.location.assign("/");
  } catch (error) {
    showError(form, error);
  }
});
