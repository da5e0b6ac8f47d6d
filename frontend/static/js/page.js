// Loaded by every page: the interface strings, relative times, logout, and the live connection.
import { api } from "./api.js";
import { LiveConnection } from "./live.js";

import { language, t } from "./i18n.js";

export { language, t };
const data = JSON.parse(document.getElementById("plein-page").textContent);
export const viewerId = data.viewer;

const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
const STEPS = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"], [Infinity, "year"]];

export function relativeTime(date) {
  let amount = (date.getTime() - Date.now()) / 1000;
  for (const [size, unit] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return "";
}

export function timeElement(iso) {
  const element = document.createElement("time");
  element.dateTime = iso;
  element.dataset.relative = "";
  const date = new Date(iso);
  element.title = date.toLocaleString(language, { timeZone: "Europe/Amsterdam", dateStyle: "medium", timeStyle: "short" });
  element.textContent = relativeTime(date);
  return element;
}

function refreshTimes() {
  for (const element of document.querySelectorAll("time[data-relative]")) {
    element.textContent = relativeTime(new Date(element.dateTime));
  }
}
setInterval(refreshTimes, 30000);

document.getElementById("logout")?.addEventListener("click", async () => {
  await api("POST", "/api/v1/auth/logout").catch(() => null);
  window.location.assign("/login");
});

// One connection per page, subscribed to what the page shows (and always to the member's own topic).
export const live = viewerId ? new LiveConnection(data.topics, document.getElementById("live-status"), {
  lost: t("Connection lost. Reconnecting…"),
  back: t("Connected again."),
}) : null;

// Listen for one kind of event: handler(payload, message).
export function onEvent(type, handler) {
  live?.addEventListener("event", (e) => {
    if (e.detail.event === type) handler(e.detail.payload, e.detail);
  });
}

// The unread badge in the header follows her notifications live, in every open page.
const badge = document.getElementById("unread-badge");
const notificationsLink = document.getElementById("notifications-link");

export function setUnread(count) {
  if (!badge) return;
  badge.dataset.count = String(count);
  badge.textContent = String(count);
  badge.hidden = count === 0;
  notificationsLink.setAttribute("aria-label", count
    ? t("Notifications, %(count)s unread", { count }) : notificationsLink.dataset.label);
}

onEvent("notification.created", (payload) => setUnread(payload.unread));
onEvent("notifications.read", (payload) => setUnread(payload.unread));

// A moderator's header shows how many posts wait in her queue, kept current live.
const queueBadge = document.getElementById("queue-badge");
if (queueBadge) {
  onEvent("moderation.changed", () => {
    api("GET", "/api/v1/moderation/count").then(({ pending }) => {
      queueBadge.textContent = String(pending);
      queueBadge.hidden = pending === 0;
    }).catch(() => null);
  });
}
