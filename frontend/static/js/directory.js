// Join an open group at once; a closed one takes a request, with a short message to its admins if she likes.
// When an admin decides, the page follows.
import { api, showError } from "./api.js";
import { onEvent, t } from "./page.js";

function joined(button, status) {
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = status === "member" ? t("Member") : t("Request sent");
  button.replaceWith(badge);
  // On the group's or a thread's page, being a member changes what she can do there: show it.
  if (status === "member" && (document.getElementById("join-state") || button.dataset.reload)) {
    window.location.reload();
  }
}

function askForm(button) {
  const form = document.createElement("form");
  form.className = "stack join-request-form";
  form.noValidate = true;
  const id = `join-message-${button.dataset.groupId}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = t("Message to the group's admins (optional)");
  const message = document.createElement("textarea");
  message.id = id;
  message.name = "message";
  message.rows = 3;
  message.maxLength = 1000;
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = t("Send the request");
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  form.append(label, message, send, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    try {
      const result = await api("POST", `/api/v1/groups/${button.dataset.groupId}/join`, { message: message.value });
      form.remove();
      joined(button, result.status);
    } catch (failure) {
      send.disabled = false;
      showError(form, failure);
    }
  });
  button.after(form);
  button.hidden = true;
  message.focus();
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest(".join-button");
  if (!button) return;
  if (button.dataset.visibility !== "open") {
    askForm(button);
    return;
  }
  button.disabled = true;
  try {
    const result = await api("POST", `/api/v1/groups/${button.dataset.groupId}/join`, {});
    joined(button, result.status);
  } catch (error) {
    button.disabled = false;
    window.alert(error.message);
  }
});

const state = document.getElementById("join-state");
if (state) {
  const groupId = Number(state.dataset.groupId);
  onEvent("join_request.decided", (payload) => {
    if (payload.group_id === groupId) window.location.reload();
  });
  onEvent("group.merged", (payload) => {
    // The group she is looking at moved into another: go there (its old address redirects too).
    if (payload.from_group_id === groupId) window.location.assign(`/groups/${payload.into_slug}`);
  });
  onEvent("membership.changed", (payload) => {
    if (payload.group_id === groupId) window.location.reload();
  });
}
