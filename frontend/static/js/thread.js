// The thread page: reply (shown at once, reconciled with the server), react, quote, edit, delete, history,
// and everything others do appears live. On an article's page the same script runs its comments: replying
// and reacting then go through the article (which makes her a member of the comments' group).
import { api, showError } from "./api.js";
import { setupComposer } from "./composer.js";
import { onEvent, setUnread, t, timeElement, viewerId } from "./page.js";

const REACTIONS = ["👍", "❤️", "🎉", "😄", "🤔", "👀", "🙏"];
// Why a post waits for a moderator (as macros.html held_reason says it).
const HELD_BECAUSE = {
  watched_word: t("It contains a word a moderator wants to see first."),
  personal_data: t("It seems to contain a citizen's personal data, such as a citizen service number, a bank account or a phone number."),
  premoderation: t("In this group a moderator reads every post before others see it."),
  new_member: t("A moderator reads the first posts of a new member before others see them."),
};
const list = document.getElementById("reply-list");
const threadId = Number(list.dataset.threadId);
const articleId = list.dataset.articleId ? Number(list.dataset.articleId) : null;

function sendReply(values) {
  return articleId ? api("POST", `/api/v1/articles/${articleId}/comments`, values)
    : api("POST", `/api/v1/threads/${threadId}/replies`, values);
}

function sendReaction(postId, emoji, on) {
  if (articleId) return api("POST", `/api/v1/articles/${articleId}/reactions`, { post_id: Number(postId), emoji, on });
  return api(on ? "PUT" : "DELETE", `/api/v1/posts/${postId}/reactions/${encodeURIComponent(emoji)}`);
}
const template = document.getElementById("post-template");
const countElement = document.getElementById("reply-count");
const form = document.getElementById("reply-form");
const composer = form ? setupComposer(form) : null;

function setCount(count) {
  countElement.dataset.count = count;
  if (articleId) countElement.textContent = count === 1 ? t("1 comment") : t("%(num)d comments", { num: count });
  else countElement.textContent = count === 1 ? t("1 reply") : t("%(num)d replies", { num: count });
}

function postElement(id) {
  return document.querySelector(`article.post[data-post-id="${id}"]`);
}

function fillReactions(article, reactions) {
  const holder = article.querySelector(".reactions");
  if (!holder) return;
  holder.replaceChildren(...reactions.map((r) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "reaction" + (r.mine ? " mine" : "");
    button.dataset.emoji = r.emoji;
    button.setAttribute("aria-pressed", r.mine ? "true" : "false");
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = r.count;
    button.append(`${r.emoji} `, count);
    return button;
  }));
}

// A post from its JSON (PostOut), built from the page's <template> so it looks like the server's.
function renderPost(post) {
  const article = template.content.firstElementChild.cloneNode(true);
  article.id = `post-${post.id}`;
  article.dataset.postId = post.id;
  const header = article.querySelector(".post-header");
  const author = header.querySelector(".author");
  author.textContent = post.author ? post.author.display_name : t("Former member");
  const role = [post.author?.title, post.author?.municipality].filter(Boolean).join(", ");
  if (role) {
    const detail = document.createElement("span");
    detail.className = "muted";
    detail.textContent = role;
    author.after(" ", detail);
  }
  author.parentElement.id = `post-${post.id}-author`;
  article.setAttribute("aria-labelledby", `post-${post.id}-author`);
  header.querySelector("time").replaceWith(timeElement(post.created_at));
  article.querySelector(".post-body").innerHTML = post.body_html; // sanitised by the server
  if (post.quote) {
    const quote = document.createElement("blockquote");
    quote.className = "quote";
    const who = document.createElement("p");
    who.className = "muted";
    const quoted = post.quote.author ? post.quote.author.display_name : t("Former member");
    who.textContent = quoted + " " + t("wrote") + ":";
    const text = document.createElement("p");
    text.textContent = post.quote.excerpt;
    quote.append(who, text);
    article.querySelector(".post-body").before(quote);
  }
  if (post.attachments.length) {
    const files = document.createElement("ul");
    files.className = "attachments";
    for (const a of post.attachments) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = a.url;
      link.textContent = a.filename;
      item.append(link);
      files.append(item);
    }
    article.querySelector(".post-body").after(files);
  }
  fillReactions(article, post.reactions);
  // What she may do is the server's answer for her (can_*), never derived here.
  if (!post.can_edit) article.querySelector(".edit-button")?.remove();
  if (!post.can_delete) article.querySelector(".delete-button")?.remove();
  if (!post.can_flag) article.querySelector(".flag-button")?.remove();
  showAnswerState(article, post.is_answer);
  if (post.held) {
    const badge = document.createElement("span");
    badge.className = "badge held";
    badge.textContent = t("Waiting for a moderator");
    header.append(" ", badge);
  }
  if (post.held && post.held_reasons?.length) {
    const why = document.createElement("p");
    why.className = "held-why";
    why.textContent = [...post.held_reasons.map((r) => HELD_BECAUSE[r] || ""),
      t("A moderator will look at it soon; until then only you and the moderators see it.")].join(" ").trim();
    header.after(why);
  }
  if (post.edited_at) markEdited(article);
  return article;
}

