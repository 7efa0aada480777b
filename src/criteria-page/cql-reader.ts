/**
 * A small reader for the parts of a CQL library that the criteria page shows: its name and version, its
 * parameters, its definitions and its value set declarations, each with the comment written directly above it.
 * It is not a CQL parser: statements are found where a declaration keyword starts a line, which is how the
 * libraries in cql-mappings/ are written, and the compile step (scripts/compile-cql.ts) checks the CQL itself.
 */

export interface CqlParameter {
  name: string;
  /** The declared type, e.g. "Integer"; undefined when the declaration gives none. */
  type?: string;
  /** The default expression as written; undefined when there is none. */
  defaultValue?: string;
  comment?: string;
}

export interface CqlDefinition {
  name: string;
  comment?: string;
  /** The whole statement as written, from `define` to its last line. */
  text: string;
}

export interface CqlValueSetDeclaration {
  name: string;
  url: string;
}

export interface CqlLibrary {
  name?: string;
  version?: string;
  includes: string[];
  parameters: CqlParameter[];
  /** Expression definitions; functions are left out. */
  definitions: CqlDefinition[];
  valueSets: CqlValueSetDeclaration[];
}

type LineKind = 'code' | 'comment' | 'blank';

interface ScannedLine {
  raw: string;
  kind: LineKind;
  /** The line with its comments removed (strings kept). */
  code: string;
  /** Comment text found on the line, markers removed. */
  comment: string;
}

/** Classifies each line, tracking block comments and strings across lines so that '//' inside a string is code. */
function scan(text: string): ScannedLine[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let inBlock = false;
  let inString: string | undefined;
  return lines.map((raw) => {
    let code = '';
    let comment = '';
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      const next = raw[i + 1];
      if (inBlock) {
        if (ch === '*' && next === '/') {
          inBlock = false;
          i += 1;
        } else comment += ch;
      } else if (inString) {
        code += ch;
        if (ch === '\\' && next !== undefined) {
          code += next;
          i += 1;
        } else if (ch === inString) inString = undefined;
      } else if (ch === '/' && next === '/') {
        comment += raw.slice(i + 2);
        break;
      } else if (ch === '/' && next === '*') {
        inBlock = true;
        i += 1;
      } else {
        if (ch === "'" || ch === '"' || ch === '`') inString = ch;
        code += ch;
      }
    }
    const cleanComment = comment.replace(/^\s*\*+(?!\/)/, '').replace(/^[\s\-=*]+$/, '').trim();
    const kind: LineKind = code.trim() !== '' ? 'code' : raw.trim() === '' ? 'blank' : 'comment';
    return { raw, kind, code, comment: cleanComment };
  });
}

const STATEMENT = /^(?:(?:public|private)\s+)?(library|using|include|codesystem|valueset|code|concept|parameter|context|define)\b/;

/** An identifier at the start of `s`: "quoted", `backticked` or plain; returns it and the rest. */
function identifier(s: string): { name: string; rest: string } | undefined {
  const t = s.trimStart();
  const quoted = /^(["`])((?:\\.|(?!\1).)*)\1/.exec(t);
  if (quoted) return { name: quoted[2]!.replace(/\\(.)/g, '$1'), rest: t.slice(quoted[0].length) };
  const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t);
  return plain ? { name: plain[0], rest: t.slice(plain[0].length) } : undefined;
}

/** Index of the keyword `default` outside strings and brackets, or -1. */
function topLevelDefault(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === '\\') i += 1;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if ('{(<['.includes(ch)) depth += 1;
    else if ('})>]'.includes(ch)) depth -= 1;
    else if (depth === 0 && s.startsWith('default', i) && (i === 0 || /\s/.test(s[i - 1]!)) && !/\w/.test(s[i + 7] ?? ' ')) {
      return i;
    }
  }
  return -1;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The comment block directly above line `index` (no blank line between), joined into one paragraph. */
