import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, Condition, OperationOutcome, Patient } from 'fhir/r4.js';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/embedded-fhir/server.js';
import { request } from 'node:http';
import { call, diagnostics, ids, postJson, searchAll, TEST_FIXTURES } from './helpers.js';

/** GET with a Host header of our choosing (fetch will not send one). */
function getAs(url: string, host: string): Promise<Bundle> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(JSON.parse(body) as Bundle));
    })
      .on('error', reject)
      .end();
  });
}

const A_CONDITIONS = ['emb-a-cond-1', 'emb-a-cond-2', 'emb-a-cond-3', 'emb-a-cond-4', 'emb-a-cond-5'];

describe('embedded FHIR server', () => {
  let server: EmbeddedFhirServer;
  let base: string;

  beforeAll(async () => {
    server = await startEmbeddedFhirServer({ port: 0, fixturesDir: TEST_FIXTURES });
    base = server.baseUrl;
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on loopback under /fhir and lists the fixture patients in file order', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    expect(server.patientIds).toEqual(['emb-pt-a', 'emb-pt-b']);
  });

  it('reads a resource by id, as FHIR JSON any origin may read, with its ETag', async () => {
    const res = await call<Patient>(`${base}/Patient/emb-pt-a`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body).toMatchObject({ resourceType: 'Patient', id: 'emb-pt-a', birthDate: '1961-04-02' });
    expect(res.headers.get('etag')).toBe(`W/"${res.body.meta?.versionId}"`);
  });

  it.each([
    ['patient', 'emb-pt-a'],
    ['patient', 'Patient/emb-pt-a'],
    ['subject', 'emb-pt-a'],
    ['subject', 'Patient/emb-pt-a'],
    ['patient:Patient', 'emb-pt-a'],
  ])('searches Condition?%s=%s: the patient\'s resources only, with total', async (param, value) => {
    const res = await call<Bundle>(`${base}/Condition?${param}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
    expect(ids(res.body.entry!.map((e) => e.resource!))).toEqual(A_CONDITIONS);
    expect(res.body.entry!.every((e) => e.fullUrl === `${base}/Condition/${e.resource!.id}` && e.search?.mode === 'match')).toBe(true);
  });

  it('writes its links on the loopback name the client called it by (a Sandbox told localhost), never on another host', async () => {
    const port = new URL(base).port;
    const nextOf = (b: Bundle) => b.link?.find((l) => l.relation === 'next')?.url;
    const url = `${base}/Condition?patient=emb-pt-a&_count=2`;
    const asLocalhost = await getAs(url, `localhost:${port}`);
    expect(nextOf(asLocalhost)).toMatch(new RegExp(`^http://localhost:${port}/fhir/Condition\\?`));
    expect(asLocalhost.entry![0]!.fullUrl).toBe(`http://localhost:${port}/fhir/Condition/emb-a-cond-1`);
    expect(nextOf(await getAs(url, `127.0.0.1:${port}`))).toMatch(new RegExp(`^${base}/Condition\\?`));
    // Called as localhost, it still knows a patient named by its 127.0.0.1 address (and the other way round).
    const byAbsolute = (b: string) => `${base}/Condition?patient=${encodeURIComponent(`${b}/Patient/emb-pt-b`)}`;
    expect(ids((await getAs(byAbsolute(base), `localhost:${port}`)).entry!.map((e) => e.resource!))).toEqual(['emb-b-cond-1']);
    expect(ids((await getAs(byAbsolute(`http://localhost:${port}/fhir`), `127.0.0.1:${port}`)).entry!.map((e) => e.resource!))).toEqual(['emb-b-cond-1']);
    for (const host of [`evil.example:${port}`, 'localhost:1', `localhost:${port}@evil.example`]) {
      expect(nextOf(await getAs(url, host))).toMatch(new RegExp(`^${base}/Condition\\?`));
    }
  });

  it('keeps other patients apart and accepts an absolute reference to itself', async () => {
    const b = await call<Bundle>(`${base}/Condition?patient=${encodeURIComponent(`${base}/Patient/emb-pt-b`)}`);
    expect(ids(b.body.entry!.map((e) => e.resource!))).toEqual(['emb-b-cond-1']);
    const none = await call<Bundle>(`${base}/Condition?patient=nobody`);
    expect(none.body).toMatchObject({ total: 0 });
    expect(none.body.entry).toBeUndefined();
    const both = await call<Bundle>(`${base}/Condition?patient=emb-pt-a,emb-pt-b`);
    expect(both.body.total).toBe(6);
  });

  it('pages with _count: absolute next links that work here, the same total on every page, every resource once', async () => {
    const { resources, pages } = await searchAll(`${base}/Condition?patient=emb-pt-a&_count=2`);
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.entry?.length)).toEqual([2, 2, 1]);
    expect(pages.every((p) => p.total === 5)).toBe(true);
    for (const page of pages) {
      for (const link of page.link ?? []) expect(link.url.startsWith(`${base}/Condition?`)).toBe(true);
    }
    expect(pages[2]!.link?.some((l) => l.relation === 'next')).toBe(false);
    expect(pages[1]!.link?.find((l) => l.relation === 'previous')?.url).toContain('_count=2');
    expect(ids(resources)).toEqual(A_CONDITIONS);
  });

  it('answers the same search in the same order every time, and sorts on request', async () => {
    const first = await searchAll(`${base}/Condition?patient=emb-pt-a&_count=3`);
    const second = await searchAll(`${base}/Condition?patient=emb-pt-a&_count=3`);
    expect(ids(second.resources)).toEqual(ids(first.resources));
    const sorted = await call<Bundle>(`${base}/Condition?patient=emb-pt-a&_sort=-onset-date`);
    const onsets = sorted.body.entry!.map((e) => (e.resource as Condition).onsetDateTime);
    expect(onsets).toEqual(['2024-04-20', '2024-03-05', '2024-01-10', '2023-09-15', '2022-06-01']);
    // The first sort rule decides; the second only breaks its ties (active sorts before resolved).
    const twoRules = await call<Bundle>(`${base}/Condition?patient=emb-pt-a&_sort=clinical-status,-onset-date`);
    expect(ids(twoRules.body.entry!.map((e) => e.resource!))).toEqual(['emb-a-cond-5', 'emb-a-cond-2', 'emb-a-cond-1', 'emb-a-cond-3', 'emb-a-cond-4']);
  });

  it('applies a default page size and reports it in the self link; _count=0 gives the total alone', async () => {
    const res = await call<Bundle>(`${base}/Condition?patient=emb-pt-a`);
    expect(res.body.link?.find((l) => l.relation === 'self')?.url).toContain('_count=20');
    const count = await call<Bundle>(`${base}/Condition?patient=emb-pt-a&_count=0`);
    expect(count.body).toMatchObject({ total: 5 });
    expect(count.body.entry).toBeUndefined();
  });

  it('searches the other clinical types by patient and filters by token and date', async () => {
    const procs = await call<Bundle>(`${base}/Procedure?patient=emb-pt-a`);
    expect(ids(procs.body.entry!.map((e) => e.resource!))).toEqual(['emb-a-proc-1']);
    const obs = await call<Bundle>(`${base}/Observation?subject=emb-pt-a`);
    expect(obs.body.total).toBe(1);
    const active = await call<Bundle>(`${base}/Condition?patient=emb-pt-a&clinical-status=active`);
    expect(active.body.total).toBe(4);
    const recent = await call<Bundle>(`${base}/Condition?patient=emb-pt-a&onset-date=ge2024-01-01`);
    expect(recent.body.total).toBe(3);
  });

  it('answers POST _search with a form body like GET', async () => {
    const res = await call<Bundle>(`${base}/Condition/_search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'patient=emb-pt-b',
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
  });

  it('answers 404 with an OperationOutcome for a missing resource, an unknown type and a path outside /fhir', async () => {
    for (const url of [`${base}/Patient/nope`, `${base}/Nonsense/1`, `${new URL(base).origin}/elsewhere`]) {
      const res = await call<OperationOutcome>(url);
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0]).toMatchObject({ severity: 'error' });
      expect(diagnostics(res.body).length).toBeGreaterThan(0);
    }
  });

  it('refuses, with 400 naming each parameter, what it cannot search rather than answering nothing', async () => {
    const res = await call<OperationOutcome>(`${base}/Condition?patient=emb-pt-a&colour=blue&_include=Condition:subject&_count=-1&_sort=shoe-size`);
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i) => i.expression?.[0])).toEqual(['colour', '_include', '_count', '_sort']);
    const system = await call<OperationOutcome>(`${base}?_type=Condition`);
    expect(system.status).toBe(400);
  });

  it('serves a CapabilityStatement and answers CORS preflight', async () => {
    const meta = await call<CapabilityStatement>(`${base}/metadata`);
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(meta.body.rest?.[0]?.resource?.some((r) => r.type === 'Condition' && r.searchParam?.some((p) => p.name === 'patient'))).toBe(true);
    const pre = await fetch(`${base}/Condition?patient=emb-pt-a`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-private-network')).toBeNull();
    const pna = await fetch(`${base}/Patient/emb-pt-a`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://sandbox.cds-hooks.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(pna.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('takes a transaction Bundle of PUTs: ids kept, readable and searchable by bare id', async () => {
    const condition: Condition = { resourceType: 'Condition', id: 'emb-new-cond', subject: { reference: 'Patient/emb-pt-new' } };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'PUT', url: 'Patient/emb-pt-new' }, resource: { resourceType: 'Patient', id: 'emb-pt-new' } },
        { request: { method: 'PUT', url: 'Condition/emb-new-cond' }, resource: condition },
      ],
    };
    const res = await call<Bundle>(base, postJson(bundle));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200']);
    expect((await call(`${base}/Patient/emb-pt-new`)).status).toBe(200);
    const found = await call<Bundle>(`${base}/Condition?patient=emb-pt-new`);
    expect(ids(found.body.entry!.map((e) => e.resource!))).toEqual(['emb-new-cond']);
  });

  it('refuses a malformed transaction whole with 400 naming each entry, and writes nothing', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'PUT', url: 'Patient/emb-pt-half' }, resource: { resourceType: 'Patient', id: 'emb-pt-half' } },
        { request: { method: 'PUT', url: 'Condition/x1' }, resource: { resourceType: 'Condition', id: 'x2' } },
        { request: { method: 'FETCH', url: 'Condition/x3' } },
      ],
    };
    const res = await call<OperationOutcome>(base, postJson(bundle));
    expect(res.status).toBe(400);
    expect(res.body.issue.map((i) => i.expression?.[0])).toEqual(['entry[1].resource.id', 'entry[2].request.method']);
    expect((await call(`${base}/Patient/emb-pt-half`)).status).toBe(404);
  });

  it('answers 400 for a body that is not JSON or not a Bundle', async () => {
    const notJson = await call<OperationOutcome>(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: '{"resourceType":' });
    expect(notJson.status).toBe(400);
    expect(diagnostics(notJson.body)).toMatch(/not valid JSON/);
    const notBundle = await call<OperationOutcome>(base, postJson({ resourceType: 'Patient' }));
    expect(notBundle.status).toBe(400);
    expect(notBundle.body.issue[0]?.expression).toEqual(['resourceType']);
  });

  it('creates with POST and answers 201 with a Location on this server', async () => {
    const res = await call<Patient>(`${base}/Patient`, postJson({ resourceType: 'Patient', gender: 'other' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${base}/Patient/${res.body.id}/_history/${res.body.meta?.versionId}`);
  });
});

