// A group's settings: its details (a new address takes the page there), archiving, and its channels —
// rename, reorder with the arrow buttons, archive, bring back, add.
import { api, clearMessages as clear, reloadSaying, showError, whatWasSaid } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("group-form");
const groupId = form.dataset.groupId;
const channels = document.getElementById("channels");
const channelStatus = channels.querySelector(".saved");

const said = whatWasSaid();
if (said) {
  channelStatus.textContent = said.message;
  document.getElementById(said.focusId)?.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clear(form);
  const data = {
    name: form.elements.name.value, slug: form.elements.slug.value.trim().toLowerCase(),
    description: form.elements.description.value, visibility: form.elements.visibility.value,
    premoderated: form.elements.premoderated.checked,
  };
  if (form.elements.parent_id) data.parent_id = form.elements.parent_id.value ? Number(form.elements.parent_id.value) : null;
  try {
    const group = await api("PATCH", `/api/v1/groups/${groupId}`, data);
    if (group.slug !== form.dataset.slug) {
      window.location.assign(`/groups/${encodeURIComponent(group.slug)}/settings`);
      return;
    }
    form.querySelector(".saved").textContent = t("Saved.");
  } catch (error) {
    showError(form, error);
  }
});

document.getElementById("archive-button")?.addEventListener("click", async (event) => {
  const section = document.getElementById("archive");
  clear(section);
  const archived = event.target.dataset.archived === "true";
  if (archived && !window.confirm(t("Archive this group? Nothing new can be posted in it until it is brought back."))) return;
  try {
    await api("PATCH", `/api/v1/groups/${groupId}`, { archived });
    reloadSaying(archived ? t("The group is archived.") : t("The group is back."), "archive-button");
  } catch (error) {
    showError(section, error);
  }
});

const list = channels.querySelector("ol");

async function saveOrder(moved, button) {
  const ids = [...list.children].map((item) => Number(item.dataset.channelId));
  try {
    await api("PUT", `/api/v1/groups/${groupId}/channel-order`, { channel_ids: ids });
    const name = moved.querySelector("input[name=name]").value;
    channelStatus.textContent = t("%(name)s is now number %(place)s.", { name, place: ids.indexOf(Number(moved.dataset.channelId)) + 1 });
    button.focus();
  } catch (error) {
    showError(channels, error);
  }
}

channels.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button || button.type === "submit") return;
  const item = button.closest("li");
  clear(channels);
  if (button.classList.contains("move-up") && item.previousElementSibling) {
    item.previousElementSibling.before(item);
    await saveOrder(item, button);
  } else if (button.classList.contains("move-down") && item.nextElementSibling) {
    item.nextElementSibling.after(item);
    await saveOrder(item, button);
  } else if (button.classList.contains("archive-channel") || button.classList.contains("restore-channel")) {
    const archived = button.classList.contains("archive-channel");
    try {
      await api("PATCH", `/api/v1/channels/${item.dataset.channelId}`, { archived });
      reloadSaying(archived ? t("The channel is archived. Its threads stay readable.") : t("The channel is back."),
        "channels-heading");
    } catch (error) {
      showError(channels, error);
    }
  }
});

channels.addEventListener("submit", async (event) => {
  const rename = event.target.closest(".rename-channel");
  if (!rename) return;
  event.preventDefault();
  clear(channels);
  clear(rename);
  try {
    const channel = await api("PATCH", `/api/v1/channels/${rename.closest("li").dataset.channelId}`,
      { name: rename.elements.name.value });
    rename.elements.name.value = channel.name;
    channelStatus.textContent = t("Saved.");
  } catch (error) {
    showError(rename, error);
  }
});

const channelForm = document.getElementById("channel-form");
channelForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  event.stopPropagation();
  clear(channelForm);
  try {
    const channel = await api("POST", `/api/v1/groups/${groupId}/channels`, {
      name: channelForm.elements.name.value, description: channelForm.elements.description.value,
    });
    reloadSaying(t("Channel #%(name)s is added.", { name: channel.name }), `channel-name-${channel.id}`);
  } catch (error) {
    showError(channelForm, error);
  }
});
