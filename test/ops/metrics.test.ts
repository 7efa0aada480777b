import express from 'express';
import request from 'supertest';
import { MAX_LABEL_VALUES, OVERFLOW_LABEL, createMetrics, metricsHandler } from '../../src/ops/metrics.js';

describe('createMetrics', () => {
  it('exposes every counter and histogram after increments', async () => {
    const m = createMetrics();
    m.observeHookCall('lumbar-fusion-criteria', 200, 0.004);
    m.observeHookCall('lumbar-fusion-criteria', 400, 0.001);
    m.observeFhirFetch('Condition', 0.05);
    m.countFhirFailure('timeout');
    m.countCard('criteria-met');
    m.countCard('criteria-met');
    m.countFeedback('criteria-met', 'accepted');
    m.countAuthRefusal('replay');
    const text = await m.registry.metrics();

    expect(text).toContain('spine_cds_hook_calls_total{service="lumbar-fusion-criteria",status="200"} 1');
    expect(text).toContain('spine_cds_hook_calls_total{service="lumbar-fusion-criteria",status="400"} 1');
    // 4 ms falls in the 5 ms bucket and not in the 2.5 ms one.
    expect(text).toContain('spine_cds_hook_duration_seconds_bucket{le="0.0025",service="lumbar-fusion-criteria",status="200"} 0');
    expect(text).toContain('spine_cds_hook_duration_seconds_bucket{le="0.005",service="lumbar-fusion-criteria",status="200"} 1');
    expect(text).toContain('spine_cds_hook_duration_seconds_bucket{le="3",service="lumbar-fusion-criteria",status="200"} 1');
    expect(text).toContain('spine_cds_fhir_fetch_duration_seconds_count{resource_type="Condition"} 1');
    expect(text).toContain('spine_cds_fhir_fetch_failures_total{reason="timeout"} 1');
    expect(text).toContain('spine_cds_cards_total{topic="criteria-met"} 2');
    expect(text).toContain('spine_cds_feedback_total{topic="criteria-met",outcome="accepted"} 1');
    expect(text).toContain('spine_cds_auth_refusals_total{reason="replay"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('keeps separate registries so several apps can share a process', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.countCard('criteria-met');
    expect(await a.registry.metrics()).toContain('spine_cds_cards_total{topic="criteria-met"} 1');
    expect(await b.registry.metrics()).not.toContain('spine_cds_cards_total{topic="criteria-met"}');
  });

  it('folds label values past the bound into "other"', async () => {
    const m = createMetrics();
    for (let i = 0; i < MAX_LABEL_VALUES + 10; i++) m.observeHookCall(`svc-${i}`, 404, 0.001);
    const text = await m.registry.metrics();
    expect(text).toContain(`spine_cds_hook_calls_total{service="svc-${MAX_LABEL_VALUES - 1}",status="404"} 1`);
    expect(text).not.toContain(`service="svc-${MAX_LABEL_VALUES}"`);
    expect(text).toContain(`spine_cds_hook_calls_total{service="${OVERFLOW_LABEL}",status="404"} 10`);
  });
});

describe('metricsHandler', () => {
  it('serves the Prometheus text format', async () => {
    const m = createMetrics();
    m.countAuthRefusal('bad-signature');
    const app = express();
    app.get('/metrics', metricsHandler(m));
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('spine_cds_auth_refusals_total{reason="bad-signature"} 1');
  });
});
