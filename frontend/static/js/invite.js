import { api, showError } from "./api.js";

const form = document.getElementById("invite-form");
const status = document.getElementById("invite-status");
const token = form.dataset.token;

try {
  const invite = await api("GET", `/api/v1/invites/${encodeURIComponent(token)}`);
  document.getElementById("invite-email").textContent = invite.email;
  status.textContent = "";
  form.hidden = false;
} catch (error) {
  status.textContent = error.message;
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
