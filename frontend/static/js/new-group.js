// Creating a group: while she types its name, groups that look like it are shown, so no duplicate is made.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("group-form");
const similar = document.getElementById("similar-groups");
let timer = null;
let run = 0;

async function lookUp() {
  const name = form.elements.name.value.trim();
  if (name.length < 3) {
    similar.hidden = true;
    return;
  }
  const mine = ++run;
  const params = new URLSearchParams({ name, description: form.elements.description.value.slice(0, 2000) });
  const found = await api("GET", `/api/v1/groups/similar?${params}`).catch(() => []);
  if (mine !== run) return;
  const list = similar.querySelector("ul");
  list.replaceChildren(...found.map((group) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/groups/${group.slug}`;
    link.textContent = group.name;
    item.append(link, " ", t("(%(count)s members)", { count: group.member_count }));
    return item;
  }));
  similar.hidden = found.length === 0;
}

form.addEventListener("input", (event) => {
  if (!["name", "description"].includes(event.target.name)) return;
  clearTimeout(timer);
  timer = setTimeout(lookUp, 250);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const group = await api("POST", "/api/v1/groups", {
      name: form.elements.name.value.trim(), description: form.elements.description.value,
      kind: form.elements.kind.value, visibility: form.elements.visibility.value,
    });
    window.location.assign(`/groups/${group.slug}`);
  } catch (error) {
    showError(form, error);
  }
});
