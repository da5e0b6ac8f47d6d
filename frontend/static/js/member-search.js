// Finding members by name or municipality, for a picker: each one found is a row with one action button
// (invite, add) unless `isChosen` says she is in already (then a badge says so).
import { api } from "./api.js";
import { t } from "./page.js";

export async function showMembers(list, q, { action, label, isChosen, chosenText, onPick }) {
  const found = (await api("GET", `/api/v1/users?q=${encodeURIComponent(q)}&limit=10`)).items;
  if (!found.length) {
    const none = document.createElement("li");
    none.className = "muted";
    none.textContent = t("Nobody found with “%(q)s”.", { q });
    list.replaceChildren(none);
    return;
  }
  list.replaceChildren(...found.map((person) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = person.municipality ? `${person.display_name}, ${person.municipality}` : person.display_name;
    item.append(name, " ");
    if (isChosen(person)) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = chosenText;
      item.append(badge);
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = action;
      button.setAttribute("aria-label", label(person));
      button.addEventListener("click", () => onPick(person, item));
      item.append(button);
    }
    return item;
  }));
}
