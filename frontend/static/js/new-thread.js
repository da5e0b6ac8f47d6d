// Starting a thread from the group page: discussion, question or motion; then open it.
import { api, showError } from "./api.js";
import { setupComposer } from "./composer.js";
import { t } from "./page.js";

const form = document.getElementById("thread-form");
const composer = setupComposer(form);
const motionFields = form.querySelector(".motion-fields");
const questionFields = form.querySelector(".question-fields");
const audience = form.querySelector(".audience");

function askedPortfolios() {
  return [...form.querySelectorAll("input[name=portfolio_ids]:checked")].map((box) => Number(box.value));
}

function audienceChoice() {
  return {
    portfolio_ids: askedPortfolios(),
    province: form.elements.audience_province?.value || null,
    title: form.elements.audience_title?.value || null,
  };
}

// Before sending, she sees how many people her question will reach (and whether it needs approval).
let previewRun = 0;
async function previewAudience() {
  if (!audience) return;
  const choice = audienceChoice();
  if (!choice.portfolio_ids.length) {
    audience.textContent = "";
    return;
  }
  const run = ++previewRun;
  try {
    const found = await api("POST", "/api/v1/questions/audience", { channel_id: Number(form.dataset.channelId), ...choice });
    if (run !== previewRun) return;
    audience.textContent = found.count === 1 ? t("Your question reaches 1 member.")
      : t("Your question reaches %(count)s members.", { count: found.count });
    if (found.needs_approval) audience.textContent += " " + t("The community manager approves a question to more than %(limit)s members before it goes out.", { limit: found.approval_over });
  } catch (error) {
    audience.textContent = error.message;
  }
}

// While she types a question's title: questions already answered that look like it.
const similarBox = form.querySelector(".similar-questions");
let similarTimer = null;
let similarAsked = 0;

function lookForAnswered() {
  clearTimeout(similarTimer);
  const title = form.elements.title.value.trim();
  if (form.elements.kind.value !== "question" || title.length < 6) {
    similarBox.hidden = true;
    return;
  }
  similarTimer = setTimeout(async () => {
    const mine = ++similarAsked;
    try {
      const found = await api("GET", `/api/v1/questions/similar?q=${encodeURIComponent(title)}`);
      if (mine !== similarAsked) return;
      similarBox.querySelector("ul").replaceChildren(...found.map((hit) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = hit.url;
        link.target = "_blank";
        link.innerHTML = hit.title_html; // escaped by the server; only <mark> added
        item.append(link);
        return item;
      }));
      similarBox.hidden = found.length === 0;
    } catch {
      similarBox.hidden = true;
    }
  }, 300);
}

form.elements.title.addEventListener("input", lookForAnswered);

form.addEventListener("change", (event) => {
  if (event.target.name === "kind") {
    motionFields.hidden = event.target.value !== "motion";
    if (questionFields) questionFields.hidden = event.target.value !== "question";
    lookForAnswered();
  }
  if (["portfolio_ids", "audience_province", "audience_title"].includes(event.target.name)) previewAudience();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = form.elements.kind.value;
  const { body, attachment_ids } = composer.values();
  const data = { kind, title: form.elements.title.value.trim(), body, attachment_ids };
  if (!data.title) {
    showError(form, { message: t("Give your thread a title."), field: "title" });
    return;
  }
  if (kind === "question" && questionFields) {
    const choice = audienceChoice();
    if (choice.portfolio_ids.length) {
      data.portfolio_ids = choice.portfolio_ids;
      data.audience_province = choice.province;
      data.audience_title = choice.title;
    }
  }
  if (kind === "motion") {
    data.motion = {
      municipality: form.elements.municipality.value.trim() || null,
      date: form.elements.date.value || null,
      status: form.elements.status.value,
    };
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const thread = await api("POST", `/api/v1/channels/${form.dataset.channelId}/threads`, data);
    window.location.assign(`/threads/${thread.id}`);
  } catch (error) {
    showError(form, error);
    button.disabled = false;
  }
});
