/**
 * Build step: translates every CQL library in cql-mappings/ to ELM JSON in cql-mappings/elm/,
 * with the JavaScript CQL translator (no Java). Any translator error fails the build,
 * printed with its file and line so the informaticist can find it.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemModelInfoProvider } from '@cqframework/cql/cql';
import {
  CqlTranslator,
  LibraryManager,
  ModelManager,
  createLibrarySourceProvider,
  createModelInfoProvider,
  createUcumService,
  stringAsSource,
} from '@cqframework/cql/cql-to-elm';
import { Pair } from '@cqframework/cql/kotlin-kotlin-stdlib';
import { ELM_SOURCE_KEY, sourceDigest, valueSetsDigest } from '../src/decision/elm-source.js';
import { readValueSets, unusedValueSets, valueSetProblems, type CompiledElm } from './value-set-checks.js';

const require = createRequire(import.meta.url);

export interface CompileMessage {
  file: string;
  line?: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface CompileResult {
  written: string[];
  errors: CompileMessage[];
  warnings: CompileMessage[];
}

function fhirModelInfoXml(): string {
  const modelInfoPath = require.resolve('cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml');
  return readFileSync(modelInfoPath, 'utf8');
}

/** Quantity and duration literals need UCUM; @lhncbc/ucum-lhc answers for the translator. */
function ucumService(): unknown {
  const ucum = require('@lhncbc/ucum-lhc') as {
    UcumLhcUtils: { getInstance(): UcumUtils };
  };
  interface UcumUtils {
    validateUnitString(unit: string): { status: string; msg?: string[] };
    convertUnitTo(from: string, value: number, to: string): { status: string; toVal?: number; msg?: string[] };
  }
  const utils = ucum.UcumLhcUtils.getInstance();
  const unsupported = (): Pair<never, string> => {
    throw new Error('UCUM unit arithmetic is not used by these libraries');
  };
  return createUcumService(
    (value, from, to) => {
      const result = utils.convertUnitTo(from, Number(value), to);
      if (result.status !== 'succeeded' || result.toVal === undefined) {
        throw new Error(`cannot convert ${from} to ${to}: ${(result.msg ?? []).join('; ')}`);
      }
      return String(result.toVal);
    },
    (unit) => {
      const result = utils.validateUnitString(unit);
      return result.status === 'valid' ? null : (result.msg ?? [`invalid unit ${unit}`]).join('; ');
    },
    unsupported,
    unsupported,
  );
}

interface KtException {
  message?: string;
  locator?: unknown;
}

/** The translator's TrackBack has no typed accessors in JavaScript; its toString carries the position. */
function position(locator: unknown): { line?: number; column?: number } {
  const text = locator == null ? '' : String(locator);
  const line = /startLine=(\d+)/.exec(text)?.[1];
  const column = /startChar=(\d+)/.exec(text)?.[1];
  return { line: line ? Number(line) : undefined, column: column ? Number(column) : undefined };
}

/**
 * The library a TrackBack belongs to. Its fields are not exported (their names are Kotlin's mangled ones); the
 * library is its one VersionedIdentifier field, which has an `id`.
 */
