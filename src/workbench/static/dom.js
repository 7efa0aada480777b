// Builds DOM nodes from data. Every string becomes a text node: nothing from a FHIR server or a card
// is ever parsed as HTML.

/**
 * el('p', { class: 'x', onclick: fn }, 'text', child) -> element. Attributes that are undefined, null
 * or false are left out; `true` sets a boolean attribute; `dataset` fills data-* attributes.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'href') {
      const safe = safeUrl(value);
      if (safe) node.setAttribute('href', safe);
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends strings (as text) and nodes, skipping empty values, flattening arrays. */
export function append(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false || child === '') continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** An absolute http(s) URL, or undefined: javascript:, data: and other schemes never reach an href. */
export function safeUrl(value) {
  try {
    const url = new URL(String(value), document.baseURI);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`element #${id} missing from the page`);
  return node;
}

/** JSON for the raw-exchange panels. */
export function pretty(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
