// The subset of GitHub-flavoured markdown that card details use: paragraphs, bullet and numbered lists,
// headings, **strong**, *emphasis*, `code`, [links](https://...), <https://autolinks>, backslash escapes,
// hard line breaks. Parsed into a small tree, then built as DOM nodes with text nodes only: raw HTML in a
// card shows as text, and only http(s) links become hrefs.

import { el, safeUrl } from './dom.js';

const LIST_ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Block structure: { type: 'p' | 'h' | 'hr' | 'ul' | 'ol', lines?, items? } */
export function parseBlocks(source) {
  const lines = String(source ?? '').replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let paragraph = null;
  let list = null;
  let item = null;
  const endParagraph = () => {
    paragraph = null;
  };
  const endList = () => {
    list = null;
    item = null;
  };
  for (const line of lines) {
    if (line.trim() === '') {
      endParagraph();
      // A blank line inside a list ends the item's paragraph but not the list; the next non-item line ends it.
      item = null;
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      endParagraph();
      endList();
      blocks.push({ type: 'hr' });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      endParagraph();
      endList();
      blocks.push({ type: 'h', lines: [heading[2]] });
      continue;
    }
    const listItem = LIST_ITEM.exec(line);
    if (listItem) {
      endParagraph();
      const ordered = /\d/.test(listItem[1]);
      const type = ordered ? 'ol' : 'ul';
      if (!list || list.type !== type) {
        list = { type, items: [] };
        blocks.push(list);
      }
      item = { lines: [listItem[2]] };
      list.items.push(item);
      continue;
    }
    if (item) {
      // Continuation of a list item (indented or lazy).
      item.lines.push(line.trim());
      continue;
    }
    if (list) endList();
    if (!paragraph) {
      paragraph = { type: 'p', lines: [] };
      blocks.push(paragraph);
    }
    paragraph.lines.push(line);
  }
  return blocks;
}

/** Joins a block's lines: a line ending in two spaces or a backslash is a hard break, else a soft one. */
function inlineOfLines(lines) {
  const nodes = [];
  lines.forEach((raw, i) => {
    const last = i === lines.length - 1;
    let line = raw.replace(/^[ \t]+/, '');
    let hard = false;
    if (!last && / {2,}$/.test(line)) {
      hard = true;
      line = line.replace(/ +$/, '');
    } else if (!last && /\\$/.test(line) && !/\\\\$/.test(line)) {
      hard = true;
      line = line.slice(0, -1);
    } else {
      line = line.replace(/[ \t]+$/, '');
    }
    nodes.push(...parseInline(line));
    if (!last) nodes.push(hard ? { type: 'br' } : { type: 'text', value: ' ' });
  });
  return nodes;
}

/** Index of the closing delimiter `delim` at or after `from`, skipping escapes and code spans; -1 if none. */
function findClose(text, from, delim) {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(text.slice(i))[0];
      const end = text.indexOf(run, i + run.length);
      if (end > 0) i = end + run.length - 1;
      continue;
    }
    if (text.startsWith(delim, i)) {
      // `*` must not match the first half of `**` (and the other way round).
      if (delim.length === 1 && text[i + 1] === delim) {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

/** The `]` closing a link text that opens at `from` (just after `[`), with nested brackets; -1 if none. */
function findBracket(text, from) {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

const isWordChar = (c) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** Inline nodes: { type: 'text' | 'code', value } | { type: 'strong' | 'em' | 'link', children, href? } | { type: 'br' } */
export function parseInline(text) {
  const nodes = [];
  let buffer = '';
  const flush = () => {
    if (buffer !== '') nodes.push({ type: 'text', value: buffer });
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && ASCII_PUNCTUATION.test(text[i + 1])) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(text.slice(i))[0];
      const end = text.indexOf(run, i + run.length);
      if (end > 0) {
        flush();
        nodes.push({ type: 'code', value: text.slice(i + run.length, end).replace(/^ (.*) $/, '$1') });
        i = end + run.length;
        continue;
      }
      buffer += run;
      i += run.length;
      continue;
    }
    if ((c === '*' || c === '_') && text[i + 1] === c) {
      const delim = c + c;
      const end = findClose(text, i + 2, delim);
      const opensWord = c === '*' || !isWordChar(text[i - 1]);
      if (end > i + 2 && opensWord && text[i + 2] !== ' ') {
        flush();
        nodes.push({ type: 'strong', children: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
      buffer += delim;
      i += 2;
      continue;
    }
    if (c === '*' || c === '_') {
      const end = findClose(text, i + 1, c);
      const opensWord = c === '*' || !isWordChar(text[i - 1]);
      const closesWord = c === '*' || !isWordChar(text[end + 1]);
      if (end > i + 1 && opensWord && closesWord && text[i + 1] !== ' ' && text[end - 1] !== ' ') {
        flush();
        nodes.push({ type: 'em', children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
      buffer += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      const close = findBracket(text, i + 1);
      const target = close > 0 && text[close + 1] === '(' ? /^\(\s*<?([^\s()<>]*)>?(?:\s+"[^"]*")?\s*\)/.exec(text.slice(close + 1)) : null;
      if (target) {
        flush();
        nodes.push({ type: 'link', href: target[1], children: parseInline(text.slice(i + 1, close)) });
        i = close + 1 + target[0].length;
        continue;
      }
    }
    if (c === '<') {
      const auto = /^<(https?:\/\/[^\s<>]+)>/i.exec(text.slice(i));
      if (auto) {
        flush();
        nodes.push({ type: 'link', href: auto[1], children: [{ type: 'text', value: auto[1] }] });
        i += auto[0].length;
        continue;
      }
    }
    buffer += c;
    i += 1;
  }
  flush();
  return nodes;
}

function inlineToDom(nodes) {
  return nodes.map((n) => {
    switch (n.type) {
      case 'text':
        return n.value;
      case 'code':
        return el('code', {}, n.value);
      case 'strong':
        return el('strong', {}, inlineToDom(n.children));
      case 'em':
        return el('em', {}, inlineToDom(n.children));
      case 'br':
        return el('br');
      case 'link': {
        const href = safeUrl(n.href);
        const children = inlineToDom(n.children);
        // A link to anything but http(s) keeps its text and loses its target.
        return href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, children) : el('span', {}, children);
      }
      default:
        return '';
    }
  });
}

/** A DocumentFragment rendering `source` (card.detail); never parses HTML. */
export function renderMarkdown(source) {
  const fragment = document.createDocumentFragment();
  for (const block of parseBlocks(source)) {
    switch (block.type) {
      case 'p':
        fragment.append(el('p', {}, inlineToDom(inlineOfLines(block.lines))));
        break;
      case 'h':
        fragment.append(el('p', { class: 'md-heading' }, el('strong', {}, inlineToDom(inlineOfLines(block.lines)))));
        break;
      case 'hr':
        fragment.append(el('hr'));
        break;
      case 'ul':
      case 'ol':
        fragment.append(el(block.type, {}, block.items.map((item) => el('li', {}, inlineToDom(inlineOfLines(item.lines))))));
        break;
      default:
        break;
    }
  }
  return fragment;
}
