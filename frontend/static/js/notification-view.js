// One notification as a list item: its sentence in her language, a link that marks it read, its time.
import { csrfToken } from "./api.js";
import { language, t, timeElement } from "./page.js";

function describe(n) {
  const values = {
    actor: n.actor ? n.actor.display_name : t("Someone"), title: n.thread ? n.thread.title : "",
    group: n.group ? n.group.name : "", count: n.count,
  };
  if (n.article) values.title = n.article.title;
  switch (n.kind) {
    case "mention": return t("%(actor)s mentioned you in %(title)s", values);
    case "reply": return n.count > 1 ? t("%(count)s new replies in %(title)s", values) : t("%(actor)s replied in %(title)s", values);
    case "new_thread": return t("%(actor)s started %(title)s in %(group)s", values);
    case "question": return t("%(actor)s asks you, as a portfolio holder: %(title)s", values);
    case "join_request": return n.detail === "approved" ? t("You are now a member of %(group)s", values)
      : t("Your request to join %(group)s was declined", values);
    case "moderation": return t("A moderator removed your post in %(group)s", values);
    case "post_approved": return n.detail ? t("Your post in “%(title)s” was approved: everyone sees it now", { title: n.detail })
      : t("Your post in %(group)s was approved: everyone sees it now", values);
    case "group_merged": return t("%(old)s was merged into %(group)s: you are a member there", { ...values, old: n.detail || "" });
    case "article": return t("New article: %(title)s", values);
    case "series_reminder": return t("No article is scheduled yet for %(series)s on %(date)s", {
      series: n.series ? n.series.name : "", date: new Date(`${n.detail}T12:00:00Z`).toLocaleDateString(language, { dateStyle: "long" }),
    });
    default: return t("There is news in %(group)s", values);
  }
}

export function renderNotification(n) {
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
