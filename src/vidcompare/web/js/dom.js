/* Building the page's elements. Everything is made with createElement and text nodes, never
 * from HTML strings, so nothing the server or a user sends can become markup. */

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element: h("div", {class: "x", onclick: f}, "text", child, ...). Text is never HTML. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "checked" || key === "disabled" || key === "value") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The × that takes one item out of a list: removeButton("prompt", 2, f) says "Remove prompt 2". */
export function removeButton(what, number, onclick) {
  return h("button", { type: "button", class: "remove", title: `Remove this ${what}`, "aria-label": `Remove ${what} ${number}`, onclick }, "×");
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element (they need their namespace): s("rect", {x: 1, ...}, "optional text"). */
export function s(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}
