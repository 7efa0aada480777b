import { parentPort, workerData } from 'node:worker_threads';
import { DecisionEngine } from './engine.js';
import type { EvaluationJob, EvaluationReply, ThreadReady } from './engine-pool.js';

/**
 * A worker thread of the EnginePool: its own library and FHIR model, one evaluation at a time, in order.
 * The resources arrive already chosen by the calling thread's relevance filter.
 */
const engine = DecisionEngine.load({ ...(workerData as { elmDir?: string }), threads: 0, relevance: false });
// The pool counts a thread as ready once its library is loaded (readiness, ops/health.ts).
parentPort!.postMessage({ ready: true } satisfies ThreadReady);

parentPort!.on('message', ({ id, job }: { id: number; job: EvaluationJob }) => {
  engine
    .evaluateResources(job)
    .then((decisions) => parentPort!.postMessage({ id, decisions } satisfies EvaluationReply))
    .catch((error: unknown) => parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies EvaluationReply));
});
