// Strings come from the server's gettext catalogs (rendered into the page as JSON).
const node = document.getElementById("field-strings");
const strings = node ? JSON.parse(node.textContent) : {};

export function t(key, params = {}) {
  let text = strings[key] ?? key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}
