// Thread lists (home, group): new threads and new replies appear without reloading.
import { onEvent, t, timeElement } from "./page.js";

const list = document.getElementById("thread-list");

function kindLabel(kind) {
  return { question: t("Question"), motion: t("Motion") }[kind] || t("Discussion");
}

function replies(count) {
  return count === 1 ? t("1 reply") : t("%(num)d replies", { num: count });
}

function threadItem(thread) {
  const item = document.createElement("li");
  item.className = "thread-item new";
  item.dataset.threadId = thread.id;
  const badge = document.createElement("span");
  badge.className = `badge kind-${thread.kind}`;
  badge.textContent = kindLabel(thread.kind);
  const link = document.createElement("a");
  link.className = "thread-title";
  link.href = `/threads/${thread.id}`;
  link.textContent = thread.title;
  const excerpt = document.createElement("p");
  excerpt.className = "excerpt";
  excerpt.textContent = thread.excerpt;
  const meta = document.createElement("p");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = thread.author ? thread.author.display_name : t("Former member");
  const count = document.createElement("span");
  count.className = "reply-count";
  count.textContent = replies(thread.reply_count);
  const activity = document.createElement("span");
  activity.className = "last-activity";
  activity.append(timeElement(thread.last_activity_at));
  meta.append(author, " · ", count, " · " + t("active") + " ", activity);
  item.append(badge, " ", link, excerpt, meta);
  return item;
}

if (list) {
  const channelId = list.dataset.channelId ? Number(list.dataset.channelId) : null;
  onEvent("thread.created", (thread) => {
    if (channelId && thread.channel_id !== channelId) return;
    list.querySelector(`[data-thread-id="${thread.id}"]`)?.remove();
    list.prepend(threadItem(thread));
    document.querySelector(".empty")?.remove();
  });
  onEvent("thread.activity", (activity) => {
    const item = list.querySelector(`[data-thread-id="${activity.thread_id}"]`);
    if (!item) return;
    item.querySelector(".reply-count").textContent = replies(activity.reply_count);
    item.querySelector(".last-activity").replaceChildren(timeElement(activity.last_activity_at));
    list.prepend(item);
  });
  onEvent("thread.deleted", (payload) => {
    list.querySelector(`[data-thread-id="${payload.thread_id}"]`)?.remove();
  });
}
