// A group's members: change a role, remove someone, leave; its admins answer join requests, search for
// people to invite, and withdraw invitations. A new join request appears live.
import { api, clearMessages as clear, reloadSaying, showError, whatWasSaid } from "./api.js";
import { showMembers } from "./member-search.js";
import { onEvent, t } from "./page.js";

const root = document.getElementById("group-members");
const groupId = root.dataset.groupId;
const members = root.querySelector("section.primary");
const saved = members.querySelector(".saved");

members.addEventListener("change", async (event) => {
  const select = event.target.closest(".role-select");
  if (!select) return;
  const row = select.closest("li");
  clear(members);
  try {
    await api("PATCH", `/api/v1/groups/${groupId}/members/${row.dataset.userId}`, { role: select.value });
    select.dataset.role = select.value;
    saved.textContent = t("%(name)s is now: %(role)s.", { name: row.dataset.name, role: select.selectedOptions[0].textContent });
  } catch (error) {
    select.value = select.dataset.role;  // as it was
    showError(members, error);
  }
});

members.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("li");
  clear(members);
  const leaving = button.classList.contains("leave-group");
  if (!leaving && !button.classList.contains("remove-member")) return;
  const question = leaving ? t("Leave this group?") : t("Remove %(name)s from the group?", { name: row.dataset.name });
  if (!window.confirm(question)) return;
  try {
    await api("DELETE", `/api/v1/groups/${groupId}/members/${row.dataset.userId}`);
    if (leaving) {
      window.location.assign("/groups");
      return;
    }
    row.remove();
    saved.textContent = t("%(name)s is no longer a member.", { name: row.dataset.name });
    document.getElementById("members-heading").focus();
  } catch (error) {
    showError(members, error);
  }
});

if (root.dataset.admin === "true") {
  const requests = document.getElementById("join-requests");
  requests.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const item = button.closest("li");
    const approve = button.classList.contains("approve-request");
    clear(requests);
    try {
      await api("POST", `/api/v1/join-requests/${item.dataset.requestId}/${approve ? "approve" : "decline"}`);
      window.location.reload();  // the new member in the list
    } catch (error) {
      showError(requests, error);
    }
  });
  onEvent("join_request.created", () => window.location.reload());

  const invite = document.getElementById("invite");
  const search = document.getElementById("invite-search");
  const results = invite.querySelector(".invite-results");
  const inviteSaved = invite.querySelector(".saved");
  const memberIds = new Set([...members.querySelectorAll(".member-row")].map((row) => row.dataset.userId));

  search.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(search);
    inviteSaved.textContent = "";
    const q = search.elements.q.value.trim();
    if (!q) return;
    try {
      await showMembers(results, q, {
        action: t("Invite"), label: (person) => t("Invite %(name)s", { name: person.display_name }),
        isChosen: (person) => memberIds.has(String(person.id)), chosenText: t("Member"), onPick: send,
      });
    } catch (error) {
      showError(search, error);
    }
  });

  async function send(person, item) {
    try {
      await api("POST", `/api/v1/groups/${groupId}/invitations`, { user_id: person.id });
      reloadSaying(t("%(name)s is invited.", { name: person.display_name }), "invite-heading");
    } catch (error) {
      item.querySelector("button")?.remove();
      const why = document.createElement("span");
      why.className = "form-error";
      why.textContent = error.code === "conflict" ? t("Already a member.") : error.message;
      item.append(why);
    }
  }
  const said = whatWasSaid();
  if (said) {
    inviteSaved.textContent = said.message;
    document.getElementById(said.focusId)?.focus();
  }

  invite.addEventListener("click", async (event) => {
    const button = event.target.closest(".withdraw-invitation");
    if (!button) return;
    const item = button.closest("li");
    try {
      await api("DELETE", `/api/v1/group-invitations/${item.dataset.invitationId}`);
      item.remove();
      inviteSaved.textContent = t("The invitation is withdrawn.");
    } catch (error) {
      showError(search, error);
    }
  });
}
