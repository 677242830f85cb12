// Strings come from the server's gettext catalogs (rendered into the page as JSON). A plural string is
// an object of CLDR plural forms ({one, other}) picked by `params.count` in the page's language.
const node = document.getElementById("field-strings");
const strings = node ? JSON.parse(node.textContent) : {};
const plurals = new Intl.PluralRules(document.documentElement.lang || "sv");

export function t(key, params = {}) {
  let text = strings[key] ?? key;
  if (typeof text === "object") text = text[plurals.select(Number(params.count ?? 0))] ?? text.other;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}
