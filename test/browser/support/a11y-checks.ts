import type { Page } from 'playwright-core';

/**
 * Basic accessibility checks run in the page: the ones a reviewer would make by hand, not a full audit.
 * Each returns a list of problems, empty when the page passes.
 */

/** Form controls without a label (label element, aria-label or aria-labelledby with text). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const node of document.querySelectorAll('input, select, textarea')) {
      const control = node as HTMLInputElement;
      if (control.type === 'hidden') continue;
      const fromLabels = [...(control.labels ?? [])].map((l) => l.textContent?.trim() ?? '').join(' ');
      const aria = control.getAttribute('aria-label') ?? '';
      const labelledBy = (control.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
        .join(' ');
      if (`${fromLabels}${aria}${labelledBy}`.trim() === '') problems.push(`${control.tagName.toLowerCase()}#${control.id || '(no id)'} name=${control.name}`);
    }
    return problems;
  });
}

/** Buttons, links and summaries with no text to announce. */
export function namelessControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], summary')]
      .filter((b) => (b.textContent ?? '').trim() === '' && !b.getAttribute('aria-label'))
      .map((b) => b.outerHTML.slice(0, 80)),
  );
}

/** Landmarks and the heading outline: one banner, nav, main and contentinfo; one h1; no skipped levels. */
export function structureProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const count = (s: string) => document.querySelectorAll(s).length;
    if (count('body > header') !== 1) problems.push('expected one banner (body > header)');
    if (count('nav') < 1) problems.push('expected a nav landmark');
    if (count('main') !== 1) problems.push('expected one main');
    if (count('body > footer') !== 1) problems.push('expected one contentinfo (body > footer)');
    if (count('h1') !== 1) problems.push('expected one h1');
    let previous = 0;
    for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      const level = Number(h.tagName[1]);
      if (previous > 0 && level > previous + 1) problems.push(`heading "${h.textContent?.trim()}" skips from h${previous} to h${level}`);
      previous = level;
    }
    if (!document.documentElement.lang) problems.push('html has no lang');
    return problems;
  });
}

/**
 * WCAG AA text contrast (4.5:1, 3:1 for large text) for every visible element that holds text, against the
 * first opaque background behind it. Disabled controls are exempt, as WCAG allows.
 */
export function contrastFailures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      if (['SCRIPT', 'STYLE', 'OPTION', 'OPTGROUP'].includes(el.tagName)) continue;
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!ownText) continue;
      const html = el as HTMLElement;
      if (html.getClientRects().length === 0 || html.closest('[hidden], details:not([open]) > :not(summary)')) continue;
      if ((html as HTMLButtonElement).disabled || html.closest(':disabled')) continue;
      const style = getComputedStyle(html);
      if (style.visibility === 'hidden') continue;
      const fg = parse(style.color);
      const bg = background(html);
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1! + 0.05) / (l2! + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        failures.push(`${html.tagName.toLowerCase()}.${html.className} "${(html.textContent ?? '').trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`);
      }
    }
    return failures;
  });
}
