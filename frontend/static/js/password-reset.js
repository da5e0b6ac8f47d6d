import { api, showError } from "./api.js";

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
    showError(form, error);
  }
});
