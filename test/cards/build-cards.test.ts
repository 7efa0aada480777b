import { buildCards, unavailableCard } from '../../src/cards/build-cards.js';
import { CARD_TOPIC_SYSTEM, type Card } from '../../src/cards/types.js';
import type { PlanDecision } from '../../src/decision/types.js';
import { ctx, draftOrder, emptyValues, metDecision, plan, serviceRequest } from './card-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CRITERIA_URL = 'https://cds.example.org/criteria/lumbar-fusion-criteria';

/** The CDS Hooks rules every card must keep, whatever produced it. */
function expectValidCard(card: Card): void {
  expect(card.uuid).toMatch(UUID);
  expect(card.summary.length).toBeLessThan(140);
  expect(card.summary.trim()).not.toBe('');
  expect(['info', 'warning', 'critical']).toContain(card.indicator);
  expect(card.source.topic.system).toBe(CARD_TOPIC_SYSTEM);
  expect(card.source.topic.display.trim()).not.toBe('');
  expect(card.source.url).toBe(CRITERIA_URL);
  expect(card.links).toEqual([{ label: expect.any(String), url: CRITERIA_URL, type: 'absolute' }]);
  if (card.suggestions) {
    expect(card.selectionBehavior).toBe('at-most-one');
    for (const s of card.suggestions) expect(s.uuid).toMatch(UUID);
    expect(card.suggestions.filter((s) => s.isRecommended).length).toBeLessThanOrEqual(1);
  }
  if (card.indicator === 'warning') {
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
    for (const r of card.overrideReasons ?? []) {
      expect(r.system).toBe('http://spine-cds.org/fhir/CodeSystem/override-reason');
      expect(r.display.trim()).not.toBe('');
    }
  }
  expect(emptyValues(card)).toEqual([]);
}

const topics = (cards: Card[]): string[] => cards.map((c) => c.source.topic.code);

describe('buildCards: which cards', () => {
  it('gives no card for a plan that is not a revision', () => {
    const d = metDecision({ isRevision: false, determination: undefined, inpatientRecommended: true, considerFusion: true });
    expect(buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '22612'))]), decision: d }], ctx)).toEqual([]);
  });

  it('gives exactly one determination card per revision plan, plus the flagged cards', () => {
    const p = plan([draftOrder(serviceRequest('sr-1', '63047'))]);
    const d = metDecision({ kind: 'decompression', setting: 'outpatient', considerFusion: true, inpatientRecommended: true, inpatientReasons: ['dural-tear'] });
    const other = plan([draftOrder(serviceRequest('sr-2', '22612'))], 'L4-L5');
    const notRevision = metDecision({ level: 'L4-L5', isRevision: false, determination: undefined });
    const cards = buildCards([{ plan: p, decision: d }, { plan: other, decision: notRevision }], ctx);
    expect(topics(cards)).toEqual(['criteria-met', 'consider-fusion', 'inpatient-recommended']);
    cards.forEach(expectValidCard);
    expect(new Set([...cards.map((c) => c.uuid), ...cards.flatMap((c) => (c.suggestions ?? []).map((s) => s.uuid))]).size).toBe(5);
  });
});

