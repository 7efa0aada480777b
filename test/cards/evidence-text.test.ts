import { evidenceList, evidenceText } from '../../src/cards/evidence-text.js';

describe('evidence lines', () => {
  const report = { resourceType: 'DiagnosticReport', id: 'd', date: '2026-09-01', display: 'MRI lumbar spine', level: 'L4-L5' as const };

  it('adds the level and side only when the text does not already say them', () => {
    expect(evidenceText({ ...report, side: 'left', note: 'Moderate foraminal stenosis.' })).toBe('MRI lumbar spine 2026-09-01: Moderate foraminal stenosis, L4-L5, left');
    expect(evidenceText({ ...report, side: 'left', note: 'L4-5: moderate left foraminal stenosis.' })).toBe('MRI lumbar spine 2026-09-01: L4-5: moderate left foraminal stenosis');
  });

  it('reads "bilaterally" as naming the bilateral side', () => {
    expect(evidenceText({ ...report, side: 'bilateral', note: 'L4-L5: foramina patent bilaterally without stenosis.' })).toBe(
      'MRI lumbar spine 2026-09-01: L4-L5: foramina patent bilaterally without stenosis',
    );
  });

  it('shows three items and counts the rest', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ resourceType: 'Condition', id, display: `Finding ${id}` }));
    expect(evidenceList(items)).toBe('Condition undated: Finding a; Condition undated: Finding b; Condition undated: Finding c; and 2 more');
  });

  it('shows a period as its first and last day', () => {
    const course = { resourceType: 'Procedure', id: 'pt', startDate: '2026-03-02', date: '2026-05-11', display: 'Physical therapy course' };
    expect(evidenceText(course)).toBe('Procedure 2026-03-02 to 2026-05-11: Physical therapy course');
  });

  it('says when a finding has no date (it then counts as of the order)', () => {
    expect(evidenceText({ resourceType: 'Condition', id: 'fd', display: 'Left foot drop', side: 'left' })).toBe('Condition undated: Left foot drop');
    expect(evidenceText({ resourceType: 'Condition', id: 'fd', date: '2025-09', display: 'Left foot drop', side: 'left' })).toBe('Condition 2025-09: Left foot drop');
  });
});
