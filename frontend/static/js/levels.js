// What she hears from a group or a thread: saved as soon as she changes the choice.
import { api } from "./api.js";
import { t } from "./page.js";

for (const select of document.querySelectorAll("select.level-select")) {
  const saved = select.parentElement.querySelector(".level-saved");
  select.addEventListener("change", async () => {
    saved.textContent = "";
    try {
      await api("PUT", select.dataset.url, { level: select.value || null });
      saved.textContent = t("Saved.");
    } catch (error) {
      saved.textContent = error.message;
    }
  });
}
