/**
 * Reading a recording back (`flow({ record: 'runs.jsonl' })`): the file's JSON lines as events.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../core/errors/input.js';
import type { RecordedEvent } from './record.js';

/**
 * The events of a recording file (JSON lines, as `flow({ record: path })` writes them), in
 * order. Blank lines are skipped, and so is a last line cut short (a process that died while
 * writing); any other line that is not a JSON object is an `InvalidArgumentError` naming its
 * line. Events of types this version does not know are returned as they are: the timeline skips
 * them.
 *
 * @example
 * ```ts
 * import { readRecording } from 'sluice/timeline';
 * const events = readRecording('runs.jsonl');
 * console.log(events.filter((event) => event.type === 'run-submitted').length, 'runs');
 * ```
 */
export function readRecording(path: string): RecordedEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read the recording ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const lines = text.split('\n');
  const events: RecordedEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      // Only the last line can be cut short by a crash; elsewhere it is not a recording.
      if (lines.slice(i + 1).every((rest) => rest.trim() === '')) return;
      throw new InvalidArgumentError(`${path}:${i + 1} is not a recorded event: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidArgumentError(`${path}:${i + 1} is not a recorded event: expected a JSON object`);
    }
    events.push(value as RecordedEvent);
  });
  return events;
}
