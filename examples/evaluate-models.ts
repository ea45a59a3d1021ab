/**
 * Seed: "Real-world applications": find the best training configuration for a series of
 * datasets, processing all datasets concurrently. `npm start` runs this file.
 *
 * For each dataset, `train_model` is mapped over the model configs, the dataset being broadcast
 * to every run (it is not iterable). Each run is named from its arguments by the `taskRunName`
 * template, e.g. "train on customers with random_forest".
 *
 * The flow records its events (`record`), and `main()` draws them as a timeline: an HTML page
 * with a bar per run, written next to the recording in the OS temp directory.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { pathToFileURL } from 'node:url';
import { flow, task, wait, type TaskFuture } from '../src/index.js';
import { readRecording, renderTimeline } from '../src/timeline.js';

/** Where the flow records its events, and where `main()` writes their timeline. */
export const RECORDING = join(tmpdir(), 'sluice-evaluate-models.jsonl');
export const TIMELINE = join(tmpdir(), 'sluice-evaluate-models.html');

export class Dataset {
  constructor(readonly name: string) {}
}

export class ModelConfig {
  constructor(readonly name: string) {}
}

export interface TrainingResult {
  readonly dataset: string;
  readonly model: string;
  readonly score: number;
}

export const trainModel = task(
  { name: 'train_model', taskRunName: 'train on {dataset.name} with {modelConfig.name}' },
  (dataset: Dataset, modelConfig: ModelConfig): TrainingResult => ({
    dataset: dataset.name,
    model: modelConfig.name,
    score: Math.random(),
  }),
);

export const evaluateModels = flow({ name: 'evaluate_models', record: RECORDING }, async (datasets: Dataset[], modelConfigs: ModelConfig[]) => {
  const allFutures: TaskFuture<TrainingResult>[] = [];
  for (const dataset of datasets) {
    const futures = trainModel.map(dataset, modelConfigs);
    allFutures.push(...futures);
  }

  const results = await Promise.all([...(await wait(allFutures)).done].map((future) => future.result()));

  const best = results.reduce((a, b) => (b.score > a.score ? b : a));
  console.log(`\nBest model: ${inspect(best, { breakLength: Infinity })}`);
  return best;
});

export async function main(): Promise<void> {
  await evaluateModels(
    [new Dataset('customers'), new Dataset('products'), new Dataset('orders')],
    [new ModelConfig('random_forest'), new ModelConfig('gradient_boosting')],
  );
  // The recording is complete once the flow has settled.
  writeFileSync(TIMELINE, renderTimeline(readRecording(RECORDING), { title: 'evaluate_models' }));
  console.log(`Timeline: ${TIMELINE}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
