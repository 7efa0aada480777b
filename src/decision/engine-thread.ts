import { parentPort, workerData } from 'node:worker_threads';
import { loadValueSets } from '../terminology/value-sets.js';
import { DecisionEngine } from './engine.js';
import { EvaluationError } from './evaluation-error.js';
import { valueSetDigest, type EvaluationJob, type EvaluationReply, type ThreadData, type ThreadLoadFailed, type ThreadReady } from './engine-pool.js';

/**
 * A worker thread of the EnginePool: its own library and FHIR model, one evaluation at a time, in order.
 * The resources arrive already chosen by the calling thread's relevance filter. The library is the ELM the
 * process loaded at start (workerData), never what is on disk now; the value sets, which cannot be handed
 * over as built, are read again and must be those the process loaded.
 */
function load(): DecisionEngine {
  const { elm, valueSetDigest: expected } = workerData as ThreadData;
  const valueSets = loadValueSets();
  if (valueSetDigest(valueSets) !== expected) {
    throw new Error('cql-mappings/valuesets has changed since the service started: this thread will not run other value sets than its siblings; restart the service');
  }
  return DecisionEngine.load({ elm, valueSets, threads: 0, relevance: false });
}

let engine: DecisionEngine | undefined;
try {
  engine = load();
} catch (error) {
  parentPort!.postMessage({ loadFailed: error instanceof Error ? error.message : String(error) } satisfies ThreadLoadFailed);
}

if (engine) {
  const loaded = engine;
  // The pool counts a thread as ready once its library is loaded (readiness, ops/health.ts).
  parentPort!.postMessage({ ready: true } satisfies ThreadReady);
  parentPort!.on('message', ({ id, job }: { id: number; job: EvaluationJob }) => {
    loaded
      .evaluateResources(job)
      .then((decisions) => parentPort!.postMessage({ id, decisions } satisfies EvaluationReply))
      .catch((error: unknown) => {
        // Only where it failed crosses back, never the message: it may quote the chart.
        const failure = error instanceof EvaluationError ? error.failure : { errorClass: error instanceof Error ? error.name : typeof error, step: 'cql' as const };
        parentPort!.postMessage({ id, failure } satisfies EvaluationReply);
      });
  });
} else {
  // Kept alive, answering nothing, until the pool has read why and stops it.
  parentPort!.on('message', () => undefined);
}
