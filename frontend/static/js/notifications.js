// The notification panel: her notifications, newest first; new ones arrive live; reading one marks it read.
import { api, csrfToken } from "./api.js";
import { onEvent, setUnread, t, timeElement } from "./page.js";

const list = document.getElementById("notification-list");
const empty = document.getElementById("no-notifications");
const page = JSON.parse(document.getElementById("notification-data").textContent);

function describe(n) {
  const values = {
    actor: n.actor ? n.actor.display_name : t("Someone"), title: n.thread ? n.thread.title : "",
    group: n.group ? n.group.name : "", count: n.count,
  };
  switch (n.kind) {
    case "mention": return t("%(actor)s mentioned you in %(title)s", values);
    case "reply": return n.count > 1 ? t("%(count)s new replies in %(title)s", values) : t("%(actor)s replied in %(title)s", values);
    case "new_thread": return t("%(actor)s started %(title)s in %(group)s", values);
    case "question": return t("%(actor)s asks you, as a portfolio holder: %(title)s", values);
    case "join_request": return n.detail === "approved" ? t("You are now a member of %(group)s", values)
      : t("Your request to join %(group)s was declined", values);
    case "moderation": return t("A moderator removed your post in %(group)s", values);
    case "article": return t("New article: %(title)s", values);
    default: return t("Something happened in %(group)s", values);
  }
}

function render(n) {
  const item = document.createElement("li");
  item.className = "notification" + (n.read ? "" : " unread");
  item.dataset.id = String(n.id);
  const link = document.createElement("a");
  link.href = n.url;
  link.className = "notification-text";
  link.textContent = describe(n);
  if (n.kind === "moderation" && n.detail) {
    const detail = document.createElement("span");
    detail.className = "detail";
    detail.textContent = n.detail;
    link.append(detail);
  }
  if (!n.read) {
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + t("(unread)");
    link.append(hidden);
  }
  link.addEventListener("click", () => {
    if (item.classList.contains("unread")) {
      // keepalive: the request still goes out while the browser follows the link.
      fetch(`/api/v1/notifications/${n.id}/read`, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      });
    }
  });
  item.append(link, timeElement(n.updated_at));
  return item;
}

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
