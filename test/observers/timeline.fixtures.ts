/**
 * Recordings for the timeline's tests: a real flow run recorded by `flow({ record })` (a crawl
 * with a retry, a failure, a time-out and a nested map), and a synthetic flow run of any size
 * written event by event (seeded, so every run of the tests draws the same picture).
 */
import { ConcurrentTaskRunner, flow, task, wait, type RecordedEvent } from '../../src/index.js';

type RunEvent = Extract<RecordedEvent, { type: 'run-state' }>;

/** A small seeded PRNG (mulberry32): the same recording on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One flow run of `runs` task runs: tasks `fetch`, `parse`, `store` at the top, every tenth run a
 * `batch` whose body submits `item` runs; ~8% retried once, ~3% failed, ~2% upstream-failed,
 * a few unfinished (the flow run's end is not recorded when `finished` is false).
 */
export function syntheticRecording(runs: number, { seed = 1, finished = true, flowRunId = 'f0' } = {}): RecordedEvent[] {
  const next = random(seed);
  const v = 1 as const;
  const start = 1_700_000_000_000;
  const events: RecordedEvent[] = [{ v, type: 'flow-started', time: start, flowRunId, flowName: 'bulk' }];
  const batches: string[] = [];
  let end = start;
  for (let i = 0; i < runs; i++) {
    const runId = `${flowRunId}.${i}`;
    const nested = batches.length > 0 && i % 10 >= 7;
    const parentRunId = nested ? (batches[Math.floor(next() * batches.length)] as string) : null;
    const taskName = nested ? 'item' : i % 10 === 0 ? 'batch' : (['fetch', 'parse', 'store'][i % 3] as string);
    if (taskName === 'batch') batches.push(runId);
    const runName = `${taskName}-${i}`;
    const base = { v, flowRunId, runId, runName, taskName, parentRunId };
    let time = start + Math.floor(i * 0.6 + next() * 40);
    const state = (name: string, stateType: string, extra: Partial<RunEvent> = {}): void => {
      events.push({ ...base, type: 'run-state', time, stateType, state: name, ...extra });
    };
    events.push({ ...base, type: 'run-submitted', time });
    state('Pending', 'Pending');
    const roll = next();
    if (roll < 0.02) {
      time += Math.floor(next() * 30);
      state('UpstreamFailed', 'Failed', { error: { name: 'UpstreamFailedError', message: `upstream of ${runName} failed`, code: 'UPSTREAM_FAILED' } });
    } else {
      time += Math.floor(next() * 80);
      state('Running', 'Running', { attempt: 1 });
      time += 5 + Math.floor(next() * 60);
      if (roll < 0.1) {
        state('AwaitingRetry', 'Scheduled', { attempt: 2 });
        time += 20;
        state('Retrying', 'Running', { attempt: 2 });
        time += 5 + Math.floor(next() * 60);
      }
      if (!finished && roll > 0.995) continue;
      if (roll > 0.97) state('Failed', 'Failed', { error: { name: 'Error', message: `${runName} broke` } });
      else state('Completed', 'Completed');
    }
    end = Math.max(end, time);
  }
  events.sort((a, b) => a.time - b.time);
  if (finished) events.push({ v, type: 'flow-finished', time: end + 1, flowRunId, flowName: 'bulk', outcome: 'Failed', error: { name: 'UnobservedFailuresError', message: 'runs failed' } });
  return events;
}

/** A run name that would run script if a timeline put it into the page as markup. */
export const HOSTILE_NAME = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pages the crawl fetches: `/flaky` fails once then succeeds, `/broken` fails every time. */
export const CRAWLED = ['/', '/docs', '/blog', '/pricing', '/flaky', '/broken', '/about', '/careers'];

/**
 * Runs a real flow, `crawl`, recorded to `path`, on a runner of 3 slots (so runs queue): it
 * fetches the pages (one retried and completed, one retried and failed), parses each (the broken
 * page's parse ends `UpstreamFailed`), renders a thumbnail that times out, and analyzes the texts
 * with a task that maps two tasks inside its body (nested runs). With `hostile`, one more run is
 * named {@link HOSTILE_NAME}. Every failure is looked at, so the flow completes.
 */
export async function recordCrawl(file: string, { hostile = false } = {}): Promise<void> {
  let flakyCalls = 0;
  const fetchPage = task({ name: 'fetch_page', tags: ['http', 'crawl'], taskRunName: 'fetch {page}', retries: 1, retryDelay: 50 }, async (page: string) => {
    await sleep(30 + (page.length % 4) * 15);
    if (page === '/broken') throw new Error(`GET ${page}: 503 Service Unavailable`);
    if (page === '/flaky' && ++flakyCalls === 1) throw new Error(`GET ${page}: connection reset`);
    return `${page} has some words and a link to /docs and one to /blog`;
  });
  const parsePage = task('parse_page', async (text: string) => {
    await sleep(10);
    return text;
  });
  const thumbnail = task({ name: 'thumbnail', timeout: 40 }, () => sleep(200));
  const countWords = task('count_words', async (text: string) => {
    await sleep(12);
    return text.split(/\s+/).length;
  });
  const extractLinks = task('extract_links', async (text: string) => {
    await sleep(20);
    return text.match(/\/\w+/g) ?? [];
  });
  const analyze = task('analyze', async (texts: string[]) => {
    const words = countWords.map(texts);
    const links = extractLinks.map(texts);
    return { words: await words.result(), links: await links.result() };
  });
  const note = task({ name: 'note', taskRunName: HOSTILE_NAME }, () => 'noted');

  await flow({ name: 'crawl', record: file, taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 3 }) }, async () => {
    const pages = fetchPage.map(CRAWLED);
    const parsed = parsePage.map(pages);
    const thumb = thumbnail.submit();
    if (hostile) await note();
    await wait(parsed);
    await thumb.wait();
    // Reading a finished run's state counts as looking at its failure.
    const done = [...pages, ...parsed, thumb].filter((future) => future.state.type !== 'Completed');
    const texts = await Promise.all(parsed.filter((future) => future.state.type === 'Completed').map((future) => future.result()));
    await analyze(texts);
    return done.length;
  })();
}
