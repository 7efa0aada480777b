/** What the benchmark expects back from each scenario, checked once before it is measured. */
export interface ExpectedCard {
  topic: string;
  level?: string;
}

interface CardLike {
  summary?: unknown;
  source?: { topic?: { code?: unknown } };
}

/** topic@level per card (level read from the summary, as the fixture tests do), sorted. */
export function cardKeys(cards: readonly CardLike[]): string[] {
  return cards
    .map((c) => {
      const topic = String(c.source?.topic?.code ?? 'none');
      if (topic === 'evaluation-unavailable') return topic;
      const level = /\bL\d-[LS]\d\b/.exec(typeof c.summary === 'string' ? c.summary : '')?.[0] ?? 'unknown';
      return `${topic}@${level}`;
    })
    .sort();
}

export function expectedKeys(cards: readonly ExpectedCard[]): string[] {
  return cards.map((c) => (c.topic === 'evaluation-unavailable' ? c.topic : `${c.topic}@${c.level ?? 'unknown'}`)).sort();
}

/** Sends the request once and throws unless the answer is 200 with exactly the expected cards. */
export async function checkAnswer(url: string, body: string | undefined, expected: readonly ExpectedCard[] | 'ok'): Promise<void> {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
  if (expected === 'ok') return;
  const got = cardKeys((JSON.parse(text) as { cards?: CardLike[] }).cards ?? []);
  const want = expectedKeys(expected);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${url} answered cards ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}
