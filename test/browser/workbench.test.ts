import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { orderReviewer } from '../../src/review/order-reviewer.js';
import { contrastFailures, namelessControls, structureProblems, unlabelledControls } from './support/a11y-checks.js';
import { launchChromium, type LaunchedBrowser } from './support/chromium.js';
import {
  ORDER_DATE,
  POS,
  addRevisionFusion,
  cardTopics,
  choosePatient,
  openWorkbench,
  orderIds,
  orderSettings,
  pngSize,
  rawJson,
  setEveryOrderSetting,
  sign,
  tabTo,
  type PageProblems,
} from './support/page-helpers.js';
import { startWorkbenchStack, type WorkbenchStack } from './support/stack.js';

/**
 * The workbench driven in Debian's Chromium against the real service (real reviewer, CQL included) and the
 * embedded FHIR server holding the real fixture patients. The seed patient has a prior L3-L4 fusion with a
 * dural tear, a progressive left foot drop and an MRI with moderate bilateral foraminal narrowing at L3-L4.
 */

const SEED = 'seed-revision-l34';
const CPT = 'http://www.ama-assn.org/go/cpt';
const POS_SYSTEM = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface HookRequestSeen {
  hook: string;
  hookInstance: string;
  fhirServer: string;
  context: { userId: string; patientId: string; draftOrders: { resourceType: string; entry: { resource: Record<string, unknown> }[] } };
  prefetch?: Record<string, { resourceType: string; id?: string; entry?: { resource: { resourceType: string } }[] }>;
}

interface FeedbackSeen {
  request: { feedback: { card: string; outcome: string; acceptedSuggestions?: { id: string }[]; overrideReason?: { reason?: { code: string } } }[] };
  status: number;
}

let stack: WorkbenchStack;
let chromium: LaunchedBrowser;
let page: Page;
let problems: PageProblems;
const shotsDir = process.env.WORKBENCH_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'spine-cds-workbench-shots-'));

beforeAll(async () => {
  // Chromium first: when it is missing, every test fails with launchChromium's message.
  chromium = await launchChromium();
  stack = await startWorkbenchStack(({ baseUrl, valueSets }) => orderReviewer({ baseUrl, valueSets }));
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await stack?.close();
  if (!process.env.WORKBENCH_SCREENSHOTS) rmSync(shotsDir, { recursive: true, force: true });
});

beforeEach(async () => {
  page = await chromium.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  problems = await openWorkbench(page, stack.serviceUrl);
});

afterEach(async () => {
  await page.close();
  expect(problems.errors).toEqual([]);
});

const countOf = (topic: string, outcome: string): number =>
  stack.store.counts().find((c) => c.topic === topic && c.outcome === outcome)?.count ?? 0;

