// Posting her own motion that starts from another: the original is linked (based_on_id).
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("reuse-form");
form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  form.querySelector(".form-error").textContent = "";
  const value = (name) => form.elements[name].value.trim();
  if (!value("municipality")) {
    showError(form, { message: t("Which municipality is this motion for?"), field: "municipality" });
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const thread = await api("POST", `/api/v1/channels/${value("channel_id")}/threads`, {
      kind: "motion", title: value("title"), body: form.elements.body.value,
      based_on_id: Number(form.dataset.basedOn),
      motion: { municipality: value("municipality"), date: value("date") || null, status: value("status") },
    });
    window.location.assign(`/threads/${thread.id}`);
  } catch (error) {
    showError(form, error);
  } finally {
    button.disabled = false;
  }
});
