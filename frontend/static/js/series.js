// Creating a series; its calendar opens once it exists.
import { api, showError } from "./api.js";

const form = document.getElementById("series-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  form.querySelector(".form-error").textContent = "";
  const value = (name) => form.elements[name].value;
  try {
    const series = await api("POST", "/api/v1/series", {
      name: value("name"), description: value("description"), cadence_days: Number(value("cadence_days")),
      first_slot: value("first_slot") || null, publish_time: value("publish_time") || "09:00",
      reminder_days: Number(value("reminder_days")),
    });
    window.location.assign(`/manage/series/${series.slug}`);
  } catch (error) {
    showError(form, error);
  }
});