// --- a question's answer: a badge on the reply, and the button of whoever may choose it -------------------
function showAnswerState(article, isAnswer) {
  const header = article.querySelector(".post-header");
  const badge = header.querySelector(".badge.answer");
  if (isAnswer && !badge) {
    const mark = document.createElement("span");
    mark.className = "badge answer";
    mark.textContent = t("Answer");
    header.append(" ", mark);
  } else if (!isAnswer && badge) badge.remove();
  const button = article.querySelector(".answer-button");
  if (button) {
    button.setAttribute("aria-pressed", isAnswer ? "true" : "false");
    button.textContent = isAnswer ? t("Not the answer after all") : t("Mark as the answer");
  }
}

function showAnswer(answerPostId) {
  for (const article of list.querySelectorAll("article.post[data-post-id]")) {
    showAnswerState(article, Number(article.dataset.postId) === answerPostId);
  }
  const state = document.querySelector(".question-state .badge");
  if (state) {
    state.classList.toggle("answer", answerPostId !== null);
    state.textContent = answerPostId !== null ? t("Answered") : t("Not answered yet");
  }
}
onEvent("thread.answered", (payload) => showAnswer(payload.answer_post_id));

function markEdited(article) {
  if (article.querySelector(".history-button")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button history-button";
  button.textContent = t("edited");
  article.querySelector(".post-header time").after(" · ", button);
}

function showPost(post) {
  const existing = postElement(post.id);
  const article = renderPost(post);
  if (existing) existing.replaceWith(article);
  else {
    // Live posts are fetched one by one (viewOf), so they may arrive out of order: keep the thread's order.
    const later = [...list.querySelectorAll("article.post[data-post-id]")]
      .find((a) => Number(a.dataset.postId) > Number(post.id));
    if (later) later.before(article);
    else list.append(article);
  }
  return article;
}

// --- replying: shown at once, then reconciled with what the server made of it -----------------------
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = composer.values();
    if (!values.body.trim()) {
      showError(form, { message: t("Write a message first."), field: "body" });
      return;
    }
    const pending = renderPost({
      id: `pending-${Date.now()}`, author: { id: viewerId, display_name: t("You") }, created_at: new Date().toISOString(),
      body_html: "", quote: null, attachments: [], reactions: [], can_edit: false, can_delete: false,
    });
    pending.querySelector(".post-body").textContent = values.body;
    pending.classList.add("pending");
    pending.querySelector(".post-actions")?.remove();
    list.append(pending);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const post = await sendReply(values);
      const live = postElement(post.id); // the server's event may have come first (it counted the reply then)
      if (live) pending.remove();
      else {
        pending.replaceWith(renderPost(post));
        setCount(Number(countElement.dataset.count) + 1);
      }
      composer.reset();
    } catch (error) {
      pending.remove();
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
}

// A live event is everyone's view of the post (no can_*): ask the API for hers before drawing it.
async function viewOf(post) {
  try {
    return await api("GET", `/api/v1/posts/${post.id}`);
  } catch {
    return post; // gone again, or the connection dropped: draw it without actions
  }
}

onEvent("post.created", async (event) => {
  if (event.thread_id !== threadId || postElement(event.id)) return; // our own reply, already reconciled
  const post = await viewOf(event);
  if (postElement(post.id)) return;
  showPost(post);
  setCount(Number(countElement.dataset.count) + 1);
});
onEvent("post.updated", async (event) => { if (postElement(event.id)) showPost(await viewOf(event)); });
onEvent("post.deleted", (payload) => {
  const article = postElement(payload.post_id);
  if (!article) return;
  article.classList.add("deleted");
  const body = article.querySelector(".post-body");
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = t("This message was deleted.");
  body.replaceChildren(note);
  article.querySelector(".post-actions")?.remove();
  article.querySelector(".attachments")?.remove();
});
onEvent("reaction.changed", (payload) => {
  const article = postElement(payload.post_id);
  if (!article) return;
  // The event is everyone's view; keep which ones are mine from what this page knows.
  const mine = new Set([...article.querySelectorAll(".reaction.mine")].map((b) => b.dataset.emoji));
  fillReactions(article, payload.reactions.map((r) => ({ ...r, mine: mine.has(r.emoji) })));
});
onEvent("thread.updated", () => window.location.reload());

