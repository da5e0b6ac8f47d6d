// The merge tool: the dry run first (counts, name clashes, who gains access), then the merge itself.
import { api, showError } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("merge-form");
const plan = document.getElementById("merge-plan");
const facts = document.getElementById("merge-facts");
const exposure = document.getElementById("merge-exposure");
const confirmLabel = document.getElementById("merge-confirm-label");

function choice() {
  return { source_id: Number(form.elements.source_id.value), target_id: Number(form.elements.target_id.value) };
}

function fact(text) {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}

document.getElementById("merge-preview").addEventListener("click", async () => {
  form.querySelector(".form-error").textContent = "";
  plan.hidden = true;
  try {
    const p = await api("POST", "/api/v1/groups/merge/preview", choice());
    facts.replaceChildren(
      fact(t("%(threads)s threads with %(posts)s posts move into %(target)s.", { threads: p.threads, posts: p.posts, target: p.target_name })),
      fact(t("%(moving)s members join %(target)s; %(both)s are in both already.", { moving: p.members_moving, both: p.members_in_both, target: p.target_name })),
      ...p.channels.map((c) => fact(c.merged_into_id
        ? t("Channel #%(name)s is merged into the channel of the same name (%(threads)s threads).", { name: c.name, threads: c.threads })
        : t("Channel #%(name)s moves as it is (%(threads)s threads).", { name: c.name, threads: c.threads }))),
      fact(t("%(requests)s open requests to join move along.", { requests: p.pending_requests })),
    );
    exposure.hidden = !p.exposes;
    confirmLabel.hidden = !p.exposes;
    if (p.exposes) {
      const names = p.gaining_access_examples.map((u) => u.display_name).join(", ");
      exposure.querySelector("strong").textContent = t("%(count)s people who cannot read %(source)s now will be able to (%(names)s).", { count: p.gaining_access, source: p.source_name, names });
    }
    plan.hidden = false;
  } catch (error) {
    showError(form, error);
  }
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const done = await api("POST", "/api/v1/groups/merge", { ...choice(), confirm_exposure: document.getElementById("merge-confirm").checked });
    form.querySelector(".form-done").textContent = t("Merged into %(target)s.", { target: done.target_name });
    plan.hidden = true;
  } catch (error) {
    showError(form, error);
  }
});
