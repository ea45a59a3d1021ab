/**
 * The timeline page in headless Chromium (Debian's /usr/bin/chromium, through playwright-core),
 * opened from a file:// URL as a user opens it: the timeline of a real recorded flow (a retry, a
 * failure, an upstream failure, a time-out, a nested map, and a run whose name is markup) must
 * draw a bar per run in its final state's class, show a run's details on click, run no script
 * but its own, and fetch nothing; a 10k-run page must load and answer clicks.
 *
 * Skipped, loudly, without /usr/bin/chromium (see ../helpers/chromium-setup.ts); a failure
 * instead under CI=true.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow, task } from '../../src/index.js';
import { buildTimeline, readRecording, renderTimeline, type TimelineFlowRun, type TimelineRun } from '../../src/timeline.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { HOSTILE_NAME, recordCrawl, syntheticRecording } from './timeline.fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT = join(root, 'test-artifacts', 'timeline.png');

/** A page opened on a file, with every request, dialog, page error and console error kept. */
interface Opened {
  readonly page: Page;
  readonly url: string;
  readonly requests: string[];
  readonly dialogs: string[];
  readonly errors: string[];
}

describe.skipIf(!hasChromium)('the timeline page, in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let crawl: TimelineFlowRun;
  let crawlPage: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-timeline-browser-'));
    const recording = join(dir, 'crawl.jsonl');
    await recordCrawl(recording, { hostile: true });
    const events = readRecording(recording);
    crawl = buildTimeline(events).flowRuns[0] as TimelineFlowRun;
    crawlPage = join(dir, 'crawl.html');
    writeFileSync(crawlPage, renderTimeline(events, { title: 'crawl' }));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string, viewport = { width: 1280, height: 800 }): Promise<Opened> {
    const page = await browser.newPage({ viewport });
    const opened: Opened = { page, url: pathToFileURL(file).href, requests: [], dialogs: [], errors: [] };
    page.on('request', (request) => opened.requests.push(request.url()));
    page.on('dialog', (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => opened.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') opened.errors.push(message.text());
    });
    await page.goto(opened.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    return opened;
  }

  const runs = (predicate: (run: TimelineRun) => boolean) => crawl.runs.filter(predicate);
  const one = (predicate: (run: TimelineRun) => boolean): TimelineRun => {
    const found = runs(predicate);
    expect(found).toHaveLength(1);
    return found[0] as TimelineRun;
  };
  const barOf = (page: Page, run: TimelineRun) => page.locator(`.bar[data-i="${crawl.runs.indexOf(run)}"]`);

  it('draws a bar per run, in its final state\'s class, retried runs marked, nested runs in groups under their parent\'s', async () => {
    const { page, errors } = await open(crawlPage);
    try {
      expect(crawl.runs).toHaveLength(33);
      expect(await page.locator('.bar').count()).toBe(crawl.runs.length);
      expect(await page.locator('.bar.state-Completed').count()).toBe(30);
      expect(await page.locator('.bar.state-Failed').count()).toBe(1);
      expect(await page.locator('.bar.state-UpstreamFailed').count()).toBe(1);
      expect(await page.locator('.bar.state-TimedOut').count()).toBe(1);
      expect(await page.locator('.bar.retried').count()).toBe(2); // /flaky and /broken
      // Each bar's class is its run's final state, bar by bar.
      for (const run of crawl.runs) expect((await barOf(page, run).getAttribute('class'))?.split(' ')).toContain(`state-${run.state}`);
      // A retried bar shows its attempts and retry delay; a plain one is one wait then one run.
      const broken = one((run) => run.name === 'fetch /broken');
      expect(await barOf(page, broken).getAttribute('class')).toContain('spans');
      expect(await barOf(page, broken).getAttribute('style')).toMatch(/--fill: linear-gradient\(.*var\(--retried\).*var\(--await\).*var\(--c\)/);

      const labels = await page.locator('.label').allTextContents();
      expect(labels[0]).toMatch(/^crawlCompleted · \d+ ms · 33 runs$/);
      expect(labels.slice(1)).toEqual(crawl.groups.map((group) => `${group.taskName}${group.runs.length} run${group.runs.length === 1 ? '' : 's'}`));
      expect(labels.slice(1).sort()).toEqual(['analyze1 run', 'count_words7 runs', 'extract_links7 runs', 'fetch_page8 runs', 'note1 run', 'parse_page8 runs', 'thumbnail1 run']);
      expect(await page.locator('.label.nested').allTextContents()).toEqual(['count_words7 runs', 'extract_links7 runs']);
      expect(await page.locator('#summary').getAttribute('data-runs')).toBe('33');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a clicked run\'s name, states with times, attempts and error, and links parents and children', async () => {
    const { page, errors } = await open(crawlPage);
    try {
      const broken = one((run) => run.name === 'fetch /broken');
      expect(broken.error?.name).toBe('RetriesExhaustedError');
      await page.locator('.bar.state-Failed').click();
      const detail = page.locator('#detail');
      await expect.poll(() => detail.locator('h2').textContent()).toBe('fetch /broken');
      const text = (await detail.textContent()) ?? '';
      expect(text).toContain('Failed');
      expect(text).toContain(`${broken.error?.name} [RETRIES_EXHAUSTED]: ${broken.error?.message}`);
      expect(text).toContain('GET /broken: 503 Service Unavailable');
      expect(await detail.locator('table.states td:nth-child(2)').allTextContents()).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'Failed']);
      expect(await detail.locator('dt:has-text("Attempts") + dd').textContent()).toBe('2');
      expect(await detail.locator('dt:has-text("Tags") + dd').textContent()).toBe('http, crawl');
      expect(await page.locator('.bar.selected').count()).toBe(1);

      // A nested run names its parent; the link selects the parent, whose children are outlined.
      const analyze = one((run) => run.taskName === 'analyze');
      const child = crawl.runs[analyze.children[0] as number] as TimelineRun;
      await barOf(page, child).click();
      await expect.poll(() => detail.locator('h2').textContent()).toBe(child.name);
      await detail.locator('dt:has-text("Parent") + dd button').click();
      await expect.poll(() => detail.locator('h2').textContent()).toBe(analyze.name);
      expect(await page.locator('.bar.related').count()).toBe(14);
      expect(await detail.locator('.links button').count()).toBe(14);

      // Hover: a summary of the run under the pointer.
      const timedOut = one((run) => run.state === 'TimedOut');
      await barOf(page, timedOut).hover();
      await expect.poll(() => page.locator('#tip').isVisible()).toBe(true);
      expect(await page.locator('#tip').textContent()).toContain(`${timedOut.name}\nTimedOut`);
      expect(errors).toEqual([]);

      // For docs/observability.md ("Timeline") and for CI artifacts: the failed run selected, the pointer away.
      await page.locator('.bar.state-Failed').click();
      await page.mouse.move(1, 1);
      await page.evaluate('document.getElementById("scroll").scrollTo(0, 0)');
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    } finally {
      await page.close();
    }
  });

  it('shows a run name that is markup as text, runs none of it, and fetches nothing but the file', async () => {
    const opened = await open(crawlPage);
    const { page } = opened;
    try {
      const hostile = one((run) => run.name === HOSTILE_NAME);
      await barOf(page, hostile).click();
      await expect.poll(() => page.locator('#detail h2').textContent()).toBe(HOSTILE_NAME);
      expect(await page.evaluate<string>('typeof window.pwned')).toBe('undefined');
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(2);
      expect(opened.dialogs).toEqual([]);
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([opened.url]);
    } finally {
      await page.close();
    }
  });

  it('filters by final state from the legend, and zooms the time axis', async () => {
    const { page } = await open(crawlPage);
    try {
      await page.locator('.legend-item.state-Completed').click();
      expect(await page.locator('.bar.state-Completed').first().isVisible()).toBe(false);
      expect(await page.locator('.bar.state-Failed').isVisible()).toBe(true);
      await page.locator('.legend-item.state-Completed').click();
      expect(await page.locator('.bar.state-Completed').first().isVisible()).toBe(true);

      const bar = page.locator('.bar.state-Failed');
      const before = (await bar.boundingBox())?.width ?? 0;
      await page.locator('#zoom-in').click();
      const after = (await bar.boundingBox())?.width ?? 0;
      expect(after).toBeGreaterThan(before * 1.4);
      await page.locator('#zoom-fit').click();
      expect((await bar.boundingBox())?.width).toBeCloseTo(before, 0);
    } finally {
      await page.close();
    }
  });

  it("names a flow run by its flowRunName and marks failed state hooks on the run's bar and the flow's header, listed on click", async () => {
    const recording = join(dir, 'sync.jsonl');
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    const notifySlack = () => Promise.reject(new Error('503'));
    const load = task({ name: 'load', onFailure: notifySlack }, () => {
      throw new Error('no rows');
    });
    const report = () => {
      throw new TypeError('no report');
    };
    await flow({ name: 'sync', flowRunName: 'sync-{day}', record: recording, logger: silent, progress: false, onCompletion: report }, async (day: string) => {
      const loaded = load.submit();
      await loaded.wait();
      return `${day}: ${loaded.state.name}`;
    })('monday');
    const file = join(dir, 'sync.html');
    writeFileSync(file, renderTimeline(readRecording(recording)));
    const { page, errors } = await open(file);
    try {
      expect((await page.locator('.label.flow').textContent()) ?? '').toMatch(/^sync › sync-mondayCompleted · 1 hook failed · \d+ ms · 1 runs$/);
      const bar = page.locator('.bar.hook-failed');
      expect(await bar.count()).toBe(1);
      // The mark is drawn (a pseudo-element: no element per run is added).
      expect(await page.evaluate<string>('getComputedStyle(document.querySelector(".bar.hook-failed"), "::after").content')).not.toBe('none');
      expect(await page.locator('.hookmark').count()).toBe(1);
      expect(await page.locator('.legend-key .key-hook').count()).toBe(1);

      await bar.click();
      const detail = page.locator('#detail');
      await expect.poll(() => detail.locator('h2').textContent()).toBe('load-0');
      expect(await detail.locator('dt:has-text("Flow run") + dd').textContent()).toMatch(/^sync › sync-monday \(/);
      expect(await detail.locator('.hook').allTextContents()).toEqual([expect.stringMatching(/^\+\d+ ms {2}onFailure notifySlack failed: Error: 503$/)]);

      await page.locator('.hookmark').click();
      await expect.poll(() => detail.locator('h2').textContent()).toBe('sync › sync-monday');
      expect(await detail.locator('.hook').allTextContents()).toEqual([expect.stringMatching(/onCompletion report failed: TypeError: no report$/)]);
      expect(errors).toEqual([]);

      // A recording without them draws as before: no mark, no key.
      const crawlOpened = await open(crawlPage);
      try {
        expect(await crawlOpened.page.locator('.hookmark, .bar.hook-failed, .key-hook').count()).toBe(0);
      } finally {
        await crawlOpened.page.close();
      }
    } finally {
      await page.close();
    }
  });

  it('loads 10k runs and answers a click', async () => {
    const file = join(dir, 'bulk.html');
    writeFileSync(file, renderTimeline(syntheticRecording(10_000), { title: 'bulk' }));
    const started = Date.now();
    const { page, errors, requests, url } = await open(file);
    try {
      const ready = Date.now() - started;
      const built = Number(await page.locator('body').getAttribute('data-render-ms'));
      console.log(`timeline page, 10,000 runs: ready ${ready} ms after goto (script built the page in ${built.toFixed(0)} ms)`);
      expect(await page.locator('.bar').count()).toBe(10_000);
      // One element per run, and few others: the DOM stays small.
      expect(await page.evaluate<number>('document.getElementsByTagName("*").length')).toBeLessThan(10_000 + 200);
      expect(ready).toBeLessThan(30_000);

      const failed = page.locator('.bar.state-Failed').first();
      // The page's model is on window.sluiceTimeline: the name the detail must show.
      const name = await page.evaluate<string>(`window.sluiceTimeline.data.runs[${Number(await failed.getAttribute('data-i'))}].n`);
      const clicked = Date.now();
      await failed.click();
      await expect.poll(() => page.locator('#detail h2').textContent()).toBe(name);
      console.log(`timeline page, 10,000 runs: detail shown ${Date.now() - clicked} ms after a click`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
