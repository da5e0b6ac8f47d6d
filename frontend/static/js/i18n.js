// The interface strings of the scripts, in the member's language (the server put them in the page).
const data = JSON.parse(document.getElementById("plein-page").textContent);
export const language = data.language;

export function t(message, values = {}) {
  const text = data.strings[message] || message;
  return text.replace(/%\((\w+)\)[sd]/g, (_, name) => String(values[name] ?? ""));
}
