import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Bundle, OperationOutcome, Resource } from 'fhir/r4.js';

export const TEST_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixture-patients');
export const REAL_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'patients');

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Resource>(url: string, init?: RequestInit): Promise<Answer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export const postJson = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/fhir+json' },
  body: JSON.stringify(body),
});

/** Every resource a search yields, following `next` links; each page checked to report the same total. */
export async function searchAll(url: string): Promise<{ resources: Resource[]; pages: Bundle[] }> {
  const pages: Bundle[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const page: Answer<Bundle> = await call<Bundle>(next);
    if (page.status !== 200) throw new Error(`${next} answered ${page.status}: ${JSON.stringify(page.body)}`);
    pages.push(page.body);
    next = page.body.link?.find((l) => l.relation === 'next')?.url;
    if (pages.length > 1000) throw new Error('paging does not end');
  }
  return { resources: pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource!)), pages };
}

export const ids = (resources: Resource[]): string[] => resources.map((r) => r.id!);

export function diagnostics(outcome: OperationOutcome): string {
  return outcome.issue.map((i) => i.diagnostics ?? '').join(' | ');
}
