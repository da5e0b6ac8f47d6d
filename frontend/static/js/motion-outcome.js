// Recording a motion's outcome after the vote: status, vote result, date and co-submitters. Saving publishes
// the change; the page (and every other open page of the thread) reloads on it and shows the new course.
import { api, showError } from "./api.js";
import { showMembers } from "./member-search.js";
import { t } from "./page.js";

const form = document.getElementById("outcome-form");
const people = form.querySelector(".co-submitters");
const chosen = people.querySelector(".chosen-people");
const found = people.querySelector(".people-found");
const query = document.getElementById("co-submitter-q");

function chosenIds() {
  return [...chosen.children].map((item) => Number(item.dataset.userId));
}

function addPerson(person) {
  const item = document.createElement("li");
  item.dataset.userId = person.id;
  const drop = document.createElement("button");
  drop.type = "button";
  drop.className = "link-button drop-person";
  drop.textContent = t("Remove");
  drop.setAttribute("aria-label", t("Remove %(name)s", { name: person.display_name }));
  item.append(`${person.display_name} `, drop);
  chosen.append(item);
  found.replaceChildren();
  query.value = "";
  query.focus();
}

async function find() {
  const q = query.value.trim();
  if (!q) return;
  try {
    await showMembers(found, q, {
      action: t("Add"), label: (person) => t("Add %(name)s", { name: person.display_name }),
      isChosen: (person) => chosenIds().includes(person.id), chosenText: t("Added"), onPick: addPerson,
    });
  } catch (error) {
    showError(form, error);
  }
}

people.querySelector(".find-people").addEventListener("click", find);
query.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();  // Enter here searches; it does not save the form
    find();
  }
});
chosen.addEventListener("click", (event) => {
  const drop = event.target.closest(".drop-person");
  if (!drop) return;
  drop.closest("li").remove();
  query.focus();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  form.querySelector(".form-error").textContent = "";
  const motion = {
    status: form.elements.status.value, vote_result: form.elements.vote_result.value.trim() || null,
    date: form.elements.date.value || null, co_submitter_ids: chosenIds(),
  };
  try {
    await api("PATCH", `/api/v1/threads/${form.dataset.threadId}`, { motion });
    form.querySelector(".saved").textContent = t("Saved.");
    window.location.reload();
  } catch (error) {
    showError(form, error);
  }
});
