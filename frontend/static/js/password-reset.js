import { api, showError } from "./api.js";
import { t } from "./i18n.js";

const form = document.getElementById("reset-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/v1/auth/password-reset/confirm", {
      token: form.dataset.token, new_password: form.elements.new_password.value,
    });
    form.hidden = true;
    document.getElementById("reset-done").hidden = false;
  } catch (error) {
    if (error.status === 404 || error.status === 410) {
      showError(form, { message: t("This link does not work (any more). Ask for a new one on the login page.") });
    } else {
      showError(form, error);
    }
  }
});
