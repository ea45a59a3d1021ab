/**
 * `sluice/timeline`: reading a recording (`flow({ record })`) and drawing it as one
 * self-contained HTML page, the library behind `sluice timeline`. A subpath of its own, so that
 * `import 'sluice'` (and every worker thread that imports it) does not load the page's renderer.
 *
 * @packageDocumentation
 * @module sluice/timeline
 */
export { readRecording } from './observe/read.js';
export { buildTimeline } from './observe/timeline/model.js';
export type {
  TimelineModel,
  TimelineFlowRun,
  TimelineGroup,
  TimelineRun,
  TimelineSegment,
  TimelineSegmentKind,
  TimelineStateChange,
  TimelineOptions,
} from './observe/timeline/model.js';
export { renderTimeline } from './observe/timeline/html.js';
export type { TimelineHtmlOptions } from './observe/timeline/html.js';