describe('embedded FHIR server start-up', () => {
  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.org'])('refuses to listen on %s', async (host) => {
    await expect(startEmbeddedFhirServer({ host, port: 0, fixturesDir: TEST_FIXTURES })).rejects.toThrow(/loopback only/);
  });

  it('names the directory when it cannot be read', async () => {
    await expect(startEmbeddedFhirServer({ port: 0, fixturesDir: join(tmpdir(), 'no-such-fixtures-dir-4711') })).rejects.toThrow(
      /no-such-fixtures-dir-4711: cannot read the directory \(ENOENT\)/,
    );
  });

  it('names each bad file and path, and does not start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emb-fhir-'));
    try {
      const good = await readFile(join(TEST_FIXTURES, 'emb-pt-b.json'), 'utf8');
      await writeFile(join(dir, 'emb-pt-b.json'), good);
      await writeFile(join(dir, 'wrong-name.json'), good.replaceAll('emb-b-cond-1', 'other-cond'));
      await writeFile(join(dir, 'broken.json'), '{"resourceType": "Bundle",');
      await writeFile(join(dir, 'emb-pt-c.json'), good.replaceAll('emb-pt-b', 'emb-pt-c').replace(/"fullUrl": "[^"]*",/, ''));
      const err = await startEmbeddedFhirServer({ port: 0, fixturesDir: dir }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/broken\.json: not valid JSON/);
      expect(err?.message).toMatch(/wrong-name\.json: entry the Patient's id must equal the file name "wrong-name"/);
      expect(err?.message).toMatch(/emb-pt-c\.json: entry\[0\]\.fullUrl must be a urn:uuid/);
      expect(err?.message).not.toMatch(/emb-pt-b\.json/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('adds the configured latency to every answer', async () => {
    const latencyMs = 200;
    const slow = await startEmbeddedFhirServer({ port: 0, fixturesDir: TEST_FIXTURES, latencyMs });
    try {
      for (const url of [`${slow.baseUrl}/Patient/emb-pt-a`, `${slow.baseUrl}/Patient/nope`]) {
        const t0 = performance.now();
        await call(url);
        // Node may fire a timer up to a millisecond early; the point is only that the delay is not skipped.
        expect(performance.now() - t0).toBeGreaterThanOrEqual(latencyMs - 2);
      }
    } finally {
      await slow.close();
    }
  });
});
