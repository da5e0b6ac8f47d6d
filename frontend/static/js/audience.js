// The community manager sends a large question to its portfolio holders, or stops it.
import { api } from "./api.js";
import { t } from "./page.js";

for (const box of document.querySelectorAll(".audience-decision")) {
  box.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-approve]");
    if (!button) return;
    const approve = button.dataset.approve === "true";
    for (const b of box.querySelectorAll("button")) b.disabled = true;
    try {
      const audience = await api("POST", `/api/v1/threads/${box.dataset.threadId}/audience`, { approve });
      const done = document.createElement("p");
      done.setAttribute("role", "status");
      done.textContent = audience.status === "sent"
        ? t("Sent to %(count)s members.", { count: audience.count }) : t("Not sent.");
      box.replaceChildren(done);
    } catch (error) {
      box.querySelector(".form-error").textContent = error.message;
      for (const b of box.querySelectorAll("button")) b.disabled = false;
    }
  });
}
