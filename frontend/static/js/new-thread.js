// Starting a thread from the group page: discussion, question or motion; then open it.
import { api, showError } from "./api.js";
import { setupComposer } from "./composer.js";
import { t } from "./page.js";

const form = document.getElementById("thread-form");
const composer = setupComposer(form);
const motionFields = form.querySelector(".motion-fields");

form.addEventListener("change", (event) => {
  if (event.target.name === "kind") motionFields.hidden = event.target.value !== "motion";
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = form.elements.kind.value;
  const { body, attachment_ids } = composer.values();
  const data = { kind, title: form.elements.title.value.trim(), body, attachment_ids };
  if (!data.title) {
    showError(form, { message: t("Give your thread a title."), field: "title" });
    return;
  }
  if (kind === "motion") {
    data.motion = {
      municipality: form.elements.municipality.value.trim() || null,
      date: form.elements.date.value || null,
      status: form.elements.status.value,
    };
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const thread = await api("POST", `/api/v1/channels/${form.dataset.channelId}/threads`, data);
    window.location.assign(`/threads/${thread.id}`);
  } catch (error) {
    showError(form, error);
    button.disabled = false;
  }
});