function commentAbove(lines: ScannedLine[], index: number): string | undefined {
  const parts: string[] = [];
  for (let i = index - 1; i >= 0 && lines[i]!.kind === 'comment'; i--) parts.unshift(lines[i]!.comment);
  const text = squash(parts.filter((p) => p !== '').join(' '));
  return text === '' ? undefined : text;
}

export function readCqlLibrary(text: string): CqlLibrary {
  const lines = scan(text);
  const starts = lines.flatMap((l, i) => (l.kind === 'code' && STATEMENT.test(l.code) ? [i] : []));
  const library: CqlLibrary = { includes: [], parameters: [], definitions: [], valueSets: [] };

  starts.forEach((start, n) => {
    let end = (starts[n + 1] ?? lines.length) - 1;
    // Blank lines and the next statement's leading comment do not belong to this statement.
    while (end > start && lines[end]!.kind !== 'code') end--;
    const span = lines.slice(start, end + 1);
    const code = squash(span.map((l) => l.code).join('\n'));
    const keyword = STATEMENT.exec(lines[start]!.code)![1]!;
    const afterKeyword = code.replace(/^(?:(?:public|private)\s+)?\w+\s*/, '');
    const comment = commentAbove(lines, start) ?? (span[0]!.comment !== '' ? span[0]!.comment : undefined);

    if (keyword === 'library') {
      const m = /^([A-Za-z_][\w]*|"[^"]+")(?:\s+version\s+'([^']*)')?/.exec(afterKeyword);
      if (m) {
        library.name = m[1]!.replace(/"/g, '');
        if (m[2]) library.version = m[2];
      }
    } else if (keyword === 'include') {
      const id = identifier(afterKeyword);
      if (id) library.includes.push(id.name);
    } else if (keyword === 'valueset') {
      const id = identifier(afterKeyword);
      const url = id ? /^\s*:\s*'((?:\\.|[^'])*)'/.exec(id.rest) : null;
      if (id && url) library.valueSets.push({ name: id.name, url: url[1]! });
    } else if (keyword === 'parameter') {
      const id = identifier(afterKeyword);
      if (!id) return;
      const rest = id.rest.trim();
      const at = topLevelDefault(rest);
      const type = squash(at >= 0 ? rest.slice(0, at) : rest);
      const def = at >= 0 ? squash(rest.slice(at + 'default'.length)) : '';
      library.parameters.push({
        name: id.name,
        ...(type !== '' ? { type } : {}),
        ...(def !== '' ? { defaultValue: def } : {}),
        ...(comment ? { comment } : {}),
      });
    } else if (keyword === 'define') {
      const body = afterKeyword.replace(/^(?:public|private)\s+/, '');
      if (/^(?:fluent\s+)?function\b/.test(body)) return;
      const id = identifier(body);
      if (!id || !/^\s*:/.test(id.rest)) return;
      const raw = span.map((l) => l.raw.replace(/\s+$/, '')).join('\n');
      library.definitions.push({ name: id.name, text: raw, ...(comment ? { comment } : {}) });
    }
  });
  return library;
}

/** R<n> required criteria and S<n> supporting findings, as many as the library defines ("R10 x" too, not "R2D2"). */
const CRITERION_NAME = /^([RS])(\d+)(?![0-9A-Za-z])/;
const RULE_NAMES = ['is revision', 'determination', 'consider fusion', 'inpatient recommended'];

/** The criterion a definition is about, by its name: { series: 'R', number: 5 } for "R5 Weight Loss". */
export function criterionOf(name: string): { series: 'R' | 'S'; number: number } | undefined {
  const m = CRITERION_NAME.exec(name.trim());
  return m ? { series: m[1] as 'R' | 'S', number: Number(m[2]) } : undefined;
}

/** The definitions the criteria page shows: every R<n> and S<n> criterion, and the revision, determination and card rules. */
export function isShownDefinition(name: string): boolean {
  const n = name.trim().toLowerCase();
  return criterionOf(name) !== undefined || RULE_NAMES.includes(n);
}
