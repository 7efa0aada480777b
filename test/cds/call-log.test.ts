import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import nock from 'nock';
import request from 'supertest';
import { createCdsAuth } from '../../src/auth/cds-auth.js';
import { CLIENT_CLOSED_STATUS, requestLog } from '../../src/cds/request-log.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { buildTestApp, PATIENT_ID, TOKEN, type TestApp } from './support/app-fixture.js';
import { fhirWithToken, mockWholeChart } from './support/fhir-mock.js';
import { condition, hookRequest, SERVICE_URL } from './support/requests.js';

describe('one log line per call, without PHI or credentials', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  it('logs request id, hookInstance, service, status, latency, FHIR calls and card topics', async () => {
    mockWholeChart(fhirWithToken(), { Condition: [condition('c-secret-text')] });
    const res = await request(t.app).post(SERVICE_URL).set('Authorization', 'Bearer client-jwt-value').send(hookRequest()).expect(200);
    const calls = t.logLines().filter((l) => l.msg === 'call');
    expect(calls).toHaveLength(1);
    const line = calls[0]!;
    expect(line).toMatchObject({
      reqId: res.headers['x-request-id'],
      method: 'POST',
      path: SERVICE_URL,
      status: 200,
      service: 'lumbar-fusion-criteria',
      hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      cardTopics: ['criteria-met'],
      fhirCalls: 6,
    });
    expect(typeof line.latencyMs).toBe('number');
    expect(typeof line.fhirMs).toBe('number');

    const text = t.logText();
    for (const secret of [PATIENT_ID, TOKEN, 'client-jwt-value', 'Testperson', 'Quinn', 'c-secret-text', 'Lumbar radiculopathy', 'Practitioner/example']) {
      expect(text).not.toContain(secret);
    }
  });

  it('logs the failure reason when the FHIR server fails, and nothing of the request on a 400', async () => {
    fhirWithToken().get(`/r4/Patient/${PATIENT_ID}`).reply(503);
    mockWholeChart(fhirWithToken());
    await request(t.app).post(SERVICE_URL).send(hookRequest()).expect(200);
    await request(t.app).post(SERVICE_URL).send({ context: { patientId: 'pt-1-in-a-bad-request' } }).expect(400);
    const calls = t.logLines().filter((l) => l.msg === 'call');
    expect(calls.map((c) => c.status)).toEqual([200, 400]);
    expect(calls[0]).toMatchObject({ fhirFailure: 'error-status', cardTopics: ['evaluation-unavailable'] });
    expect(t.logText()).not.toContain('pt-1-in-a-bad-request');
  });

  it('logs where an unexpected error came from, but not its message', async () => {
    t.reviewer.failWith = new TypeError(`cannot read onset of Condition for ${PATIENT_ID}`);
    mockWholeChart(fhirWithToken());
    await request(t.app).post(SERVICE_URL).send(hookRequest()).expect(500, { error: 'internal error' });
    const line = t.logLines().find((l) => l.msg === 'unexpected error') as { error: { type: string; frames: string[] } };
    expect(line.error.type).toBe('TypeError');
    expect(line.error.frames.length).toBeGreaterThan(0);
    expect(t.logText()).not.toContain(PATIENT_ID);
  });

  it('keeps an incoming X-Request-Id that cannot spell words (a UUID, a trace id) and replaces anything else', async () => {
    for (const id of ['d1577c69-dfbe-44ad-ba6d-3e05e953b2ea', '4bf92f3577b34da6a3ce929d0e0e4736']) {
      const kept = await request(t.app).get('/healthz').set('X-Request-Id', id).expect(200);
      expect(kept.headers['x-request-id']).toBe(id);
    }
    // A name, a birth date or a record number put there by a client would otherwise be logged as sent.
    for (const id of ['x'.repeat(300), 'Brenner.Walter.1958-07-22', '1958-07-22', 'MRN-0042', '1958-07-22-12345678', '4111111111111111']) {
      const replaced = await request(t.app).get('/healthz').set('X-Request-Id', id).expect(200);
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(t.logText()).not.toMatch(/Brenner|1958|MRN|4111111111111111/);
  });

  it('logs a hookInstance only when it is a UUID', async () => {
    mockWholeChart(fhirWithToken());
    await request(t.app).post(SERVICE_URL).send({ ...hookRequest(), hookInstance: 'Walter-Brenner-SECRETHOOK' }).expect(200);
    expect(t.logText()).not.toContain('Brenner');
    expect(t.logLines().find((l) => l.msg === 'call')).toMatchObject({ hookInstance: '(not a uuid)' });
  });

  it("puts a 401's reason on its call line, so that the X-Request-Id a client quotes leads to it", async () => {
    const config = loadConfig({ NODE_ENV: 'test', CDS_AUTH: 'required', PUBLIC_BASE_URL: 'http://127.0.0.1' });
    const auth = createCdsAuth(config, { logger: pino({ level: 'silent' }) });
    const secured = await buildTestApp({}, { authenticate: auth.middleware });
    try {
      const res = await request(secured.app).post(SERVICE_URL).set('Authorization', 'Bearer not-a-jwt').send(hookRequest()).expect(401);
      expect(secured.logLines().find((l) => l.msg === 'call')).toMatchObject({ reqId: res.headers['x-request-id'], status: 401, authRefusal: 'malformed' });
    } finally {
      await secured.close();
    }
  });

  it("puts a 412's reason on its call line", async () => {
    const { fhirServer: _f, fhirAuthorization: _a, ...withoutServer } = hookRequest();
    await request(t.app).post(SERVICE_URL).send(withoutServer).expect(412);
    expect(t.logLines().find((l) => l.msg === 'call')).toMatchObject({ status: 412, precondition: expect.stringContaining('names no fhirServer') });
  });
});

describe('the service logger', () => {
  it('redacts credentials wherever a caller passes them', () => {
    let text = '';
    const logger = createLogger(
      { LOG_LEVEL: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          text += String(chunk);
          done();
        },
      }),
    );
    logger.info(
      {
        authorization: 'Bearer jwt-1',
        req: { headers: { authorization: 'Bearer jwt-2', cookie: 'sid=3' } },
        request: { fhirAuthorization: { access_token: 'tok-4' } },
        fhir: { accessToken: 'tok-5' },
      },
      'x',
    );
    for (const secret of ['jwt-1', 'jwt-2', 'sid=3', 'tok-4', 'tok-5']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ name: 'spine-cds', authorization: '[redacted]' });
  });

  it('writes nothing below LOG_LEVEL', () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    createLogger({ LOG_LEVEL: 'warn' }, sink).info('hidden');
    expect(text).toBe('');
  });
});

describe('a call its client abandons', () => {
  it('is logged and counted with status 499', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const counted: number[] = [];
    const app = express();
    app.use(requestLog(logger, (_res, _seconds, status) => counted.push(status)));
    // A route that never answers: the client gives up.
    app.get('/slow', () => undefined);
    app.get('/fast', (_req, res) => void res.json({}));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/fast`).then((r) => r.json());
      await expect(fetch(`http://127.0.0.1:${port}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
      for (let i = 0; i < 100 && counted.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(counted).toEqual([200, CLIENT_CLOSED_STATUS]);
      const abandoned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'call abandoned by the client');
      expect(abandoned).toMatchObject({ path: '/slow', clientClosed: true });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
