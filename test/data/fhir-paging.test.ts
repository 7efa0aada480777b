import nock from 'nock';
import { resolvePatientRecord } from '../../src/data/patient-record.js';
import { readPrefetch } from '../../src/data/prefetch.js';
import { BASE, bundle, cond, config, HOST, readWithout } from './support/chart.js';

/** Serves /r4/page?n=<n> for any n: `resources(n)` on it, linked to page n + 1. Returns how many pages were asked for. */
function chainOfPages(resources: (n: number) => object[]): { asked: () => number } {
  let asked = 0;
  nock(HOST)
    .get('/r4/page')
    .query(true)
    .reply((uri) => {
      asked += 1;
      const n = Number(new URL(uri, HOST).searchParams.get('n'));
      return [200, bundle(resources(n), `${BASE}/page?n=${n + 1}`)];
    })
    .persist();
  return { asked: () => asked };
}

const ten = (n: number) => Array.from({ length: 10 }, (_, i) => cond(`c${n}-${i}`));

describe('next links', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('are followed up to one per ten resources the bound allows, then the search is too large, empty pages or not', async () => {
    // FHIR_MAX_RESOURCES_PER_TYPE 100: ten next links. A full chart in pages of ten, then an empty last page, takes them all.
    nock(HOST).get('/r4/Condition').query(true).reply(200, bundle(ten(1), `${BASE}/page?n=2`));
    nock(HOST)
      .get('/r4/page')
      .query(true)
      .times(10)
      .reply((uri) => {
        const n = Number(new URL(uri, HOST).searchParams.get('n'));
        return [200, n <= 10 ? bundle(ten(n), `${BASE}/page?n=${n + 1}`) : bundle([])];
      });
    const record = await readWithout(['conditions']);
    expect(record.conditions).toHaveLength(100);
    nock.cleanAll();

    nock(HOST).get('/r4/Condition').query(true).reply(200, bundle([], `${BASE}/page?n=1`));
    const empty = chainOfPages(() => []);
    await expect(readWithout(['conditions'])).rejects.toMatchObject({ reason: 'too-large' });
    expect(empty.asked()).toBe(10);
  });

  it('are bounded the same after a prefetched first page', async () => {
    const pages = chainOfPages(() => []);
    const prefetched = readPrefetch({
      patient: { resourceType: 'Patient', id: 'pt-1' },
      conditions: bundle([cond('c1')], `${BASE}/page?n=1`),
      procedures: null,
      observations: null,
      imagingStudies: null,
      diagnosticReports: null,
    });
    const attempt = resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched }, config({ FHIR_MAX_RESOURCES_PER_TYPE: 20 }), Date.now() + 3000);
    await expect(attempt).rejects.toMatchObject({ reason: 'too-large' });
    expect(pages.asked()).toBe(2);
  });

  it('back to the search itself are a loop: unreadable, and the search is not read again', async () => {
    nock(HOST).get('/r4/Condition').query({ patient: 'pt-1' }).once().reply(200, bundle([cond('c1')], `${BASE}/Condition?patient=pt-1`));
    await expect(readWithout(['conditions'])).rejects.toMatchObject({ reason: 'unreadable' });
  });
});
