// The composer: markdown preview, uploads with progress, quoting. Pages call setupComposer(form).
import { api, uploadFile } from "./api.js";
import { t } from "./page.js";

export function setupComposer(form) {
  const body = form.elements.body;
  const preview = form.querySelector(".preview");
  const uploads = form.querySelector(".uploads");
  const quoteTarget = form.querySelector(".quote-target");
  const attachmentIds = [];
  let quotePostId = null;

  form.querySelector(".preview-button").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    if (!preview.hidden) {
      preview.hidden = true;
      button.textContent = t("Preview");
      return;
    }
    const result = await api("POST", "/api/v1/markdown/preview", { body: body.value });
    preview.innerHTML = result.html; // sanitised by the server, as every post is
    preview.hidden = false;
    button.textContent = t("Edit");
  });

  form.querySelector(".file-input").addEventListener("change", async (event) => {
    for (const file of event.target.files) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = file.name;
      const progress = document.createElement("progress");
      progress.max = 1;
      progress.value = 0;
      progress.setAttribute("aria-label", t("Uploading %(name)s", { name: file.name }));
      item.append(label, " ", progress);
      uploads.append(item);
      try {
        const attachment = await uploadFile("POST", "/api/v1/attachments", file, (fraction) => { progress.value = fraction; },
          t("The upload failed."));
        attachmentIds.push(attachment.id);
        progress.replaceWith(t("uploaded"));
      } catch (error) {
        progress.replaceWith(error.message);
        item.classList.add("failed");
      }
    }
    event.target.value = "";
  });

  return {
    quote(postId, author, excerpt) {
      quotePostId = postId;
      quoteTarget.textContent = t("Quoting %(name)s: %(text)s", { name: author, text: excerpt });
      quoteTarget.hidden = false;
      body.focus();
    },
    values() {
      return { body: body.value, quote_post_id: quotePostId, attachment_ids: [...attachmentIds] };
    },
    reset() {
      form.reset();
      attachmentIds.length = 0;
      quotePostId = null;
      quoteTarget.hidden = true;
      uploads.replaceChildren();
      preview.hidden = true;
      form.querySelector(".form-error").textContent = "";
    },
  };
}