function locatorLibrary(locator: unknown): string | undefined {
  if (locator == null || typeof locator !== 'object') return undefined;
  for (const value of Object.values(locator)) {
    const id = value !== null && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/**
 * The translator's messages for `file`, each at the file it belongs to. Translating a library also translates the
 * libraries it includes, and their messages come back with their own line numbers: an error there is reported by
 * the includer without a line of its own, naming the included file and line; a warning there is left to the
 * included library's own translation, which reports it (`libraryFiles`: library name to file, in this folder).
 */
function toMessages(
  file: string,
  libraryFiles: ReadonlyMap<string, string>,
  list: { asJsReadonlyArrayView(): readonly unknown[] },
  severity: 'error' | 'warning',
): CompileMessage[] {
  return list.asJsReadonlyArrayView().flatMap((raw) => {
    const e = raw as KtException;
    const message = e.message ?? String(raw);
    const at = position(e.locator);
    const library = locatorLibrary(e.locator);
    const included = library !== undefined && library !== path.basename(file, '.cql') ? libraryFiles.get(library) : undefined;
    if (included === undefined) {
      const unplaced = at.line === undefined && severity === 'warning' ? ' (the translator gives no line for this warning)' : '';
      return [{ file, ...at, severity, message: message + unplaced }];
    }
    if (severity === 'warning') return [];
    return [{ file, severity, message: `in the library it includes, ${included}:${at.line ?? '?'}:${at.column ?? 0}: ${message}` }];
  });
}

/** Translates all *.cql files of `cqlDir` and writes `<library name>.json` to `elmDir`. */
export function compileCqlDirectory(cqlDir: string, elmDir: string): CompileResult {
  const files = readdirSync(cqlDir).filter((f) => f.endsWith('.cql')).sort();
  const sources = new Map(files.map((f) => [path.basename(f, '.cql'), readFileSync(path.join(cqlDir, f), 'utf8')]));

  const modelManager = new ModelManager();
  modelManager.modelInfoLoader.registerModelInfoProvider(new SystemModelInfoProvider());
  const fhirXml = fhirModelInfoXml();
  modelManager.modelInfoLoader.registerModelInfoProvider(
    createModelInfoProvider((id, _system, version) =>
      id === 'FHIR' && (version === null || version === '4.0.1') ? stringAsSource(fhirXml) : null,
    ),
  );
  const libraryManager = new LibraryManager(modelManager, undefined, undefined, ucumService());
  libraryManager.librarySourceLoader.registerProvider(
    createLibrarySourceProvider((id) => {
      const text = sources.get(id);
      return text === undefined ? null : stringAsSource(text);
    }),
  );

  const libraryFiles = new Map(files.map((f) => [path.basename(f, '.cql'), f]));
  const result: CompileResult = { written: [], errors: [], warnings: [] };
  mkdirSync(elmDir, { recursive: true });
  const valueSets = readValueSets(path.join(cqlDir, 'valuesets'));
  const valueSetsStamp = valueSetsDigest(cqlDir);
  const compiled: CompiledElm[] = [];
  for (const file of files) {
    const translator = CqlTranslator.fromText(readFileSync(path.join(cqlDir, file), 'utf8'), libraryManager);
    const errors = toMessages(file, libraryFiles, translator.errors, 'error');
    result.errors.push(...errors);
    result.warnings.push(...toMessages(file, libraryFiles, translator.warnings, 'warning'));
    if (errors.length > 0) continue;
    const elm = JSON.parse(translator.toJson()) as CompiledElm;
    compiled.push(elm);
    const missing = valueSetProblems(file, elm, valueSets);
    result.errors.push(...missing);
    // A library that fails a check gets no ELM: an older ELM, or none, keeps the service from running it.
    if (missing.length > 0) continue;
    // The source's digest travels with its ELM: the service refuses to run ELM older than the CQL beside it.
    // So does the digest of the value sets it was checked against.
    const stamp = { file, sha256: sourceDigest(sources.get(path.basename(file, '.cql'))!), valueSets: valueSetsStamp };
    const stamped = { ...elm, [ELM_SOURCE_KEY]: stamp };
    const out = path.join(elmDir, `${elm.library.identifier.id}.json`);
    writeFileSync(out, JSON.stringify(stamped, null, 2) + '\n');
    result.written.push(out);
  }
  // Only when every library translated: otherwise some declarations are unknown.
  if (compiled.length === files.length) result.warnings.push(...unusedValueSets(compiled, valueSets));
  return result;
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cqlDir = process.argv[2] ?? path.join(root, 'cql-mappings');
  const elmDir = process.argv[3] ?? path.join(cqlDir, 'elm');
  const result = compileCqlDirectory(cqlDir, elmDir);
  for (const m of [...result.warnings, ...result.errors]) {
    const where = m.line === undefined ? m.file : `${m.file}:${m.line}:${m.column ?? 0}`;
    process.stderr.write(`${where}: ${m.severity}: ${m.message}\n`);
  }
  if (result.errors.length > 0) {
    process.stderr.write(`CQL translation failed with ${result.errors.length} error(s)\n`);
    process.exit(1);
  }
  for (const w of result.written) process.stdout.write(`compiled ${path.relative(root, w)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
