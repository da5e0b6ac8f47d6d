// Mail choices and language: saved as soon as she changes one; a new language reloads the page in it.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("mail-settings");
const saved = form.querySelector(".saved");

form.addEventListener("change", async (event) => {
  const field = event.target.name;
  saved.textContent = "";
  form.querySelector(".form-error").textContent = "";
  try {
    if (field === "language") {
      await api("PATCH", "/api/v1/me", { language: event.target.value });
      window.location.reload();
      return;
    }
    const value = event.target.type === "checkbox" ? event.target.checked : event.target.value;
    await api("PATCH", "/api/v1/me/notification-settings", { [field]: value });
    saved.textContent = t("Saved.");
  } catch (error) {
    showError(form, error);
  }
});
