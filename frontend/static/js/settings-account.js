// Her account: a new password, the places she is logged in (end one or all others) and her API keys.
import { api, clearMessages as clear, showError } from "./api.js";
import { t } from "./page.js";

const passwordForm = document.getElementById("password-form");
passwordForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clear(passwordForm);
  const { current_password: current, new_password: fresh, repeat_password: repeat } = passwordForm.elements;
  if (fresh.value !== repeat.value) {
    passwordForm.querySelector(".form-error").textContent = t("The two new passwords are not the same.");
    repeat.focus();
    return;
  }
  try {
    await api("POST", "/api/v1/auth/password", { current_password: current.value, new_password: fresh.value });
    passwordForm.reset();
    passwordForm.querySelector(".saved").textContent =
      t("Your password has been changed. You are logged out on your other devices.");
    document.querySelectorAll(".login-item:not(:first-child)").forEach((item) => item.remove());
    document.getElementById("end-others")?.remove();
  } catch (error) {
    showError(passwordForm, error);
  }
});

const logins = document.getElementById("logins");
logins.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  clear(logins);
  try {
    if (button.id === "end-others") {
      const { ended } = await api("POST", "/api/v1/auth/sessions/end-others");
      logins.querySelectorAll(".end-session").forEach((end) => end.closest("li").remove());
      button.remove();
      logins.querySelector(".saved").textContent = ended === 1
        ? t("You are logged out on 1 other device.") : t("You are logged out on %(count)s other devices.", { count: ended });
    } else if (button.classList.contains("end-session")) {
      const item = button.closest("li");
      await api("DELETE", `/api/v1/auth/sessions/${item.dataset.sessionId}`);
      item.remove();
      if (!logins.querySelector(".end-session")) document.getElementById("end-others")?.remove();
      logins.querySelector(".saved").textContent = t("Logged out there.");
    }
  } catch (error) {
    showError(logins, error);
  }
});

const tokens = document.getElementById("tokens");
const tokenList = tokens.querySelector(".token-list");
tokenList.addEventListener("click", async (event) => {
  const button = event.target.closest(".revoke-token");
  if (!button) return;
  const item = button.closest("li");
  if (!window.confirm(t("Revoke this key? Programs that use it stop working."))) return;
  try {
    await api("DELETE", `/api/v1/auth/tokens/${item.dataset.tokenId}`);
    item.remove();
  } catch (error) {
    showError(tokenForm, error);
  }
});

const tokenForm = document.getElementById("token-form");
const shown = document.getElementById("new-token");
tokenForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clear(tokenForm);
  try {
    const made = await api("POST", "/api/v1/auth/tokens", { name: tokenForm.elements.name.value });
    tokenList.querySelector(".empty-tokens")?.remove();
    const item = document.createElement("li");
    item.className = "token-item";
    item.dataset.tokenId = made.id;
    const name = document.createElement("strong");
    name.textContent = made.name;
    const prefix = document.createElement("code");
    prefix.textContent = `${made.prefix}…`;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = t("Made just now · never used");
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "secondary revoke-token";
    revoke.textContent = t("Revoke");
    revoke.setAttribute("aria-label", t("Revoke key %(name)s", { name: made.name }));
    item.append(name, " ", prefix, meta, revoke);
    tokenList.prepend(item);
    tokenForm.reset();
    document.getElementById("new-token-value").textContent = made.token;
    document.getElementById("copied").textContent = "";
    shown.hidden = false;
    shown.focus();
  } catch (error) {
    showError(tokenForm, error);
  }
});

document.getElementById("copy-token").addEventListener("click", async () => {
  const copied = document.getElementById("copied");
  try {
    await navigator.clipboard.writeText(document.getElementById("new-token-value").textContent);
    copied.textContent = t("Copied.");
  } catch {
    copied.textContent = t("Select the key and copy it yourself.");
  }
});
