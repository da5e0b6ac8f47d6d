// A published article as a card, built from its JSON (ArticleSummary) like the server's article_card macro.
import { t, timeElement } from "./page.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function personLink(person) {
  const link = element("a", "author", person.display_name);
  link.href = `/members/${encodeURIComponent(person.username)}`;
  return link;
}

export function renderArticleCard(article, { heading = "h3", wide = false } = {}) {
  const card = element("article", "article-card" + (wide ? " wide" : ""));
  card.dataset.articleId = String(article.id);
  if (article.cover) {
    const cover = element("img", "cover");
    cover.src = wide ? article.cover["800"] : article.cover["400"];
    cover.alt = article.cover_alt || "";
    card.append(cover);
  }
  const text = element("div", "card-text");
  if (article.series) {
    const series = element("p", "series-name");
    const link = element("a", "", article.series.name);
    link.href = `/articles?series=${encodeURIComponent(article.series.slug)}`;
    series.append(link);
    text.append(series);
  }
  const title = element(heading, "article-title");
  const link = element("a", "", article.title);
  link.href = article.url;
  title.append(link);
  text.append(title);
  if (article.lead) text.append(element("p", "lead", article.lead));
  const meta = element("p", "meta");
  if (article.subject) meta.append(t("With") + " ", personLink(article.subject), " · ");
  if (article.published_at) meta.append(t("Published") + " ", timeElement(article.published_at));
  const count = article.comment_count;
  meta.append(" · ", element("span", "comment-count", count === 1 ? t("1 comment") : t("%(num)d comments", { num: count })));
  text.append(meta);
  card.append(text);
  return card;
}
