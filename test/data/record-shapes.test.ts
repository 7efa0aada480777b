import nock from 'nock';
import { resolvePatientRecord, type DataAccessConfig } from '../../src/data/patient-record.js';
import { readPrefetch } from '../../src/data/prefetch.js';
import { BadRequestError, UpstreamError } from '../../src/errors.js';

const BASE = 'http://fhir.test/r4';
const config: DataAccessConfig = { NODE_ENV: 'test', FHIR_SERVER_ALLOWLIST: [BASE], FHIR_MAX_RESOURCES_PER_TYPE: 100, FHIR_REQUEST_TIMEOUT_MS: 500 };
const bundle = (resources: object[]) => ({ resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) });
const subject = { reference: 'Patient/pt-1' };
const malformed = { resourceType: 'Condition', id: 'bad', subject, code: { coding: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M21.372' } } };
const complete = {
  patient: { resourceType: 'Patient', id: 'pt-1' },
  conditions: bundle([]),
  procedures: bundle([]),
  observations: bundle([]),
  imagingStudies: bundle([]),
  diagnosticReports: bundle([]),
};

describe('resources that do not have FHIR shapes', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('in prefetch: a 400 naming the key, the resource and the element', async () => {
    const attempt = resolvePatientRecord(
      { patientId: 'pt-1', prefetched: readPrefetch({ ...complete, conditions: bundle([malformed]) }) },
      config,
      Date.now() + 2000,
    );
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({
      problems: [{ path: 'prefetch.conditions', message: 'Condition/bad code.coding: expected an array' }],
    });
  });

  it('from the FHIR server: the record is unreadable, and no judgment is made', async () => {
    nock('http://fhir.test').get('/r4/Condition').query(true).reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: malformed }] });
    const { conditions: _missing, ...rest } = complete;
    const attempt = resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch(rest) }, config, Date.now() + 2000);
    await expect(attempt).rejects.toMatchObject({ reason: 'unreadable' });
    await expect(attempt).rejects.toBeInstanceOf(UpstreamError);
  });
});
