// Join an open group, or ask to join a closed one; when an admin decides, the page follows.
import { api } from "./api.js";
import { onEvent, t } from "./page.js";

document.addEventListener("click", async (event) => {
  const button = event.target.closest(".join-button");
  if (!button) return;
  button.disabled = true;
  try {
    const result = await api("POST", `/api/v1/groups/${button.dataset.groupId}/join`, {});
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = result.status === "member" ? t("Member") : t("Request sent");
    button.replaceWith(badge);
    if (result.status === "member" && document.getElementById("join-state")) window.location.reload();
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
