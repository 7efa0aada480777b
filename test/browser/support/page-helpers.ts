import type { Page } from 'playwright-core';

/** The date the fixture cases are written for: the seed patient's MRI is then within 12 months. */
export const ORDER_DATE = '2026-11-20';

export const POS = { inpatient: '21', outpatient: '22', ambulatory: '24' } as const;

export interface PageProblems {
  errors: string[];
}

/** Opens the workbench and waits for its start-up; script errors and failed requests are collected. */
export async function openWorkbench(page: Page, serviceUrl: string): Promise<PageProblems> {
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (e) => problems.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(`console error: ${m.text()}`);
  });
  await page.goto(`${serviceUrl}/workbench`);
  await page.waitForSelector('body[data-ready]');
  const ready = await page.getAttribute('body', 'data-ready');
  if (ready !== 'true') throw new Error(`the workbench did not start: ${await page.textContent('#page-error')}`);
  return problems;
}

export async function choosePatient(page: Page, patientId: string): Promise<void> {
  await page.selectOption('#patient', patientId);
  await page.waitForSelector(`#chart[data-patient-id="${patientId}"]`);
}

/** Quick-adds the revision fusion plan (22830 + 22612 + 22840) at a level and setting, dated ORDER_DATE. */
export async function addRevisionFusion(page: Page, level: string, setting: string): Promise<void> {
  await page.fill('#order-date', ORDER_DATE);
  await page.selectOption('#preset-level', level);
  await page.selectOption('#preset-setting', setting);
  await page.click('#add-revision');
}

function signedCount(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.body.dataset.signed ?? '0'));
}

/** Signs with or without prefetch and waits for the round trip; returns the card topics shown, in order. */
export async function sign(page: Page, mode: 'prefetch' | 'none'): Promise<string[]> {
  const before = await signedCount(page);
  await page.check(mode === 'prefetch' ? '#mode-prefetch' : '#mode-none');
  await page.click('#sign');
  await page.waitForFunction((n) => Number(document.body.dataset.signed ?? '0') > n, before);
  return cardTopics(page);
}

export function cardTopics(page: Page): Promise<string[]> {
  return page.$$eval('#cards .card', (cards) => cards.map((c) => (c as HTMLElement).dataset.topic ?? ''));
}

/** The value of every order's setting select, in page order. */
export function orderSettings(page: Page): Promise<string[]> {
  return page.$$eval('#orders select[name="setting"]', (selects) => selects.map((s) => (s as HTMLSelectElement).value));
}

export function orderIds(page: Page): Promise<string[]> {
  return page.$$eval('#orders .order', (items) => items.map((i) => (i as HTMLElement).dataset.orderId ?? ''));
}

export async function setEveryOrderSetting(page: Page, setting: string): Promise<void> {
  for (const select of await page.$$('#orders select[name="setting"]')) await select.selectOption(setting);
}

export async function rawJson<T = Record<string, unknown>>(page: Page, id: string): Promise<T> {
  const text = (await page.textContent(`#${id}`)) ?? '';
  // The response panel starts with its HTTP status line.
  return JSON.parse(text.replace(/^HTTP \d+\n/, '')) as T;
}

/** Presses Tab until `selector` has the focus (at most `max` presses); fails if the keyboard cannot reach it. */
export async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} not reached with ${max} presses of Tab`);
}

/** Width and height of a PNG, read from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
