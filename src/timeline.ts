/**
 * `sluice/timeline`: reading a recording (`flow({ record })`) and drawing it as one
 * self-contained HTML page, the library behind `sluice timeline`. A subpath of its own, so that
 * `import 'sluice'` (and every worker thread that imports it) does not load the page's renderer.
 *
 * @packageDocumentation
 * @module sluice/timeline
 */
export { readRecording } from './observers/read.js';
export { buildTimeline } from './observers/timeline/model.js';
export type {
  TimelineModel,
  TimelineFlowRun,
  TimelineGroup,
  TimelineHookFailure,
  TimelineRun,
  TimelineSegment,
  TimelineSegmentKind,
  TimelineStateChange,
  TimelineOptions,
} from './observers/timeline/model.js';
export { renderTimeline } from './observers/timeline/html.js';
export type { TimelineHtmlOptions } from './observers/timeline/html.js';