describe('the seed patient on the workbench', () => {
  test('the chart shows prior surgery, neurological findings, imaging with findings and conservative care, with dates and statuses', async () => {
    await choosePatient(page, SEED);
    const surgery = await page.textContent('#chart-surgery');
    expect(surgery).toContain('2023-05-10');
    expect(surgery).toContain('completed');
    expect(surgery).toMatch(/arthrodesis L3-L4/i);
    expect(surgery).toContain('G97.41');
    const neuro = await page.textContent('#chart-neuro');
    expect(neuro).toContain('M21.372');
    expect(neuro).toMatch(/active, confirmed/);
    expect(neuro).toMatch(/dorsiflexion/i);
    const imaging = await page.textContent('#chart-imaging');
    expect(imaging).toContain('2026-10-02');
    expect(imaging).toMatch(/moderate bilateral foraminal narrowing/i);
    expect(await page.textContent('#chart-care')).toContain('None recorded');
  });

  test('a revision fusion at L3-L4 signed inpatient with prefetch shows criteria-met, and the request is a real order-sign call', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.inpatient);
    expect(await orderSettings(page)).toEqual([POS.inpatient, POS.inpatient, POS.inpatient]);

    expect(await sign(page, 'prefetch')).toEqual(['criteria-met']);
    const card = page.locator('#cards .card[data-topic="criteria-met"]');
    expect(await card.getAttribute('data-indicator')).toBe('info');
    expect((await card.locator('.indicator').textContent())?.trim()).toBe('Info');
    expect(await card.locator('.card-summary').textContent()).toMatch(/L3-L4.*criteria met/);
    // The detail is rendered markdown: criteria as list items with bold heads, no markdown syntax left.
    expect(await card.locator('.card-detail li strong').count()).toBeGreaterThanOrEqual(4);
    expect(await card.locator('.card-detail').textContent()).not.toContain('**');
    expect(await card.locator('.card-meta a').getAttribute('href')).toBe(`${stack.serviceUrl}/criteria/lumbar-fusion-criteria`);
    expect(await card.locator('.topic-code').textContent()).toBe('criteria-met');

    const request = await rawJson<HookRequestSeen>(page, 'raw-request-body');
    expect(request.hook).toBe('order-sign');
    expect(request.hookInstance).toMatch(UUID);
    expect(request.fhirServer).toBe(stack.fhir.baseUrl);
    expect(request.context.userId).toBe('Practitioner/workbench');
    expect(request.context.patientId).toBe(SEED);
    const orders = request.context.draftOrders.entry.map((e) => e.resource);
    expect(request.context.draftOrders.resourceType).toBe('Bundle');
    expect(orders.map((o) => (o.code as { coding: { system: string; code: string }[] }).coding[0])).toEqual([
      expect.objectContaining({ system: CPT, code: '22830' }),
      expect.objectContaining({ system: CPT, code: '22612' }),
      expect.objectContaining({ system: CPT, code: '22840' }),
    ]);
    for (const o of orders) {
      expect(o).toMatchObject({
        resourceType: 'ServiceRequest',
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${SEED}` },
        authoredOn: ORDER_DATE,
        bodySite: [{ text: 'L3-L4' }],
        locationCode: [{ coding: [{ system: POS_SYSTEM, code: POS.inpatient }] }],
      });
      expect((o.code as { text: string }).text).toContain('L3-L4');
    }
    // Prefetch: every key of the discovery templates, filled from the FHIR server for this patient.
    const discovery = await (await fetch(`${stack.serviceUrl}/cds-services`)).json() as { services: { id: string; prefetch: Record<string, string> }[] };
    const keys = Object.keys(discovery.services.find((s) => s.id === 'lumbar-fusion-criteria')!.prefetch);
    expect(Object.keys(request.prefetch ?? {}).sort()).toEqual(keys.sort());
    expect(request.prefetch!.patient).toMatchObject({ resourceType: 'Patient', id: SEED });
    expect(request.prefetch!.conditions!.resourceType).toBe('Bundle');
    expect(request.prefetch!.conditions!.entry!.length).toBeGreaterThan(0);
    expect(request.prefetch!.conditions!.entry!.every((e) => e.resource.resourceType === 'Condition')).toBe(true);

    const response = await rawJson<{ cards: { uuid: string }[] }>(page, 'raw-response-body');
    expect(response.cards).toHaveLength(1);
    expect(await card.getAttribute('data-card-uuid')).toBe(response.cards[0]!.uuid);
  });

  test('switched to outpatient it shows inpatient-recommended; accepting the suggestion sets the orders inpatient on the page and the service counts the feedback', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.inpatient);
    const ids = await orderIds(page);
    await setEveryOrderSetting(page, POS.outpatient);
    expect(await orderSettings(page)).toEqual([POS.outpatient, POS.outpatient, POS.outpatient]);

    expect((await sign(page, 'none')).sort()).toEqual(['criteria-met', 'inpatient-recommended']);
    const request = await rawJson<HookRequestSeen>(page, 'raw-request-body');
    expect(request).not.toHaveProperty('prefetch');
    for (const e of request.context.draftOrders.entry) {
      expect(e.resource).toMatchObject({ locationCode: [{ coding: [{ system: POS_SYSTEM, code: POS.outpatient }] }] });
    }

    const card = page.locator('#cards .card[data-topic="inpatient-recommended"]');
    expect(await card.getAttribute('data-indicator')).toBe('warning');
    expect((await card.locator('.indicator').textContent())?.trim()).toBe('Warning');
    expect(await card.locator('select[name="override-reason"] option').count()).toBeGreaterThan(0);
    const acceptedBefore = countOf('inpatient-recommended', 'accepted');
    const suggestion = card.locator('button.suggestion');
    expect((await suggestion.textContent())?.trim()).toBe('Plan inpatient admission');
    const suggestionUuid = await suggestion.getAttribute('data-suggestion-uuid');
    await suggestion.click();
    await page.waitForFunction(() => document.querySelector('.card[data-topic="inpatient-recommended"] .feedback-result')?.textContent !== '');

    // The update actions replaced the orders with the same ids: the same three orders, now inpatient.
    expect(await orderIds(page)).toEqual(ids);
    expect(await orderSettings(page)).toEqual([POS.inpatient, POS.inpatient, POS.inpatient]);
    expect(await card.locator('.feedback-result').textContent()).toMatch(/Feedback sent \(accepted\).*200/);
    expect(await suggestion.isDisabled()).toBe(true);

    const feedbackLog = await rawJson<FeedbackSeen[]>(page, 'raw-feedback-body');
    expect(feedbackLog).toHaveLength(1);
    expect(feedbackLog[0]!.status).toBe(200);
    expect(feedbackLog[0]!.request.feedback[0]).toMatchObject({
      card: await card.getAttribute('data-card-uuid'),
      outcome: 'accepted',
      acceptedSuggestions: [{ id: suggestionUuid }],
    });
    expect(countOf('inpatient-recommended', 'accepted')).toBe(acceptedBefore + 1);
    expect(await stack.metrics()).toMatch(
      new RegExp(`spine_cds_feedback_total\\{[^}]*topic="inpatient-recommended"[^}]*outcome="accepted"[^}]*\\} ${acceptedBefore + 1}`),
    );

    // Signed again, the plan is inpatient: the recommendation is gone.
    expect(await sign(page, 'prefetch')).toEqual(['criteria-met']);
  });

  test('overriding a warning card sends the chosen reason as feedback, which the service counts', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.ambulatory);
    expect((await sign(page, 'prefetch')).sort()).toEqual(['criteria-met', 'inpatient-recommended']);
    const card = page.locator('#cards .card[data-topic="inpatient-recommended"]');
    const overriddenBefore = countOf('inpatient-recommended', 'overridden');

    await card.locator('.override-menu summary').click();
    await card.locator('select[name="override-reason"]').selectOption({ label: 'Patient preference' });
    await card.locator('input[name="override-comment"]').fill('Discussed with the patient');
    await card.locator('button.override').click();
    await page.waitForFunction(() => document.querySelector('.card[data-topic="inpatient-recommended"] .feedback-result')?.textContent !== '');

    expect(await card.locator('.feedback-result').textContent()).toMatch(/Feedback sent \(overridden: Patient preference\)/);
    const feedbackLog = await rawJson<FeedbackSeen[]>(page, 'raw-feedback-body');
    expect(feedbackLog[0]!.request.feedback[0]).toMatchObject({ outcome: 'overridden', overrideReason: { reason: { code: 'patient-preference' } } });
    expect(countOf('inpatient-recommended', 'overridden')).toBe(overriddenBefore + 1);
    // The override changed no order.
    expect(await orderSettings(page)).toEqual([POS.ambulatory, POS.ambulatory, POS.ambulatory]);
  });

  test('decompression alone at the fused level shows consider-fusion; accepting it adds the fusion order to the page', async () => {
    await choosePatient(page, SEED);
    await page.fill('#order-date', ORDER_DATE);
    await page.click('#add-procedure');
    const first = page.locator('#orders .order').first();
    await first.locator('select[name="codes"]').selectOption(`${CPT}|63042`);
    await first.locator('select[name="level"]').selectOption('L3-L4');
    await first.locator('select[name="setting"]').selectOption(POS.inpatient);

    expect((await sign(page, 'prefetch')).sort()).toEqual(['consider-fusion', 'criteria-met']);
    const card = page.locator('#cards .card[data-topic="consider-fusion"]');
    const acceptedBefore = countOf('consider-fusion', 'accepted');
    await card.locator('button.suggestion').click();
    await page.waitForFunction(() => document.querySelector('.card[data-topic="consider-fusion"] .feedback-result')?.textContent !== '');

    // The create action added a second order: a fusion at the same level, shown in the composer's fields.
    const added = page.locator('#orders .order').nth(1);
    expect(await page.locator('#orders .order').count()).toBe(2);
    expect(await added.locator('select[name="codes"]').evaluate((s) => [...(s as HTMLSelectElement).selectedOptions].map((o) => o.value))).toEqual([
      `${CPT}|22612`,
    ]);
    expect(await added.locator('select[name="level"]').inputValue()).toBe('L3-L4');
    expect(await card.locator('.feedback-result').textContent()).toMatch(/added ServiceRequest.*Feedback sent \(accepted\)/);
    expect(countOf('consider-fusion', 'accepted')).toBe(acceptedBefore + 1);

    // With the fusion in the plan, the service no longer suggests it.
    expect(await sign(page, 'none')).toEqual(['criteria-met']);
  });

  test('switching patient clears the cards and moves the draft orders to the new patient', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.inpatient);
    expect(await sign(page, 'prefetch')).toEqual(['criteria-met']);
    const other = 'primary-l45-stenosis';
    await choosePatient(page, other);
    expect(await page.locator('#cards .card').count()).toBe(0);
    await sign(page, 'none');
    const request = await rawJson<HookRequestSeen>(page, 'raw-request-body');
    expect(request.context.patientId).toBe(other);
    for (const e of request.context.draftOrders.entry) expect(e.resource).toMatchObject({ subject: { reference: `Patient/${other}` } });
  });

  test.each(['prefetch', 'none'] as const)('a medication order alone gets no cards (%s)', async (mode) => {
    await choosePatient(page, SEED);
    await page.click('#add-medication');
    expect(await sign(page, mode)).toEqual([]);
    expect(await page.textContent('#cards')).toContain('No cards');
    expect(await rawJson(page, 'raw-response-body')).toEqual({ cards: [] });
    const request = await rawJson<HookRequestSeen>(page, 'raw-request-body');
    expect(request.context.draftOrders.entry.map((e) => e.resource.resourceType)).toEqual(['MedicationRequest']);
  });

  test('an order composed field by field (codes, level, side, setting) is written into the ServiceRequest and reviewed', async () => {
    await choosePatient(page, SEED);
    await page.fill('#order-date', ORDER_DATE);
    await page.click('#add-procedure');
    const order = page.locator('#orders .order').first();
    await order.locator('select[name="codes"]').selectOption([`${CPT}|22830`, `${CPT}|22612`]);
    await order.locator('select[name="level"]').selectOption('L3-L4');
    await order.locator('select[name="side"]').selectOption('left');
    await order.locator('select[name="setting"]').selectOption(POS.outpatient);
    // Codes in the order the value set lists them (22612 before 22830).
    expect(await order.locator('.order-text').textContent()).toBe(
      'Arthrodesis, posterior or posterolateral technique, lumbar + Exploration of spinal fusion at L3-L4, left side',
    );

    expect((await sign(page, 'none')).sort()).toEqual(['criteria-met', 'inpatient-recommended']);
    const request = await rawJson<HookRequestSeen>(page, 'raw-request-body');
    expect(request.context.draftOrders.entry[0]!.resource).toMatchObject({
      code: { coding: [{ code: '22612' }, { code: '22830' }] },
      bodySite: [{ text: 'L3-L4, left' }],
      locationCode: [{ coding: [{ code: POS.outpatient }] }],
    });
  });

  test('the layout holds at 1280x800 and at 375x800: no horizontal scrolling, screenshots taken', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.outpatient);
    await sign(page, 'prefetch');
    mkdirSync(shotsDir, { recursive: true });
    for (const [width, height] of [
      [1280, 800],
      [375, 800],
    ] as const) {
      await page.setViewportSize({ width, height });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const file = join(shotsDir, `workbench-${width}x${height}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(pngSize(readFileSync(file)).width).toBe(width);
    }
  });
});

