// Silencing or suspending a member, and lifting it: from her profile, and from the moderation page's list.
import { api, reloadSaying, showError, whatWasSaid } from "./api.js";
import { t } from "./page.js";

export async function lift(userId, kind) {
  if (kind === "suspended") await api("PATCH", `/api/v1/admin/users/${userId}`, { is_active: true });
  else await api("DELETE", `/api/v1/users/${userId}/silence`);
}

const section = document.getElementById("member-moderation");
if (section) {
  const userId = section.dataset.userId;
  const saved = section.querySelector(".saved");
  const form = document.getElementById("silence-form");
  const again = (message) => reloadSaying(message, "restrict-heading");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector(".form-error").textContent = "";
    try {
      await api("POST", `/api/v1/users/${userId}/silence`,
        { days: Number(form.elements.days.value), reason: form.elements.reason.value.trim() });
      again(t("Silenced."));
    } catch (error) {
      showError(form, error);
    }
  });
  document.getElementById("suspend-member")?.addEventListener("click", async () => {
    form.querySelector(".form-error").textContent = "";
    if (!window.confirm(t("Suspend this account? She is logged out everywhere and cannot log in."))) return;
    try {
      await api("POST", `/api/v1/users/${userId}/suspend`, { reason: form.elements.reason.value.trim() });
      again(t("The account is suspended."));
    } catch (error) {
      showError(form, error);
    }
  });
  for (const [id, kind, message] of [["lift-silence", "silenced", t("The silence is lifted.")],
    ["reactivate", "suspended", t("The account is active again.")]]) {
    document.getElementById(id)?.addEventListener("click", async () => {
      try {
        await lift(userId, kind);
        again(message);
      } catch (error) {
        saved.textContent = error.message;
      }
    });
  }
  const said = whatWasSaid();
  if (said) {
    saved.textContent = said.message;
    document.getElementById(said.focusId)?.focus();
  }
}

const list = document.getElementById("restricted");
list?.addEventListener("click", async (event) => {
  const button = event.target.closest(".lift-restriction");
  if (!button) return;
  const item = button.closest("li");
  list.querySelector(".form-error").textContent = "";
  try {
    await lift(item.dataset.userId, item.dataset.kind);
    item.remove();
    list.querySelector(".saved").textContent = item.dataset.kind === "suspended"
      ? t("The account is active again.") : t("The silence is lifted.");
    document.getElementById("restricted-heading").focus();
  } catch (error) {
    list.querySelector(".form-error").textContent = error.message;
  }
});