// --- actions on a post ---------------------------------------------------------------------------------
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  const article = button?.closest("article.post");
  if (!article || article.classList.contains("pending")) return;
  const postId = article.dataset.postId;
  try {
    if (button.classList.contains("reaction")) {
      const on = button.getAttribute("aria-pressed") !== "true";
      const post = await sendReaction(postId, button.dataset.emoji, on);
      fillReactions(article, post.reactions);
    } else if (button.classList.contains("react-button")) {
      showReactionPicker(article, button);
    } else if (button.classList.contains("quote-button") && composer) {
      const author = article.querySelector(".author").textContent;
      composer.quote(Number(postId), author, article.querySelector(".post-body").textContent.trim().slice(0, 140));
    } else if (button.classList.contains("delete-button")) {
      if (window.confirm(t("Delete this message?"))) await api("DELETE", `/api/v1/posts/${postId}`);
    } else if (button.classList.contains("edit-button")) {
      startEdit(article, postId);
    } else if (button.classList.contains("history-button")) {
      await showHistory(postId);
    } else if (button.classList.contains("flag-button")) {
      openFlagDialog(postId);
    } else if (button.classList.contains("answer-button")) {
      const undo = button.getAttribute("aria-pressed") === "true";
      const thread = undo ? await api("DELETE", `/api/v1/threads/${threadId}/answer`)
        : await api("PUT", `/api/v1/threads/${threadId}/answer`, { post_id: Number(postId) });
      showAnswer(thread.answer_post_id);
      button.focus();
    }
  } catch (error) {
    window.alert(error.message);
  }
});

function showReactionPicker(article, anchor) {
  article.querySelector(".reaction-picker")?.remove();
  const picker = document.createElement("span");
  picker.className = "reaction-picker";
  picker.setAttribute("role", "group");
  picker.setAttribute("aria-label", t("Choose a reaction"));
  for (const emoji of REACTIONS) {
    const choice = document.createElement("button");
    choice.type = "button";
    choice.textContent = emoji;
    choice.setAttribute("aria-label", t("React with %(emoji)s", { emoji }));
    choice.addEventListener("click", async () => {
      const post = await sendReaction(article.dataset.postId, emoji, true);
      fillReactions(article, post.reactions);
      picker.remove();
    });
    picker.append(choice);
  }
  anchor.after(picker);
  picker.querySelector("button").focus();
}

async function startEdit(article, postId) {
  const post = await api("GET", `/api/v1/posts/${postId}`);
  const editor = document.createElement("form");
  editor.className = "stack edit-form";
  const label = document.createElement("label");
  label.textContent = t("Edit your message");
  const area = document.createElement("textarea");
  area.value = post.body;
  area.rows = 5;
  area.id = `edit-${postId}`;
  label.htmlFor = area.id;
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = t("Save");
  const error = document.createElement("p");
  error.className = "form-error";
  error.setAttribute("role", "alert");
  editor.append(label, area, save, error);
  article.querySelector(".post-body").after(editor);
  area.focus();
  editor.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      showPost(await api("PATCH", `/api/v1/posts/${postId}`, { body: area.value }));
    } catch (err) {
      error.textContent = err.message;
    }
  });
}

async function showHistory(postId) {
  const dialog = document.getElementById("history-dialog");
  const revisions = await api("GET", `/api/v1/posts/${postId}/revisions`);
  dialog.querySelector(".revisions").replaceChildren(...revisions.map((r) => {
    const item = document.createElement("li");
    const when = timeElement(r.created_at);
    const text = document.createElement("pre");
    text.textContent = r.body;
    item.append(when, text);
    return item;
  }));
  dialog.showModal();
}

// Reading the thread marks it read (for her digest) and clears its notifications; new replies that arrive
// while she looks at the page count as read too, once the page is visible.
let readUpTo = 0;
let reading = null;

function newestPostId() {
  const ids = [...document.querySelectorAll("article.post[data-post-id]")].map((a) => Number(a.dataset.postId));
  return Math.max(0, ...ids.filter((id) => id > 0));
}

function markRead() {
  const newest = newestPostId();
  if (document.visibilityState !== "visible" || newest <= readUpTo || reading) return;
  reading = api("POST", `/api/v1/threads/${threadId}/read`, { post_id: newest })
    .then((answer) => { readUpTo = newest; setUnread(answer.unread); })
    .catch(() => null)
    .finally(() => { reading = null; });
}

markRead();
document.addEventListener("visibilitychange", markRead);
onEvent("post.created", () => setTimeout(markRead, 0));

// Reporting a post to the moderators.
const flagDialog = document.getElementById("flag-dialog");
const flagForm = document.getElementById("flag-form");
let flaggedPost = null;

function openFlagDialog(postId) {
  flaggedPost = postId;
  flagForm.reset();
  flagForm.querySelector(".form-error").textContent = "";
  flagForm.querySelector(".form-done").textContent = "";
  flagForm.querySelector("button[type=submit]").hidden = false;
  flagDialog.showModal();
}

document.getElementById("flag-cancel").addEventListener("click", () => flagDialog.close());
flagForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", `/api/v1/posts/${flaggedPost}/flags`, {
      reason: flagForm.elements.reason.value, text: flagForm.elements.text.value,
    });
    flagForm.querySelector(".form-done").textContent = t("Thank you. A moderator will look at it.");
    flagForm.querySelector("button[type=submit]").hidden = true;
  } catch (error) {
    showError(flagForm, error);
  }
});
