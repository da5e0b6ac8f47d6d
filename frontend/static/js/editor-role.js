// Staff give or take the editor role on a member's profile page; saved as soon as it changes.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("editor-role");
form?.addEventListener("change", async (event) => {
  const saved = form.querySelector(".saved");
  saved.textContent = "";
  form.querySelector(".form-error").textContent = "";
  try {
    await api("PATCH", `/api/v1/admin/users/${form.dataset.userId}`, { is_editor: event.target.checked });
    saved.textContent = t("Saved.");
  } catch (error) {
    event.target.checked = !event.target.checked;
    showError(form, error);
  }
});
