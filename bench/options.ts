/** Command-line options of `npm run bench`; every figure has a default so the one command needs none. */
export interface BenchOptions {
  /** Seconds each scenario is measured for. */
  duration: number;
  /** Seconds of unmeasured load before each scenario, so the JIT and caches are warm. */
  warmup: number;
  connections: number;
  /** Seconds autocannon waits for one answer before counting a timeout. */
  timeout: number;
  /** Resources in the grown chart of scenario 3. */
  chartSize: number;
  /** Milliseconds the benchmark's FHIR server adds to each answer (scenario 4). */
  fhirLatencyMs: number;
  /** Run the soak instead of the scenarios. */
  soak: boolean;
  soakCalls: number;
  /** Start the service with --cpu-prof and summarise the profile afterwards. */
  profile: boolean;
  /** ENGINE_THREADS for the service (0: evaluations on the HTTP thread); the service's default when undefined. */
  threads: number | undefined;
  /** Only these scenarios (by name), all when empty. */
  only: string[];
  /** Where the JSON figures go. */
  out: string;
  logLevel: string;
  /** After each hook scenario, a paced run at this share of its measured throughput (0: none). */
  pacedShare: number;
}

export const DEFAULTS: BenchOptions = {
  duration: 10,
  warmup: 2,
  connections: 8,
  timeout: 10,
  chartSize: 2000,
  fhirLatencyMs: 50,
  soak: false,
  soakCalls: 50_000,
  profile: false,
  threads: undefined,
  only: [],
  out: 'bench/results.json',
  logLevel: 'info',
  pacedShare: 0.5,
};

const USAGE = `npm run bench -- [options]
  --duration <s>        seconds measured per scenario (default ${DEFAULTS.duration})
  --warmup <s>          seconds of warm-up load before each scenario (default ${DEFAULTS.warmup})
  --connections <n>     concurrent connections (default ${DEFAULTS.connections})
  --timeout <s>         seconds to wait for one answer (default ${DEFAULTS.timeout})
  --chart-size <n>      resources in the grown chart (default ${DEFAULTS.chartSize})
  --fhir-latency <ms>   latency added by the FHIR server (default ${DEFAULTS.fhirLatencyMs})
  --threads <n>         ENGINE_THREADS for the service (default: the service's own, one per core)
  --only <a,b>          scenarios to run: healthz, seed-prefetch, chart-2000, seed-fhir
  --profile             run the service under --cpu-prof and print its top self-time functions
  --soak                ${DEFAULTS.soakCalls} seed calls, RSS before and after, instead of the scenarios
  --soak-calls <n>      calls in the soak (default ${DEFAULTS.soakCalls})
  --paced-share <f>     after each hook scenario, calls at this share of its throughput, evenly spaced (default ${DEFAULTS.pacedShare}; 0: none)
  --log-level <level>   the service's LOG_LEVEL (default ${DEFAULTS.logLevel}: one line per call, as in production)
  --out <file>          JSON results (default ${DEFAULTS.out})`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
  }
}

function positive(name: string, value: string | undefined, integer: boolean): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${name} needs a ${integer ? 'whole ' : ''}number >= 0, got "${value ?? ''}"`);
  }
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { ...DEFAULTS, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--duration': o.duration = positive(flag, value(), false); break;
      case '--warmup': o.warmup = positive(flag, value(), false); break;
      case '--connections': o.connections = Math.max(1, positive(flag, value(), true)); break;
      case '--timeout': o.timeout = Math.max(1, positive(flag, value(), false)); break;
      case '--chart-size': o.chartSize = positive(flag, value(), true); break;
      case '--fhir-latency': o.fhirLatencyMs = positive(flag, value(), false); break;
      case '--threads': o.threads = positive(flag, value(), true); break;
      case '--only': o.only = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--profile': o.profile = true; break;
      case '--soak': o.soak = true; break;
      case '--soak-calls': o.soakCalls = Math.max(1, positive(flag, value(), true)); break;
      case '--paced-share': o.pacedShare = positive(flag, value(), false); break;
      case '--log-level': o.logLevel = value() ?? o.logLevel; break;
      case '--out': o.out = value() ?? o.out; break;
      case '--help': case '-h': throw new UsageError('usage');
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  return o;
}