describe('determination cards', () => {
  const seedPlan = plan([draftOrder(serviceRequest('sr-1', '22612'), 'inpatient')]);

  it('criteria-met: info, summary naming level, what was ordered and conclusion, a line per criterion with evidence', () => {
    const [card] = buildCards([{ plan: seedPlan, decision: metDecision() }], ctx);
    expectValidCard(card!);
    expect(card!.indicator).toBe('info');
    expect(card!.summary).toBe('Revision L3-L4 fusion: necessity criteria met');
    expect(card!.source.topic).toEqual({ system: CARD_TOPIC_SYSTEM, code: 'criteria-met', display: 'Revision criteria met' });
    expect(card!.overrideReasons).toBeUndefined();
    expect(card!.suggestions).toBeUndefined();
    const lines = card!.detail!.split('\n');
    for (const id of ['R1', 'R2', 'R3', 'R4']) expect(lines.filter((l) => l.startsWith(`- **${id} `))).toHaveLength(1);
    expect(card!.detail).toContain('MRI lumbar spine 2025-10-02: moderate bilateral foraminal narrowing at L3-L4.');
    expect(card!.detail).toContain('Procedure 2019-04-10: Laminectomy and fusion, L3-L4');
    expect(card!.detail).toContain('Condition 2025-08-01: Foot drop, left');
    expect(card!.detail).toContain('R2 Recurrent or progressive neurological deficit: met, progressive.');
    expect(card!.detail).toMatch(/R4 .*: met\.\*\* Conservative care may be skipped: progressive neurological deficit/);
    expect(card!.detail).toContain('- S2 Prior dural tear: Condition 2019-04-10: Accidental puncture of dura during a procedure.');
    expect(card!.detail).toContain('- S3 Instrumented fusion ordered.');
    expect(card!.detail).toMatch(/Documentation tip: .*Not in this record: a stated finding of instability; smoking status\./);
  });

  it('shows smoking status when documented and drops the tip once S1 and S4 are documented', () => {
    const d = metDecision({
      supporting: [
        { id: 'S1', status: 'present', evidence: [{ resourceType: 'Condition', id: 'x', display: 'Pseudarthrosis after fusion', level: 'L3-L4' }] },
        { id: 'S4', status: 'present', smoking: 'current', evidence: [{ resourceType: 'Observation', id: 'o', date: '2025-09-09', display: 'Tobacco smoking status: every day' }] },
      ],
    });
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.detail).toContain('- S1 Instability or biomechanical failure: Condition undated: Pseudarthrosis after fusion, L3-L4.');
    expect(card!.detail).toContain('- S4 Smoking status: current smoker, higher risk of non-union (Observation 2025-09-09: Tobacco smoking status: every day).');
    expect(card!.detail).not.toContain('Documentation tip');
  });

  it('gives no documentation tip for a decompression plan', () => {
    const [card] = buildCards([{ plan: seedPlan, decision: metDecision({ kind: 'decompression' }) }], ctx);
    expect(card!.summary).toBe('Revision L3-L4 decompression: necessity criteria met');
    expect(card!.detail).not.toContain('Documentation tip');
  });

  it('criteria-not-met names the failing criterion, with override reasons', () => {
    const base = metDecision({ kind: 'decompression' });
    const d: PlanDecision = {
      ...base,
      determination: 'criteria-not-met',
      criteria: base.criteria.map((c) =>
        c.id === 'R3'
          ? {
              id: 'R3',
              status: 'not-met',
              evidence: [{ resourceType: 'ImagingStudy', id: 'i', date: '2025-10-02', display: 'MRI lumbar spine', level: 'L3-L4', note: 'patent foramina at L3-4' }],
            }
          : c,
      ),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expectValidCard(card!);
    expect(card!.indicator).toBe('warning');
    expect(card!.source.topic.code).toBe('criteria-not-met');
    expect(card!.summary).toBe('Revision L3-L4 decompression: imaging shows no compression at the level');
    expect(card!.detail).toContain(
      '- **R3 Imaging confirms compression at L3-L4: not met.** Imaging shows no compression at L3-L4 on the side of the symptoms: MRI lumbar spine 2025-10-02: patent foramina at L3-4.',
    );
    expect(card!.overrideReasons!.map((r) => r.code)).toEqual(['documented-elsewhere', 'clinical-judgment', 'patient-preference']);
  });

  it.each([
    [
      'R3',
      'opposite-side',
      'Revision L3-L4 fusion: compression only opposite the symptoms',
      'Imaging shows compression at L3-L4 only on the side opposite the symptoms',
    ],
    ['R3', 'no-compression', 'Revision L3-L4 fusion: imaging shows no compression at the level', 'Imaging at L3-L4 shows no compression, or only mild findings'],
    [
      'R3',
      'opposite-order-side',
      'Revision L3-L4 fusion: compression only opposite the ordered side',
      'Imaging shows compression at L3-L4 only on the side opposite the one ordered (no finding states a side)',
    ],
    ['R2', 'axial-pain-only', 'Revision L3-L4 fusion: only axial back pain recorded', 'Only axial back pain is recorded since the prior surgery'],
    [
      'R2',
      'findings-not-current',
      'Revision L3-L4 fusion: neurological findings refuted or resolved',
      'Every neurological finding since the prior surgery is refuted, entered in error or resolved',
    ],
  ] as const)('criteria-not-met words %s by the reason the library gives (%s)', (id, reason, summary, why) => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      determination: 'criteria-not-met',
      criteria: base.criteria.map((c) => (c.id === id ? { ...c, status: 'not-met', reason } : c)),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.summary).toBe(summary);
    expect(card!.detail).toContain(`: not met.** ${why}`);
  });

  it('counts further failing criteria in the summary', () => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      determination: 'criteria-not-met',
      criteria: base.criteria.map((c) => (c.id === 'R1' || c.id === 'R2' ? { ...c, status: 'not-met' } : c)),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.summary).toBe('Revision L3-L4 fusion: prior surgery was at another level (+1 more)');
  });

  it('documentation-incomplete says exactly what to document, quoting the thresholds', () => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) => (c.id === 'R3' || c.id === 'R4' ? { id: c.id, status: 'not-documented', evidence: [] } : c)),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], { ...ctx, thresholds: { imagingLookbackMonths: 12, conservativeCareWeeks: 6 } });
    expectValidCard(card!);
    expect(card!.source.topic.code).toBe('documentation-incomplete');
    expect(card!.summary).toBe('Revision L3-L4 fusion: document a recent lumbar MRI or CT of the level (+1 more)');
    expect(card!.detail).toContain('Document a lumbar MRI or CT after the prior surgery, within 12 months, reporting the L3-L4 level.');
    expect(card!.detail).toContain('Document at least 6 weeks of conservative care since the prior surgery');
    expect(card!.overrideReasons!.map((r) => r.code)).toContain('will-document');
  });

  it('R3 not documented because reports of one day disagree: names both and asks which reading stands, not for a new study', () => {
    const base = metDecision();
    const said = (id: string, note: string) => ({ resourceType: 'DiagnosticReport', id, date: '2026-10-02', display: 'MRI lumbar spine', level: 'L3-L4' as const, note });
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) =>
        c.id === 'R3'
          ? { id: 'R3', status: 'not-documented', missingBecause: 'conflicting-reports', evidence: [said('mri', 'Moderate left foraminal stenosis.'), said('mri2', 'Foramina patent.')] }
          : c,
      ),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], { ...ctx, thresholds: { imagingLookbackMonths: 12 } });
    expectValidCard(card!);
    expect(card!.summary).toBe('Revision L3-L4 fusion: imaging reports of one day disagree');
    const r3 = card!.detail!.split('\n').find((l) => l.includes('R3'))!;
    expect(r3).toContain('Imaging reports of the same day disagree at L3-L4');
    expect(r3).toMatch(/Moderate left foraminal stenosis.*Foramina patent/);
    expect(r3).toContain('Document which reading stands');
    expect(r3).not.toContain('Document a lumbar MRI or CT');
  });

  it('documentation-incomplete with only R4 missing uses the conservative-care summary; thresholds worded generally when unknown', () => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) => (c.id === 'R4' ? { id: 'R4', status: 'not-documented', evidence: [] } : c)),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.summary).toBe('Revision L3-L4 fusion: document conservative care or a reason to skip it');
    expect(card!.detail).toContain('Document the required weeks of conservative care');
    expect(card!.detail).not.toMatch(/undefined|NaN/);
  });

  it('R4 not documented says how many weeks of care the record holds', () => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) =>
        c.id === 'R4' ? { id: 'R4', status: 'not-documented', weeks: 4, evidence: [{ resourceType: 'Procedure', id: 'pt', date: '2026-08-03', display: 'Physical therapy' }] } : c,
      ),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.detail).toContain('Found (4 weeks): Procedure 2026-08-03: Physical therapy.');
  });

  it('R4 met by care states the weeks', () => {
    const base = metDecision();
    const d: PlanDecision = {
      ...base,
      criteria: base.criteria.map((c) =>
        c.id === 'R4' ? { id: 'R4', status: 'met', weeks: 8, evidence: [{ resourceType: 'Procedure', id: 'pt', date: '2025-06-01', display: 'Physical therapy' }] } : c,
      ),
    };
    const [card] = buildCards([{ plan: seedPlan, decision: d }], ctx);
    expect(card!.detail).toContain('met.** 8 weeks of conservative care: Procedure 2025-06-01: Physical therapy.');
  });

  it('asks for the level when the plan has none', () => {
    const unknown = plan([{ ...draftOrder(serviceRequest('sr-1', '22830', { bodySite: undefined })), levels: [] }], 'unknown');
    const base = metDecision({ level: 'unknown' });
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) => (c.id === 'R1' || c.id === 'R3' ? { id: c.id, status: 'not-documented', evidence: [] } : c)),
    };
    const [card] = buildCards([{ plan: unknown, decision: d }], ctx);
    expectValidCard(card!);
    expect(card!.summary).toBe('Lumbar revision order: state the spinal level to review');
    expect(card!.detail).toContain('The order does not state a readable lumbar level.');
    expect(card!.detail).toContain('- **R1 Failed prior surgery at the ordered level: not documented.** Checked once the order states its level.');
    expect(card!.detail).toContain('- **R3 Imaging confirms compression at the ordered level: not documented.** Checked once the order states its level.');
    expect(card!.detail).not.toContain('Document a lumbar MRI');
    expect(card!.detail).not.toMatch(/undefined/);
  });

  it('without a level and with no prior lumbar Procedure, R1 also asks for the prior surgery, its level and date', () => {
    const unknown = plan([{ ...draftOrder(serviceRequest('sr-1', '22830', { bodySite: undefined })), levels: [] }], 'unknown');
    const base = metDecision({ level: 'unknown' });
    const history = { resourceType: 'Condition', id: 'z981', date: '2021-03', display: 'Arthrodesis status' };
    const d: PlanDecision = {
      ...base,
      determination: 'documentation-incomplete',
      criteria: base.criteria.map((c) =>
        c.id === 'R1' ? { id: c.id, status: 'not-documented', priorProcedureRecorded: false, evidence: [history] } : c.id === 'R3' ? { id: c.id, status: 'not-documented', evidence: [] } : c,
      ),
    };
    const [card] = buildCards([{ plan: unknown, decision: d }], ctx);
    expectValidCard(card!);
    expect(card!.detail).toContain(
      '- **R1 Failed prior surgery at the ordered level: not documented.** State the level on the order. No prior lumbar surgery is recorded as a procedure: document the prior lumbar fusion or decompression as a completed procedure with its level and date. Found: Condition 2021-03: Arthrodesis status.',
    );
    // With a prior lumbar Procedure in the record, only the level is missing.
    const recorded: PlanDecision = { ...d, criteria: d.criteria.map((c) => (c.id === 'R1' ? { ...c, priorProcedureRecorded: true } : c)) };
    const [again] = buildCards([{ plan: unknown, decision: recorded }], ctx);
    expect(again!.detail).toContain('- **R1 Failed prior surgery at the ordered level: not documented.** Checked once the order states its level; in the record: Condition 2021-03: Arthrodesis status.');
  });
});

describe('evaluation-unavailable', () => {
  const reasons = ['timeout', 'refused', 'error-status', 'unreadable', 'too-large', 'incomplete', 'unreachable'] as const;
  it.each(reasons)('%s: info card saying no judgment was made', (reason) => {
    const card = unavailableCard(reason, { baseUrl: 'https://cds.example.org' });
    expectValidCard(card);
    expect(card.indicator).toBe('info');
    expect(card.source.topic.code).toBe('evaluation-unavailable');
    expect(card.detail).toContain('No judgment was made');
    expect(card.suggestions).toBeUndefined();
  });
  it('gives each reason its own wording', () => {
    expect(new Set(reasons.map((r) => unavailableCard(r, { baseUrl: 'https://cds.example.org' }).summary)).size).toBe(reasons.length);
  });
});
