import nock from 'nock';
import { resolvePatientRecord, type DataAccessConfig } from '../../src/data/patient-record.js';
import { readPrefetch } from '../../src/data/prefetch.js';
import { BadRequestError, PreconditionFailedError, UpstreamError } from '../../src/errors.js';
import { BASE, bundle, complete, cond, config as chartConfig } from './support/chart.js';

const config: DataAccessConfig = chartConfig({ FHIR_REQUEST_TIMEOUT_MS: 500 });
const soon = () => Date.now() + 2000;

describe('resolving the patient record', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('builds the record from a complete prefetch alone', async () => {
    const record = await resolvePatientRecord(
      { patientId: 'pt-1', prefetched: readPrefetch({ ...complete, conditions: bundle([cond('c1'), cond('c1'), { ...cond('c2'), subject: { display: 'no reference' } }]) }) },
      config,
      soon(),
    );
    expect(record.patientId).toBe('pt-1');
    expect(record.patient?.id).toBe('pt-1');
    expect(record.conditions.map((c) => c.id)).toEqual(['c1']);
    expect(record.procedures).toEqual([]);
  });

  it('keeps resources whose patient is named by absolute URL: on any base without fhirServer, on fhirServer only with one', async () => {
    const on = (id: string, reference: string) => ({ ...cond(id), subject: { reference } });
    const conditions = bundle([
      on('ehr', 'https://ehr.example.org/fhir/Patient/pt-1'),
      on('ehr-versioned', 'https://ehr.example.org/fhir/Patient/pt-1/_history/2'),
      on('here', 'HTTP://FHIR.test:80/r4/Patient/pt-1'),
      on('uuid', 'urn:uuid:0b8a2c2e-1111-4444-8888-123456789abc'),
    ]);
    const prefetched = readPrefetch({ ...complete, conditions });
    const alone = await resolvePatientRecord({ patientId: 'pt-1', prefetched }, config, soon());
    expect(alone.conditions.map((c) => c.id)).toEqual(['ehr', 'ehr-versioned', 'here']);
    const onServer = await resolvePatientRecord({ patientId: 'pt-1', fhirServer: `${BASE}/`, prefetched }, config, soon());
    expect(onServer.conditions.map((c) => c.id)).toEqual(['here']);
  });

  it("refuses a prefetch that holds another patient's resources, or another Patient, naming each (a chart judged without them would look empty)", async () => {
    const other = (id: string, reference: string) => ({ ...cond(id), subject: { reference } });
    const prefetched = readPrefetch({
      ...complete,
      patient: { resourceType: 'Patient', id: 'pt-2' },
      conditions: bundle([cond('c1'), other('theirs', 'Patient/pt-2'), other('theirs-abs', 'https://ehr.example.org/fhir/Patient/pt-2/_history/3')]),
    });
    const refusal = await resolvePatientRecord({ patientId: 'pt-1', prefetched }, config, soon()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(BadRequestError);
    expect((refusal as BadRequestError).problems).toEqual([
      { path: 'prefetch.patient', message: 'Patient/pt-2 is about another patient than context.patientId' },
      { path: 'prefetch.conditions', message: 'Condition/theirs is about another patient than context.patientId' },
      { path: 'prefetch.conditions', message: 'Condition/theirs-abs is about another patient than context.patientId' },
    ]);
  });

  it("gives up on a record the FHIR server answers with another patient's resources: unreadable, no judgment", async () => {
    nock('http://fhir.test').get('/r4/Condition').query(true).reply(200, bundle([cond('c1'), { ...cond('c2'), subject: { reference: 'Patient/pt-2' } }]));
    await expect(
      resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: undefined }) }, config, soon()),
    ).rejects.toEqual(new UpstreamError('FHIR server sent a Condition of another patient', 'other-patient'));
  });

  it("names another patient's resource in a paged prefetch as the caller's (400), and one on a later page as the server's", async () => {
    const theirs = { ...cond('theirs'), subject: { reference: 'Patient/pt-2' } };
    nock('http://fhir.test').get('/r4/page').query({ n: '2' }).reply(200, bundle([cond('c2')]));
    const firstPage = resolvePatientRecord(
      { patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: bundle([cond('c1'), theirs], `${BASE}/page?n=2`) }) },
      config,
      soon(),
    );
    await expect(firstPage).rejects.toBeInstanceOf(BadRequestError);
    nock('http://fhir.test').get('/r4/page').query({ n: '2' }).reply(200, bundle([theirs]));
    const laterPage = resolvePatientRecord(
      { patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: bundle([cond('c1')], `${BASE}/page?n=2`) }) },
      config,
      soon(),
    );
    await expect(laterPage).rejects.toEqual(new UpstreamError('FHIR server sent a Condition of another patient', 'other-patient'));
  });

  it('lists at most 20 problems, however many keys hold them', async () => {
    const theirs = (n: number) => Array.from({ length: n }, (_, i) => ({ ...cond(`t${i}`), subject: { reference: 'Patient/pt-2' } }));
    const refusal = await resolvePatientRecord(
      { patientId: 'pt-1', prefetched: readPrefetch({ ...complete, conditions: bundle(theirs(25)), procedures: bundle(theirs(5).map((c) => ({ ...c, resourceType: 'Procedure' }))) }) },
      config,
      soon(),
    ).catch((e: unknown) => e);
    expect((refusal as BadRequestError).problems).toHaveLength(20);
  });

  it('reads the rest of a prefetched Bundle that came with a next link', async () => {
    const scope = nock('http://fhir.test').get('/r4/page').query({ n: '2' }).reply(200, bundle([cond('c2')]));
    const record = await resolvePatientRecord(
      { patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: bundle([cond('c1')], `${BASE}/page?n=2`) }) },
      config,
      soon(),
    );
    expect(scope.isDone()).toBe(true);
    expect(record.conditions.map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('reports each read to the observer, failures with their reason', async () => {
    nock('http://fhir.test').get('/r4/Condition').query(true).reply(200, bundle([]));
    const seen: [string, string | undefined][] = [];
    await resolvePatientRecord(
      { patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: undefined }) },
      config,
      soon(),
      (type, _s, failure) => seen.push([type, failure]),
    );
    expect(seen).toEqual([['Condition', undefined]]);

    nock('http://fhir.test').get('/r4/Condition').query(true).reply(401);
    seen.length = 0;
    await expect(
      resolvePatientRecord(
        { patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: undefined }) },
        config,
        soon(),
        (type, _s, failure) => seen.push([type, failure]),
      ),
    ).rejects.toEqual(new UpstreamError('FHIR server refused access (401)', 'refused'));
    expect(seen).toEqual([['Condition', 'refused']]);
  });

  it('refuses with PreconditionFailedError, before any request, when keys are missing and there is no usable server', async () => {
    const prefetched = readPrefetch({ ...complete, conditions: undefined, observations: undefined });
    await expect(resolvePatientRecord({ patientId: 'pt-1', prefetched }, config, soon())).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(resolvePatientRecord({ patientId: 'pt-1', prefetched }, config, soon())).rejects.toThrow(/conditions, observations/);
    await expect(resolvePatientRecord({ patientId: 'pt-1', fhirServer: 'http://other.test/r4', prefetched }, config, soon())).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('refuses with PreconditionFailedError when a key holds a failed search and there is no server to read it again', async () => {
    const failed = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] } }] };
    const attempt = resolvePatientRecord({ patientId: 'pt-1', prefetched: readPrefetch({ ...complete, procedures: failed }) }, config, soon());
    await expect(attempt).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(attempt).rejects.toThrow(/procedures/);
  });

  it('refuses with PreconditionFailedError when a key holds a searchset cut short and there is no server to read it again', async () => {
    const cut = { resourceType: 'Bundle', type: 'searchset', total: 2, entry: [{ resource: cond('c1') }] };
    const attempt = resolvePatientRecord({ patientId: 'pt-1', prefetched: readPrefetch({ ...complete, conditions: cut }) }, config, soon());
    await expect(attempt).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(attempt).rejects.toThrow(/conditions/);
  });

  it('stops at once when the deadline has already passed', async () => {
    const scope = nock('http://fhir.test').get('/r4/Condition').query(true).reply(200, bundle([]));
    await expect(
      resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: undefined }) }, config, Date.now() - 1),
    ).rejects.toMatchObject({ reason: 'timeout' });
    expect(scope.isDone()).toBe(false);
  });

  it('refuses a next link that loops back to a page already read', async () => {
    nock('http://fhir.test').get('/r4/Condition').query(true).reply(200, bundle([cond('c1')], `${BASE}/page?n=2`));
    nock('http://fhir.test').get('/r4/page').query({ n: '2' }).reply(200, bundle([], `${BASE}/page?n=2`));
    await expect(
      resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch({ ...complete, conditions: undefined }) }, config, soon()),
    ).rejects.toMatchObject({ reason: 'unreadable' });
  });
});

const malformed = {
  resourceType: 'Condition',
  id: 'bad',
  subject: { reference: 'Patient/pt-1' },
  code: { coding: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M21.372' } },
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
