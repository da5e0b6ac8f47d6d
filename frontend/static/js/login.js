// Log in, then go where the member was headed; or ask for a password reset link.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("login-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/v1/auth/login", {
      email: form.elements.email.value, password: form.elements.password.value,
    });
    window.location.assign(form.dataset.next || "/");
  } catch (error) {
    showError(form, error.status === 401 ? { message: t("Wrong email address or password."), field: "password" } : error);
  }
});

const forgot = document.getElementById("forgot-form");
document.getElementById("forgot-link").addEventListener("click", (event) => {
  event.preventDefault();
  forgot.hidden = false;
  forgot.elements.email.value = form.elements.email.value;
  forgot.elements.email.focus();
});
forgot.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/v1/auth/password-reset", { email: forgot.elements.email.value });
    forgot.querySelector(".form-done").textContent = t("If that address has an account, a link is on its way.");
  } catch (error) {
    showError(forgot, error);
  }
});
