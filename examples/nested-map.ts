/**
 * Seed: "Nested mapped tasks".
 *
 * The task `analyze_texts` maps two operations over the texts inside its own body, waits for
 * every child run, and returns their results by operation name. The flow calls it directly.
 * A parent waiting on its children holds no slot, so this cannot deadlock at any concurrency limit.
 */
import { pathToFileURL } from 'node:url';
import { flow, task, wait, type TaskFutureList } from '../src/index.js';

/** Count the number of words in a text. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

export function extractEmails(text: string): string[] {
  return text.match(/[\w.+-]+@[\w-]+\.[\w.-]+/g) ?? [];
}

export interface Analysis {
  readonly count_words: number[];
  readonly extract_emails: string[][];
}

export const analyzeTexts = task('analyze_texts', async (texts: string[]): Promise<Analysis> => {
  // One task per operation, mapped over the texts: `task(op).map(texts) for op in [...]`.
  const ops: Record<keyof Analysis, (text: string) => number | string[]> = {
    count_words: countWords,
    extract_emails: extractEmails,
  };
  const futures = Object.entries(ops).map(([name, op]): [string, TaskFutureList<number | string[]>] => [name, task(name, op).map(texts)]);
  await wait(futures.flatMap(([, futs]) => futs));
  const results = await Promise.all(
    futures.map(async ([name, futs]) => [name, await Promise.all(futs.map((f) => f.result()))] as const),
  );
  return Object.fromEntries(results) as unknown as Analysis;
});

/** Analyze a batch of social media posts with multiple operations. */
export const runTextAnalysis = flow('run_text_analysis', async () => {
  const results = await analyzeTexts([
    'Just visited #Paris! Contact me at visitor@example.com #travel #vacation',
    'Working on my new #project. Reach out at developer@example.com if interested!',
    'Happy to announce our company event #celebration #milestone email: events@company.org',
  ]);
  console.log('\nAnalysis Results:');
  console.log(`  Word counts: ${JSON.stringify(results.count_words)}`);
  console.log(`  Extracted emails: ${JSON.stringify(results.extract_emails)}\n`);
  return results;
});

export async function main(): Promise<void> {
  await runTextAnalysis();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
