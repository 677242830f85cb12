// Theme: dark in the evening (the server says whether it is dark now) unless the person chose otherwise;
// the choice is kept on the phone and in a cookie so the next page is drawn in it from the start.
import { t } from "./i18n.js";

function applyTheme(root, choice) {
  const dark = choice === "dark" || (choice === "auto" && root.dataset.darkNow === "true");
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.getElementById("theme-toggle").setAttribute("aria-pressed", String(dark));
  document.getElementById("theme-toggle-label").textContent = t("themeDark");
}

export function initTheme(root) {
  applyTheme(root, localStorage.getItem("theme") ?? root.dataset.themeChoice ?? "auto");
  document.getElementById("theme-toggle").addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("theme", next);
    document.cookie = `theme=${next}; path=/; max-age=31536000; samesite=lax`;
    applyTheme(root, next);
  });
}