/** A loopback port nothing listens on: taken from the system, then let go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('what the workbench does not let a tester believe', () => {
  test('an order date after today is shown and sent as the latest date the service takes as written', async () => {
    await choosePatient(page, SEED);
    await page.fill('#order-date', '2099-01-01');
    await page.dispatchEvent('#order-date', 'change');
    // The service reads a date as midnight UTC: east of UTC the local date may already be too late for it.
    const latest = await page.evaluate(() => [new Date().toLocaleDateString('en-CA'), new Date().toISOString().slice(0, 10)].sort()[0]);
    expect(await page.inputValue('#order-date')).toBe(latest);
    expect(await page.getAttribute('#order-date', 'max')).toBe(latest);
  });

  test('a failed "Load patients" leaves no patient on screen whose orders could still be signed', async () => {
    await choosePatient(page, SEED);
    const base = await page.inputValue('#fhir-base');
    try {
      await page.fill('#fhir-base', `http://127.0.0.1:${await freePort()}/fhir`);
      await page.click('#load-patients');
      await page.waitForFunction(() => document.querySelector('#patient-status')?.textContent?.startsWith('Could not load patients'));
      expect(await page.getAttribute('#chart', 'data-patient-id')).toBeFalsy();
      // The browser reports the refused connection itself; that one console error is this test's doing.
      problems.errors = problems.errors.filter((e) => !e.startsWith('console error: Failed to load resource: net::ERR_CONNECTION_REFUSED'));
    } finally {
      await page.fill('#fhir-base', base);
      await page.click('#load-patients');
      await page.waitForFunction(() => !document.querySelector('#patient')?.hasAttribute('disabled'));
    }
  });
});

describe('accessibility', () => {
  test('every control has a label, every button a name, landmarks and headings are in order, text meets AA contrast', async () => {
    await choosePatient(page, SEED);
    await addRevisionFusion(page, 'L3-L4', POS.outpatient);
    await page.click('#add-medication');
    await sign(page, 'prefetch');
    await page.locator('.override-menu summary').first().click();
    for (const d of await page.$$('#raw-heading ~ details')) await d.evaluate((el) => el.setAttribute('open', ''));
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await namelessControls(page)).toEqual([]);
    expect(await structureProblems(page)).toEqual([]);
    expect(await contrastFailures(page)).toEqual([]);
  });

  test('the page can be operated with the keyboard alone, from choosing the patient to signing, with a visible focus', async () => {
    await tabTo(page, '#patient');
    await page.keyboard.type(SEED);
    await page.waitForSelector(`#chart[data-patient-id="${SEED}"]`);
    expect(await page.inputValue('#patient')).toBe(SEED);

    await tabTo(page, '#order-date');
    await page.keyboard.type(`${ORDER_DATE.slice(5, 7)}${ORDER_DATE.slice(8, 10)}${ORDER_DATE.slice(0, 4)}`);
    expect(await page.inputValue('#order-date')).toBe(ORDER_DATE);
    await tabTo(page, '#preset-level');
    expect(await page.inputValue('#preset-level')).toBe('L3-L4');
    await tabTo(page, '#add-revision');
    await page.keyboard.press('Enter');
    expect(await orderSettings(page)).toEqual([POS.inpatient, POS.inpatient, POS.inpatient]);

    await tabTo(page, '#sign');
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(outline.style).toBe('solid');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Number(document.body.dataset.signed ?? '0') > 0);
    expect(await cardTopics(page)).toEqual(['criteria-met']);

    // The raw request is one keypress away.
    await tabTo(page, '#raw-request > summary');
    await page.keyboard.press('Enter');
    expect(await page.$eval('#raw-request', (d) => (d as HTMLDetailsElement).open)).toBe(true);
  });
});

describe('card rendering is safe', () => {
  test('markdown from a card becomes text and a few safe elements; HTML, scripts and javascript: links do not survive', async () => {
    const result = await page.evaluate(async () => {
      const { renderMarkdown } = (await import('/workbench/static/markdown.js' as string)) as { renderMarkdown: (s: string) => DocumentFragment };
      const { renderCards } = (await import('/workbench/static/cards.js' as string)) as {
        renderCards: (c: Element, cards: unknown[], a: unknown) => void;
      };
      const hostile = [
        '<img src=x onerror="window.__pwned=1">',
        '<script>window.__pwned=1</script>',
        '[click me](javascript:window.__pwned=1)',
        '[data](data:text/html,<script>window.__pwned=1</script>)',
        '**bold** *em* `code <b>` [ok](https://example.org/a?b=1)',
        '- one\n- **two**\n\n1. first\n2. second',
        'line one  \nline two\\\nline three',
        '\\*not emphasis\\* and \\[not a link\\](x)',
      ].join('\n\n');
      const box = document.createElement('div');
      box.append(renderMarkdown(hostile));
      const cardBox = document.createElement('div');
      renderCards(
        cardBox,
        [
          {
            uuid: 'u1',
            summary: '<img src=x onerror="window.__pwned=1">',
            indicator: 'critical',
            detail: '<script>window.__pwned=1</script>',
            source: { label: '<b>label</b>', url: 'javascript:window.__pwned=1', topic: { code: '<i>t</i>', display: 'x' } },
            links: [{ label: 'bad', url: 'javascript:window.__pwned=1', type: 'absolute' }],
          },
        ],
        { accept: async () => ({ ok: true, text: '' }), override: async () => ({ ok: true, text: '' }) },
      );
      document.body.append(box, cardBox);
      await new Promise((r) => setTimeout(r, 50));
      const tags = [...new Set([...box.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))].sort();
      const cardTags = [...new Set([...cardBox.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))].sort();
      const eventAttributes = [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name));
      const hrefs = [...box.querySelectorAll('a'), ...cardBox.querySelectorAll('a')].map((a) => a.getAttribute('href'));
      const strongTexts = [...box.querySelectorAll('strong')].map((e) => e.textContent);
      const pwned = (window as unknown as { __pwned?: number }).__pwned;
      return { tags, cardTags, eventAttributes, hrefs, strongTexts, text: box.textContent, cardText: cardBox.textContent, brs: box.querySelectorAll('br').length, pwned };
    });
    expect(result.pwned).toBeUndefined();
    expect(result.eventAttributes).toEqual([]);
    expect(result.tags).toEqual(['a', 'br', 'code', 'em', 'li', 'ol', 'p', 'span', 'strong', 'ul']);
    expect(result.cardTags).not.toEqual(expect.arrayContaining(['img', 'script', 'b', 'i']));
    expect(result.hrefs).toEqual(['https://example.org/a?b=1']);
    expect(result.strongTexts).toEqual(['bold', 'two']);
    expect(result.brs).toBe(2);
    expect(result.text).toContain('<img src=x onerror="window.__pwned=1">');
    expect(result.text).toContain('*not emphasis* and [not a link](x)');
    expect(result.text).toContain('code <b>');
    expect(result.cardText).toContain('<img src=x onerror="window.__pwned=1">');
  });
});
