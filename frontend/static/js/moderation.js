// The moderation queue: approve (optionally edited), remove with a reason, dismiss reports; watched words.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const queue = document.getElementById("queue");

// Silencing or suspending the author: with the reason typed in the item's reason field (kept in the audit log).
queue.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-member-action]");
  if (!button) return;
  const form = button.closest(".queue-item").querySelector("form.decision");
  const reason = form.elements.reason.value.trim();
  if (reason.length < 3) {
    showError(form, { message: t("Say why: the author receives the reason."), field: "reason" });
    return;
  }
  const action = button.dataset.memberAction;
  const body = action === "silence" ? { days: 7, reason } : { reason };
  try {
    await api("POST", `/api/v1/users/${button.dataset.userId}/${action}`, body);
    button.disabled = true;
    button.textContent = action === "silence" ? t("Silenced for 7 days.") : t("Account suspended.");
  } catch (error) {
    showError(form, error);
  }
});

queue.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const item = button.closest(".queue-item");
  const form = item.querySelector("form.decision");
  const action = button.dataset.action;
  let body = {};
  if (action === "approve") {
    const edited = form.elements.body.value;
    if (form.querySelector("details").open && edited.trim()) body = { body: edited };
  } else if (action === "reject") {
    body = { reason: form.elements.reason.value.trim() };
    if (body.reason.length < 3) {
      showError(form, { message: t("Say why: the author receives the reason."), field: "reason" });
      return;
    }
  }
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  try {
    await api("POST", `/api/v1/moderation/items/${item.dataset.itemId}/${action}`, body);
    item.remove();
    document.getElementById("queue-empty").hidden = queue.children.length > 0;
  } catch (error) {
    showError(form, error);
    for (const b of form.querySelectorAll("button")) b.disabled = false;
  }
});

const words = document.getElementById("word-form");
if (words) {
  words.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/v1/moderation/watched-words", {
        word: words.elements.word.value.trim(), action: words.elements.action.value,
      });
      window.location.reload();
    } catch (error) {
      showError(words, error);
    }
  });
  document.getElementById("word-list").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-remove]");
    if (!button) return;
    await api("DELETE", `/api/v1/moderation/watched-words/${button.dataset.remove}`).catch(() => null);
    button.closest("li").remove();
  });
}
