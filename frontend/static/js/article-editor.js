// The article editor: save (the first save creates the article), preview, schedule in Amsterdam time,
// publish now, cancel the schedule, unpublish, and the cover image with upload progress.
import { ApiError, api, showError, uploadFile } from "./api.js";
import { language, t } from "./page.js";

const data = JSON.parse(document.getElementById("article-data").textContent);
let article = data.article;
const form = document.getElementById("article-form");
const statusLine = document.getElementById("status-line");
const publishPanel = document.getElementById("publish-panel");
const coverPanel = document.getElementById("cover-panel");
const scheduleForm = document.getElementById("schedule-form");
const params = new URLSearchParams(window.location.search);

function amsterdam(iso, style = "long") {
  return new Date(iso).toLocaleString(language, { timeZone: "Europe/Amsterdam", dateStyle: style, timeStyle: "short" });
}

// "2026-12-01T09:00:00Z" → "2026-12-01T10:00", the wall-clock time in Amsterdam for a datetime-local input.
function amsterdamInput(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function show(next) {
  article = next;
  publishPanel.hidden = coverPanel.hidden = !article;
  if (!article) return;
  const state = document.getElementById("publication-state");
  if (article.status === "published") state.textContent = t("Published on %(when)s.", { when: amsterdam(article.published_at) });
  else if (article.status === "scheduled") state.textContent = t("Scheduled for %(when)s.", { when: amsterdam(article.scheduled_at) });
  else state.textContent = t("Draft: only editors see it.");
  document.getElementById("publish-now").hidden = article.status === "published";
  document.getElementById("unschedule").hidden = article.status !== "scheduled";
  document.getElementById("unpublish").hidden = article.status !== "published";
  scheduleForm.hidden = article.status === "published";
  if (article.scheduled_at) scheduleForm.elements.publish_at.value = amsterdamInput(article.scheduled_at);
  const link = document.getElementById("article-link");
  const anchor = document.createElement("a");
  anchor.href = article.url;
  anchor.textContent = article.status === "published" ? t("View the article") : t("View as editor");
  link.replaceChildren(anchor);
  const cover = document.getElementById("cover-preview");
  if (article.cover) {
    cover.src = article.cover["400"];
    cover.hidden = false;
  }
  document.querySelector("h1").textContent = article.title;
}

if (!article && params.get("series")) form.elements.series_id.value = params.get("series");
// A link that carries a moment (the series calendar's "Plan een artikel") fills it in; one that does not
// parse is left out rather than stopping the editor (which would lose what she writes).
const plannedAt = !article && params.get("at") ? new Date(params.get("at")) : null;
if (plannedAt && !Number.isNaN(plannedAt.getTime())) scheduleForm.elements.publish_at.value = amsterdamInput(plannedAt);
show(article);

async function subjectId() {
  const username = form.elements.subject.value.trim().replace(/^@/, "");
  if (!username) return null;
  try {
    return (await api("GET", `/api/v1/users/by-username/${encodeURIComponent(username)}`)).id;
  } catch (error) {
    if (error.status === 404) throw new ApiError(422, { code: "invalid", field: "subject", message: t("There is no member with that username.") });
    throw error;
  }
}

async function save() {
  const body = {
    title: form.elements.title.value, lead: form.elements.lead.value, body: form.elements.body.value,
    series_id: form.elements.series_id.value ? Number(form.elements.series_id.value) : null,
    subject_id: await subjectId(), in_public_feed: form.elements.in_public_feed.checked,
  };
  if (!article) {
    const created = await api("POST", "/api/v1/articles", body);
    window.history.replaceState(null, "", `/manage/articles/${created.id}`);
    return created;
  }
  return api("PATCH", `/api/v1/articles/${article.id}`, body);
}

function done(message) {
  statusLine.textContent = message;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  form.querySelector(".form-error").textContent = "";
  if (!form.elements.title.value.trim()) {
    showError(form, { message: t("Give the article a title."), field: "title" });
    return;
  }
  try {
    show(await save());
    done(t("Saved."));
  } catch (error) {
    showError(form, error);
  }
});

document.getElementById("preview-button").addEventListener("click", async () => {
  try {
    const preview = await api("POST", "/api/v1/markdown/preview", { body: form.elements.body.value || " " });
    const holder = document.getElementById("article-preview");
    holder.innerHTML = preview.html; // sanitised by the server, as a stored article is
    const title = document.createElement("h1");
    title.textContent = form.elements.title.value;
    const lead = document.createElement("p");
    lead.className = "lead";
    lead.textContent = form.elements.lead.value;
    holder.prepend(title, lead);
    document.getElementById("preview-section").hidden = false;
    document.getElementById("preview-heading").scrollIntoView({ behavior: "smooth" });
  } catch (error) {
    showError(form, error);
  }
});

scheduleForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  scheduleForm.querySelector(".form-error").textContent = "";
  const value = scheduleForm.elements.publish_at.value;
  if (!value) {
    showError(scheduleForm, { message: t("Choose a date and time."), field: "publish_at" });
    return;
  }
  try {
    await save();
    show(await api("POST", `/api/v1/articles/${article.id}/schedule`, { publish_at: value }));
    done(t("Scheduled for %(when)s.", { when: amsterdam(article.scheduled_at) }));
  } catch (error) {
    showError(scheduleForm, error);
  }
});

async function action(path, message) {
  statusLine.textContent = "";
  try {
    show(await api(path === "unschedule" ? "DELETE" : "POST",
      `/api/v1/articles/${article.id}/${path === "unschedule" ? "schedule" : path}`));
    done(message());
  } catch (error) {
    statusLine.textContent = error.message;
  }
}

document.getElementById("publish-now").addEventListener("click", async () => {
  if (!window.confirm(t("Publish this article now? Every member will be notified."))) return;
  try {
    await save();
  } catch (error) {
    showError(form, error);
    return;
  }
  await action("publish", () => t("Published on %(when)s.", { when: amsterdam(article.published_at) }));
});
document.getElementById("unschedule").addEventListener("click", () => action("unschedule", () => t("The schedule is cancelled; it is a draft again.")));
document.getElementById("unpublish").addEventListener("click", () => {
  if (window.confirm(t("Unpublish this article? Members no longer see it or its comments."))) {
    action("unpublish", () => t("Unpublished; it is a draft again."));
  }
});

const coverForm = document.getElementById("cover-form");
coverForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  coverForm.querySelector(".form-error").textContent = "";
  const file = coverForm.elements.file.files[0];
  const progress = document.getElementById("cover-progress");
  try {
    if (file) {
      progress.hidden = false;
      show(await uploadFile("PUT", `/api/v1/articles/${article.id}/cover`, file, (f) => { progress.value = f * 100; },
        t("The upload failed.")));
    }
    show(await api("PATCH", `/api/v1/articles/${article.id}`, { cover_alt: coverForm.elements.cover_alt.value }));
    done(t("Saved."));
  } catch (error) {
    showError(coverForm, error);
  } finally {
    progress.hidden = true;
  }
});
