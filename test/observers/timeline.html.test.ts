/**
 * renderTimeline: one self-contained HTML file (nothing fetched, 10k runs included), whose
 * recorded strings are data, never markup or script.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RecordedEvent } from '../../src/index.js';
import { buildTimeline, renderTimeline } from '../../src/timeline.js';
import { escapeHtml, scriptSafeJson } from '../../src/observers/timeline/html.js';
import { syntheticRecording } from './timeline.fixtures.js';

/** The page's embedded data, as its script reads it. */
function payload(html: string): { title: string; runs: { n: string; s: string; d: number }[]; flows: { n: string; g: { t: string }[] }[] } {
  const match = /<script type="application\/json" id="sluice-timeline-data">([^<]*)<\/script>/.exec(html);
  if (match === null) throw new Error('no data block');
  return JSON.parse(match[1] as string) as ReturnType<typeof payload>;
}

/** Every `<script>` element's opening tag. */
const scriptTags = (html: string) => html.match(/<script\b[^>]*>/gi) ?? [];

describe('renderTimeline', () => {
  it('renders 10k runs into one HTML file that loads nothing: no URL, no src, no link', () => {
    const events = syntheticRecording(10_000);
    const started = performance.now();
    const html = renderTimeline(events, { title: 'bulk' });
    const ms = performance.now() - started;
    console.log(`renderTimeline: 10,000 runs (${events.length} events) in ${ms.toFixed(0)} ms, ${(html.length / 1e6).toFixed(2)} MB`);

    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(scriptTags(html)).toEqual(['<script type="application/json" id="sluice-timeline-data">', '<script>']);
    expect(payload(html).runs).toHaveLength(10_000);
    expect(html.length).toBeLessThan(5_000_000);
  });

  it('lets only its own script run (Content-Security-Policy with the script\'s hash) and fetch nothing', () => {
    const html = renderTimeline(syntheticRecording(20));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    expect(csp).toContain("default-src 'none'");
    const script = /<script>([\s\S]*)<\/script>\s*<\/body>/.exec(html)?.[1] ?? '';
    const scriptSrc = csp?.split(';').map((directive) => directive.trim()).find((directive) => directive.startsWith('script-src'));
    expect(scriptSrc).toBe(`script-src 'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`);
  });

  it('embeds run names, task names, errors and the title as data: a name cannot close the script or add markup', () => {
    const evil = '</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> \u2028 & https://evil.example/';
    const events: RecordedEvent[] = [
      { v: 1, type: 'flow-started', time: 0, flowRunId: 'f', flowName: '<b>flow</b>' },
      { v: 1, type: 'run-submitted', time: 0, flowRunId: 'f', runId: 'r', runName: evil, taskName: '<svg onload=alert(3)>', parentRunId: null },
      { v: 1, type: 'run-state', time: 1, flowRunId: 'f', runId: 'r', runName: evil, taskName: '<svg onload=alert(3)>', parentRunId: null, stateType: 'Failed', state: 'Failed', error: { name: '<i>Err</i>', message: evil } },
      { v: 1, type: 'flow-finished', time: 2, flowRunId: 'f', flowName: '<b>flow</b>', outcome: 'Failed', error: { name: 'E', message: evil } },
    ];
    const html = renderTimeline(events, { title: `</title><script>alert(4)</script>` });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('</script><script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/https?:\/\//);
    expect(scriptTags(html)).toHaveLength(2);
    expect(html).toContain('<title>&#60;&#47;title&#62;&#60;script&#62;alert(4)&#60;&#47;script&#62;</title>');
    // The data reads back exactly as recorded.
    const data = payload(html);
    expect(data.runs[0]?.n).toBe(evil);
    expect(data.flows[0]?.n).toBe('<b>flow</b>');
    expect(data.flows[0]?.g[0]?.t).toBe('<svg onload=alert(3)>');
    expect(data.title).toBe('</title><script>alert(4)</script>');
  });

  it('takes a model as well as events, and titles the page with the flow names by default', () => {
    const events = syntheticRecording(30);
    const fromModel = renderTimeline(buildTimeline(events));
    expect(fromModel).toBe(renderTimeline(events));
    expect(fromModel).toContain('<title>bulk timeline</title>');
    expect(renderTimeline([])).toContain('<title>timeline</title>');
    expect(payload(fromModel).runs.map((r) => r.s)).toEqual(buildTimeline(events).flowRuns[0]?.runs.map((r) => r.state));
  });

  it('labels a subflow with the flow run and task run that called it', () => {
    const subflowStarted = { v: 1, type: 'flow-started', time: 1, flowRunId: 'f2', flowName: 'load_one', parentFlowRunId: 'f1', parentRunId: 'a' } as const;
    const events: RecordedEvent[] = [
      { v: 1, type: 'flow-started', time: 0, flowRunId: 'f1', flowName: 'nightly' },
      { v: 1, type: 'run-submitted', time: 0, flowRunId: 'f1', runId: 'a', runName: 'load-0', taskName: 'load', parentRunId: null },
      subflowStarted,
    ];
    const flows = (payload(renderTimeline(events)) as unknown as { flows: { n: string; sd?: number; sub?: string }[] }).flows;
    expect(flows).toMatchObject([{ n: 'nightly' }, { n: 'load_one', sd: 1, sub: 'subflow of nightly / load-0' }]);
    expect(flows[0]).not.toHaveProperty('sub');
  });

  it("embeds a flow run's own name and its failed state hooks (a task's with its run, the flow's with its flow run) as data", () => {
    const evil = '</script><script>alert(5)</script>';
    const base = { v: 1, flowRunId: 'f', runId: 'r', runName: 'fetch-0', taskName: 'fetch', parentRunId: null } as const;
    const hookFailed = { v: 1, type: 'hook-failed', flowRunId: 'f', flowName: 'sync', timedOut: false, message: 'hook failed' } as const;
    const events: RecordedEvent[] = [
      { v: 1, type: 'flow-started', time: 100, flowRunId: 'f', flowName: 'sync', flowRunName: 'sync-monday' },
      { ...base, type: 'run-submitted', time: 100 },
      { ...base, type: 'run-state', time: 101, stateType: 'Failed', state: 'Failed', error: { name: 'Error', message: 'no data' } },
      { ...hookFailed, time: 102, hook: 'onFailure', hookFunction: 'notifySlack', runId: 'r', runName: 'fetch-0', taskName: 'fetch', error: { name: 'Error', message: '503' } },
      { ...hookFailed, time: 103, hook: 'onFailure', hookFunction: evil, runId: 'r', runName: 'fetch-0', taskName: 'fetch', timedOut: true, error: { name: 'HookTimeoutError', message: 'did not finish within 50ms', code: 'HOOK_TIMED_OUT' } },
      { ...hookFailed, time: 104, hook: 'onCompletion', hookFunction: 'onCompletion', error: { name: 'TypeError', message: 'no report' } },
      { v: 1, type: 'flow-finished', time: 105, flowRunId: 'f', flowName: 'sync', outcome: 'Completed' },
    ];
    const html = renderTimeline(events);
    const data = payload(html) as unknown as { flows: Record<string, unknown>[]; runs: Record<string, unknown>[] };
    expect(data.flows[0]).toMatchObject({ n: 'sync', rn: 'sync-monday', hk: [{ h: 'onCompletion', f: 'onCompletion', t: 4, err: { name: 'TypeError', message: 'no report' } }] });
    expect(data.runs[0]?.hk).toEqual([
      { h: 'onFailure', f: 'notifySlack', t: 2, err: { name: 'Error', message: '503' } },
      { h: 'onFailure', f: evil, t: 3, o: 1, err: { name: 'HookTimeoutError', message: 'did not finish within 50ms', code: 'HOOK_TIMED_OUT' } },
    ]);
    expect(html).not.toContain('<script>alert');
    expect(scriptTags(html)).toHaveLength(2);
  });

  it('draws a recording without flow run names or hook lines as before: no name or hooks in its data', () => {
    const data = payload(renderTimeline(syntheticRecording(50))) as unknown as { flows: Record<string, unknown>[]; runs: Record<string, unknown>[] };
    expect(data.flows.flatMap(Object.keys)).not.toContain('rn');
    expect(data.flows.flatMap(Object.keys)).not.toContain('hk');
    expect(data.runs.flatMap(Object.keys)).not.toContain('hk');
  });

  it('marks runs that never finished', () => {
    const data = payload(renderTimeline(syntheticRecording(2_000, { finished: false })));
    expect(data.runs.filter((r) => r.d === 0).length).toBeGreaterThan(0);
  });
});

describe('scriptSafeJson and escapeHtml', () => {
  it('reads back as the same value, with no character that could end a script or start markup', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        for (const input of [value, text, { text }]) {
          const json = scriptSafeJson(input);
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(input)));
          expect(json).not.toMatch(/[<>&/\u2028\u2029]/);
        }
        expect(escapeHtml(text).replace(/&#\d+;/g, '')).not.toMatch(/[<>&"'/]/);
      }),
      { numRuns: 300 },
    );
  });
});
