// The search box in every page's header: suggestions while typing (a combobox with a listbox), Enter searches.
import { api } from "./api.js";

const input = document.getElementById("site-search-q");
const list = document.getElementById("site-search-suggestions");
let timer = null;
let asked = 0;
let active = -1;

function close() {
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function show(suggestions) {
  list.replaceChildren(...suggestions.map((s, i) => {
    const item = document.createElement("li");
    item.id = `suggestion-${i}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    const link = document.createElement("a");
    link.href = s.url;
    link.tabIndex = -1;
    link.innerHTML = s.title_html; // escaped by the server; only <mark> added
    item.append(link);
    return item;
  }));
  list.hidden = suggestions.length === 0;
  input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
}

function highlight(index) {
  const items = [...list.children];
  if (!items.length) return;
  active = (index + items.length) % items.length;
  items.forEach((item, i) => item.setAttribute("aria-selected", i === active ? "true" : "false"));
  input.setAttribute("aria-activedescendant", items[active].id);
}

input?.addEventListener("input", () => {
  clearTimeout(timer);
  const q = input.value;
  if (q.trim().length < 2) {
    close();
    return;
  }
  timer = setTimeout(async () => {
    const mine = ++asked;
    try {
      const found = await api("GET", `/api/v1/search/suggest?q=${encodeURIComponent(q)}`);
      if (mine === asked) show(found);
    } catch {
      close();
    }
  }, 150);
});

input?.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && !list.hidden) {
    event.preventDefault();
    highlight(active + 1);
  } else if (event.key === "ArrowUp" && !list.hidden) {
    event.preventDefault();
    highlight(active - 1);
  } else if (event.key === "Escape") {
    close();
  } else if (event.key === "Enter" && active >= 0) {
    event.preventDefault();
    window.location.assign(list.children[active].querySelector("a").href);
  }
});

input?.addEventListener("blur", () => setTimeout(close, 200));
