/**
 * What a text must contain for a regular expression to match it, read from the expression itself: the
 * literal words it cannot match without. `.*(foot drop|weakness).*` needs "foot" and "drop", or "weakness".
 *
 * The answer errs on one side only: a text the expression matches always satisfies the need (the need may
 * hold for texts it does not match). Anything the reader does not follow (classes, optional parts,
 * look-arounds, back-references) needs nothing. Words are compared lower-case and without the spaces
 * around them, so a need also holds for texts joined or spaced differently.
 */
export type TextNeed = { all: TextNeed[] } | { any: TextNeed[] } | { word: string } | 'nothing';

interface Cursor {
  s: string;
  i: number;
}

const QUANTIFIER = /^(?:[*?]|\{0*(?:,\d*)?\})/;
const REPEAT = /^(?:\+|\{\d+(?:,\d*)?\})/;

export function textNeed(pattern: string): TextNeed {
  const c: Cursor = { s: pattern, i: 0 };
  const need = alternation(c);
  // An unbalanced ')' ends the parse early: what follows is not read, so the need cannot count on it.
  return c.i < c.s.length ? 'nothing' : need;
}

function alternation(c: Cursor): TextNeed {
  const alternatives: TextNeed[] = [sequence(c)];
  while (c.s[c.i] === '|') {
    c.i++;
    alternatives.push(sequence(c));
  }
  if (alternatives.some((a) => a === 'nothing')) return 'nothing';
  return alternatives.length === 1 ? alternatives[0]! : { any: alternatives };
}

type Item = { char: string } | { need: TextNeed };

function sequence(c: Cursor): TextNeed {
  const items: Item[] = [];
  while (c.i < c.s.length && c.s[c.i] !== '|' && c.s[c.i] !== ')') {
    let item = atom(c);
    // A quantifier that allows zero makes the atom optional; one that repeats it keeps it needed, alone.
    const rest = c.s.slice(c.i);
    const optional = QUANTIFIER.exec(rest);
    const repeat = optional ? null : REPEAT.exec(rest);
    if (optional) {
      c.i += optional[0].length;
      item = { need: 'nothing' };
    } else if (repeat) {
      c.i += repeat[0].length;
      item = 'char' in item ? { need: word(item.char) } : item;
    }
    if (c.s[c.i] === '?' && (optional || repeat)) c.i++; // lazy
    items.push(item);
  }
  const needs: TextNeed[] = [];
  let run = '';
  const flush = () => {
    for (const w of run.split(/\s+/)) if (w) needs.push({ word: w.toLowerCase() });
    run = '';
  };
  for (const item of items) {
    if ('char' in item) run += item.char;
    else {
      flush();
      if (item.need !== 'nothing') needs.push(item.need);
    }
  }
  flush();
  if (needs.length === 0) return 'nothing';
  return needs.length === 1 ? needs[0]! : { all: needs };
}

function word(text: string): TextNeed {
  const w = text.trim().toLowerCase();
  return w && !/\s/.test(w) ? { word: w } : 'nothing';
}

function atom(c: Cursor): Item {
  const ch = c.s[c.i]!;
  c.i++;
  switch (ch) {
    case '\\': {
      const next = c.s[c.i];
      c.i++;
      if (next === undefined) return { need: 'nothing' };
      // Classes, word boundaries, back-references and control escapes need nothing readable here.
      if (/[dDsSwWbB0-9cxuknrtfv]/.test(next)) return { need: 'nothing' };
      return { char: next };
    }
    case '(': {
      let lookaround = false;
      if (c.s[c.i] === '?') {
        const head = c.s.slice(c.i, c.i + 3);
        lookaround = /^\?(?:[=!]|<[=!])/.test(head);
        if (lookaround) c.i += head.startsWith('?<') ? 3 : 2;
        else if (head.startsWith('?:')) c.i += 2;
        else if (head.startsWith('?<')) c.i = c.s.indexOf('>', c.i) + 1 || c.s.length;
      }
      const inner = alternation(c);
      if (c.s[c.i] === ')') c.i++;
      return { need: lookaround ? 'nothing' : inner };
    }
    case '[': {
      // A character class: skip to its unescaped end.
      if (c.s[c.i] === '^') c.i++;
      if (c.s[c.i] === ']') c.i++;
      while (c.i < c.s.length && c.s[c.i] !== ']') c.i += c.s[c.i] === '\\' ? 2 : 1;
      c.i++;
      return { need: 'nothing' };
    }
    case '.':
    case '^':
    case '$':
      return { need: 'nothing' };
    default:
      return { char: ch };
  }
}

/** Does a lower-case text satisfy the need? */
export function satisfies(need: TextNeed, text: string): boolean {
  if (need === 'nothing') return true;
  if ('word' in need) return text.includes(need.word);
  if ('all' in need) return need.all.every((n) => satisfies(n, text));
  return need.any.some((n) => satisfies(n, text));
}
