import nock from 'nock';
import { BASE, bundle, cond, config, HOST, readWithout } from './support/chart.js';

/** FHIR_MAX_RESPONSE_BYTES for these tests, and a searchset of one Condition taking `share` of it. */
const MAX = 64 * 1024;
const searchsetOf = (share: number, next?: string): string => {
  const page = JSON.stringify(bundle([{ ...cond('c1'), note: [{ text: '' }] }], next));
  return page.replace('"text":""', `"text":"${'x'.repeat(Math.round(MAX * share) - page.length)}"`);
};
const settings = config({ FHIR_MAX_RESPONSE_BYTES: MAX });
const json = { 'content-type': 'application/fhir+json' };

describe('FHIR_MAX_RESPONSE_BYTES bounds all the answers of one call together', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('refuses two searches that pass it together, each within it', async () => {
    nock(HOST).get('/r4/Condition').query(true).reply(200, searchsetOf(0.4), json);
    nock(HOST).get('/r4/Observation').query(true).reply(200, JSON.stringify(bundle([])), json);
    const record = await readWithout(['conditions', 'observations'], settings);
    expect(record.conditions.map((c) => c.id)).toEqual(['c1']);

    nock(HOST).get('/r4/Condition').query(true).reply(200, searchsetOf(0.6), json);
    nock(HOST).get('/r4/Observation').query(true).reply(200, searchsetOf(0.6).replaceAll('Condition', 'Observation'), json);
    await expect(readWithout(['conditions', 'observations'], settings)).rejects.toMatchObject({ reason: 'too-large' });
  });

  it('refuses the pages of one search that pass it together', async () => {
    nock(HOST).get('/r4/Condition').query(true).reply(200, searchsetOf(0.6, `${BASE}/page?n=2`), json);
    nock(HOST).get('/r4/page').query({ n: '2' }).reply(200, searchsetOf(0.6).replace('"c1"', '"c2"'), json);
    await expect(readWithout(['conditions'], settings)).rejects.toMatchObject({ reason: 'too-large' });
  });

  it('counts the Patient read too', async () => {
    nock(HOST).get('/r4/Patient/pt-1').reply(200, JSON.stringify({ resourceType: 'Patient', id: 'pt-1', name: [{ text: 'x'.repeat(MAX * 0.6) }] }), json);
    nock(HOST).get('/r4/Condition').query(true).reply(200, searchsetOf(0.6), json);
    await expect(readWithout(['patient', 'conditions'], settings)).rejects.toMatchObject({ reason: 'too-large' });
  });
});
