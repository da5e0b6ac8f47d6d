// The home page's unread notifications (the newest few, kept current as they arrive and are read) and its
// featured article.
import { api } from "./api.js";
import { renderArticleCard } from "./article-card.js";
import { renderNotification } from "./notification-view.js";
import { onEvent } from "./page.js";

const SHOWN = 5;
const list = document.getElementById("home-notifications");
const upToDate = document.getElementById("no-unread");

function show(items) {
  list.replaceChildren(...items.slice(0, SHOWN).map(renderNotification));
  upToDate.hidden = items.length > 0;
}

show(JSON.parse(document.getElementById("unread-data").textContent).items);
onEvent("notification.created", (payload) => {
  const others = [...list.children].filter((item) => item.dataset.id !== String(payload.notification.id));
  list.replaceChildren(renderNotification(payload.notification), ...others.slice(0, SHOWN - 1));
  upToDate.hidden = true;
});
onEvent("notifications.read", () => {
  api("GET", `/api/v1/notifications?unread=true&limit=${SHOWN}`).then((fresh) => show(fresh.items)).catch(() => null);
});

// The featured article: a newly published one takes the place at once, on every open home page.
const featured = document.getElementById("featured");
const noFeatured = document.getElementById("no-featured");

function feature(article) {
  featured.replaceChildren(...(article ? [renderArticleCard(article, { heading: "h3", wide: true })] : []));
  noFeatured.hidden = Boolean(article);
}

function shownId() {
  return featured.firstElementChild?.dataset.articleId;
}

onEvent("article.published", (article) => feature(article));
onEvent("article.updated", (article) => { if (shownId() === String(article.id)) feature(article); });
onEvent("article.unpublished", (payload) => {
  if (shownId() !== String(payload.id)) return;
  api("GET", "/api/v1/articles/featured").then(feature).catch(() => null);
});
