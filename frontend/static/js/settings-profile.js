// Editing her own profile: the fields are saved together; the photo is uploaded on its own, with progress.
import { api, showError, uploadFile } from "./api.js";
import { t } from "./page.js";

const form = document.getElementById("profile-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const saved = form.querySelector(".saved");
  saved.textContent = "";
  form.querySelector(".form-error").textContent = "";
  const value = (name) => form.elements[name].value.trim() || null;
  const data = {
    display_name: form.elements.display_name.value.trim(), title: value("title"), municipality: value("municipality"),
    province: value("province"), bio: form.elements.bio.value,
    portfolio_ids: [...form.querySelectorAll("input[name=portfolio_ids]:checked")].map((box) => Number(box.value)),
    language: form.elements.language.value,
  };
  const before = document.documentElement.lang;
  try {
    await api("PATCH", "/api/v1/me", data);
    if (data.language !== before) {
      window.location.reload();  // the whole page in her new language
      return;
    }
    saved.textContent = t("Saved.");
  } catch (error) {
    showError(form, error);
  }
});

const avatarForm = document.getElementById("avatar-form");
const input = avatarForm.elements.avatar;
input.addEventListener("change", async () => {
  const file = input.files[0];
  if (!file) return;
  const progress = avatarForm.querySelector("progress");
  const saved = avatarForm.querySelector(".saved");
  avatarForm.querySelector(".form-error").textContent = "";
  progress.hidden = false;
  try {
    const me = await uploadFile("PUT", "/api/v1/me/avatar", file, (f) => { progress.value = f * 100; },
      t("The upload failed."));
    let image = avatarForm.querySelector("img.avatar");
    if (!image) {
      image = document.createElement("img");
      image.className = "avatar";
      image.width = image.height = 96;
      image.alt = t("Your current photo");
      input.before(image);
    }
    image.src = me.avatar_url;
    saved.textContent = t("Saved.");
  } catch (error) {
    showError(avatarForm, error);
  } finally {
    progress.hidden = true;
  }
});
