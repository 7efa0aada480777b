import nock from 'nock';
import { MAX_JSON_DEPTH } from '../../src/json-depth.js';
import { UpstreamError } from '../../src/errors.js';
import { cond, HOST, readWithout } from './support/chart.js';

/** `resource` as text with an unknown element nesting `levels` objects (built as text: a JS object that deep is the point). */
const nestedUnder = (resource: object, levels: number): string =>
  JSON.stringify(resource).replace(/}$/, `,"_x":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`);

/** A searchset of one Condition whose answer nests `depth` levels: Bundle, entry list, entry and Condition take four. */
const pageNesting = (depth: number): string =>
  `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":${nestedUnder(cond('c1'), depth - 4)}}]}`;

const json = { 'content-type': 'application/fhir+json' };

describe('FHIR answers nested deeper than request bodies may be', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('are unreadable, from a search: no judgment on the rest of the record', async () => {
    nock(HOST).get('/r4/Condition').query(true).reply(200, pageNesting(5000), json);
    const attempt = readWithout(['conditions']);
    await expect(attempt).rejects.toBeInstanceOf(UpstreamError);
    await expect(attempt).rejects.toMatchObject({ reason: 'unreadable' });
  });

  it('are unreadable, from the Patient read', async () => {
    nock(HOST).get('/r4/Patient/pt-1').reply(200, nestedUnder({ resourceType: 'Patient', id: 'pt-1' }, 5000), json);
    await expect(readWithout(['patient'])).rejects.toMatchObject({ reason: 'unreadable' });
  });

  it('are read up to the bound request bodies have, and refused one level past it', async () => {
    nock(HOST).get('/r4/Condition').query(true).reply(200, pageNesting(MAX_JSON_DEPTH), json);
    const record = await readWithout(['conditions']);
    expect(record.conditions.map((c) => c.id)).toEqual(['c1']);

    nock(HOST).get('/r4/Condition').query(true).reply(200, pageNesting(MAX_JSON_DEPTH + 1), json);
    await expect(readWithout(['conditions'])).rejects.toMatchObject({ reason: 'unreadable' });
  });
});
