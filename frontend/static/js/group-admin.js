// A group admin's join requests: approve or decline; new requests appear live.
import { api } from "./api.js";
import { onEvent, t, timeElement } from "./page.js";

const panel = document.getElementById("group-admin");
const list = document.getElementById("request-list");
const groupId = panel.dataset.groupId;

async function load() {
  const requests = (await api("GET", `/api/v1/groups/${groupId}/join-requests`)).filter((r) => r.status === "pending");
  if (!requests.length) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = t("No open requests.");
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(...requests.map((request) => {
    const item = document.createElement("li");
    item.className = "request";
    const who = document.createElement("strong");
    who.textContent = request.user.display_name;
    const message = document.createElement("p");
    message.textContent = request.message;
    const approve = document.createElement("button");
    approve.type = "button";
    approve.textContent = t("Approve");
    approve.setAttribute("aria-label", t("Approve %(name)s", { name: request.user.display_name }));
    const decline = document.createElement("button");
    decline.type = "button";
    decline.className = "secondary";
    decline.textContent = t("Decline");
    decline.setAttribute("aria-label", t("Decline %(name)s", { name: request.user.display_name }));
    approve.addEventListener("click", () => decide(request.id, "approve"));
    decline.addEventListener("click", () => decide(request.id, "decline"));
    item.append(who, " ", timeElement(request.created_at), message, approve, " ", decline);
    return item;
  }));
}

async function decide(requestId, action) {
  try {
    await api("POST", `/api/v1/join-requests/${requestId}/${action}`);
  } catch (error) {
    window.alert(error.message);
  }
  await load();
}

onEvent("join_request.created", () => load());
load();

// Pre-moderation: from now on every post in the group waits for a moderator.
const premoderated = document.getElementById("premoderated");
premoderated?.addEventListener("change", async () => {
  const saved = document.getElementById("premoderated-saved");
  try {
    await api("PATCH", `/api/v1/groups/${groupId}`, { premoderated: premoderated.checked });
    saved.textContent = t("Saved.");
  } catch (error) {
    premoderated.checked = !premoderated.checked;
    saved.textContent = error.message;
  }
});
