// The notification panel: her notifications, newest first; new ones arrive live; reading one marks it read.
import { api } from "./api.js";
import { renderNotification as render } from "./notification-view.js";
import { onEvent, setUnread } from "./page.js";

const list = document.getElementById("notification-list");
const empty = document.getElementById("no-notifications");
const page = JSON.parse(document.getElementById("notification-data").textContent);

function show(n, { first = false } = {}) {
  list.querySelector(`[data-id="${n.id}"]`)?.remove();  // a line that folded in one more reply moves up
  if (first) list.prepend(render(n));
  else list.append(render(n));
  empty.hidden = true;
}

for (const n of page.items) show(n);
empty.hidden = page.items.length > 0;

onEvent("notification.created", (payload) => show(payload.notification, { first: true }));
onEvent("notifications.read", () => {
  // Read elsewhere (another tab, or the thread itself): refresh the list's state.
  api("GET", "/api/v1/notifications").then((fresh) => {
    list.replaceChildren();
    for (const n of fresh.items) show(n);
    setUnread(fresh.unread);
  }).catch(() => null);
});

document.getElementById("mark-all-read").addEventListener("click", async () => {
  // The line at the top is the most recently updated one she has seen; anything newer stays unread.
  const top = Number(list.firstElementChild?.dataset.id || 0);
  const answer = await api("POST", "/api/v1/notifications/read", top ? { up_to_id: top } : {});
  for (const item of list.querySelectorAll(".unread")) {
    item.classList.remove("unread");
    item.querySelector(".visually-hidden")?.remove();
  }
  setUnread(answer.unread);
});
