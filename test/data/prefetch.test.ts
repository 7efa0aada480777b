import { readPrefetch } from '../../src/data/prefetch.js';
import { BadRequestError } from '../../src/errors.js';

const bundle = (resources: object[], extra: object = {}) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })), ...extra });

function problemPaths(prefetch: Record<string, unknown>): string[] {
  try {
    readPrefetch(prefetch);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError);
    return (e as BadRequestError).problems.map((p) => p.path);
  }
  throw new Error('no problem found');
}

describe('reading prefetch keys', () => {
  it('classifies every declared key: absent, null, failed, resource or bundle', () => {
    const states = readPrefetch({
      patient: { resourceType: 'Patient', id: 'p' },
      conditions: null,
      procedures: { resourceType: 'OperationOutcome', issue: [] },
      observations: bundle([{ resourceType: 'Observation', id: 'o1' }, { resourceType: 'OperationOutcome' }]),
      imagingStudies: bundle([], { link: [{ relation: 'next', url: 'http://fhir.test/r4/page2' }] }),
    });
    expect(states.patient).toEqual({ kind: 'resource', resource: { resourceType: 'Patient', id: 'p' } });
    expect(states.conditions).toEqual({ kind: 'none' });
    expect(states.procedures).toEqual({ kind: 'missing', why: 'failed' });
    expect(states.observations).toEqual({ kind: 'bundle', resources: [{ resourceType: 'Observation', id: 'o1' }] });
    expect(states.imagingStudies).toEqual({ kind: 'bundle', resources: [], next: 'http://fhir.test/r4/page2', matched: 0 });
    expect(states.diagnosticReports).toEqual({ kind: 'missing', why: 'absent' });
  });

  const outcome = (severity: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity, code: 'exception' }] });

  it('treats a Bundle holding an error or fatal OperationOutcome as a failed prefetch, alone or beside resources', () => {
    const states = readPrefetch({
      conditions: bundle([outcome('error')]),
      procedures: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Procedure', id: 'p1' } }, { resource: outcome('fatal'), search: { mode: 'outcome' } }] },
      observations: bundle([{ resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'x' }, { severity: 'error', code: 'exception' }] }]),
    });
    expect(states.conditions).toEqual({ kind: 'missing', why: 'failed' });
    expect(states.procedures).toEqual({ kind: 'missing', why: 'failed' });
    expect(states.observations).toEqual({ kind: 'missing', why: 'failed' });
  });

  it('ignores OperationOutcomes of severity warning or information (e.g. "no results")', () => {
    const states = readPrefetch({
      conditions: bundle([outcome('warning')]),
      procedures: bundle([{ resourceType: 'Procedure', id: 'p1' }, outcome('information')]),
    });
    expect(states.conditions).toEqual({ kind: 'bundle', resources: [] });
    expect(states.procedures).toEqual({ kind: 'bundle', resources: [{ resourceType: 'Procedure', id: 'p1' }] });
  });

  it('treats a searchset whose total exceeds its matches, with no next link, as a failed prefetch', () => {
    const condition = { resourceType: 'Condition', id: 'c1' };
    const entries = [
      { resource: condition, search: { mode: 'match' } },
      { resource: { resourceType: 'Patient', id: 'p' }, search: { mode: 'include' } },
      { resource: outcome('information'), search: { mode: 'outcome' } },
    ];
    const states = readPrefetch({
      conditions: { resourceType: 'Bundle', type: 'searchset', total: 2, entry: entries },
      procedures: { resourceType: 'Bundle', type: 'searchset', total: 3 },
      observations: { resourceType: 'Bundle', type: 'searchset', total: 1, entry: entries },
      imagingStudies: { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [{ resource: { resourceType: 'ImagingStudy', id: 'i1' } }] },
      diagnosticReports: { resourceType: 'Bundle', type: 'searchset', total: 5, entry: [], link: [{ relation: 'next', url: 'http://fhir.test/r4/page2' }] },
    });
    expect(states.conditions).toEqual({ kind: 'missing', why: 'failed' });
    expect(states.procedures).toEqual({ kind: 'missing', why: 'failed' });
    // As many as it says, or more: complete.
    expect(states.observations).toEqual({ kind: 'bundle', resources: [] });
    expect(states.imagingStudies).toEqual({ kind: 'bundle', resources: [{ resourceType: 'ImagingStudy', id: 'i1' }] });
    // Paged: the rest is on the next page, and the count goes on there.
    expect(states.diagnosticReports).toEqual({ kind: 'bundle', resources: [], next: 'http://fhir.test/r4/page2', matched: 0, total: 5 });
  });

  it('treats no prefetch at all as every key absent', () => {
    const states = readPrefetch(undefined);
    expect(Object.values(states).every((s) => s.kind === 'missing')).toBe(true);
  });

  it('ignores keys the service did not declare', () => {
    expect(() => readPrefetch({ user: { resourceType: 'Practitioner' }, imaging: 'anything' })).not.toThrow();
  });

  it('accepts a Bundle without type and without entries', () => {
    expect(readPrefetch({ conditions: { resourceType: 'Bundle' } }).conditions).toEqual({ kind: 'bundle', resources: [] });
  });

  it('names every value that is not what its key holds', () => {
    expect(
      problemPaths({
        patient: bundle([]),
        conditions: { resourceType: 'Condition' },
        procedures: 'x',
        observations: { resourceType: 'Bundle', entry: [{ resource: {} }, 7] },
        imagingStudies: { resourceType: 'Bundle', entry: { resource: {} } },
      }),
    ).toEqual(['prefetch.patient', 'prefetch.conditions', 'prefetch.procedures', 'prefetch.observations.entry.0.resource', 'prefetch.observations.entry.1', 'prefetch.imagingStudies.entry']);
  });

  it('names an entry whose resource is no FHIR resource, rather than skipping it (it would be lost)', () => {
    const entries = [{ resource: 'Condition/c1' }, { resource: ['x'] }, { resource: { id: 'c2' } }, { resource: { resourceType: 7 } }, { fullUrl: 'urn:uuid:1' }];
    expect(problemPaths({ conditions: { resourceType: 'Bundle', type: 'searchset', entry: entries } })).toEqual([0, 1, 2, 3].map((i) => `prefetch.conditions.entry.${i}.resource`));
    // Another type beside the key's (an _include) is still passed over, as is an entry without a resource.
    expect(() => readPrefetch({ conditions: bundle([{ resourceType: 'Condition', id: 'c1' }, { resourceType: 'Practitioner', id: 'pr' }]) })).not.toThrow();
  });
});
