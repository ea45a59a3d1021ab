/**
 * The timeline page's script, inlined in every timeline. It reads the embedded data (a JSON
 * block, see html.ts) and draws one absolutely positioned element per run: positions are
 * percentages of the time axis, so zooming changes one width and nothing per bar, and hover and
 * click are one listener on the track (no per-bar listeners, no layout work per frame). Every
 * recorded string goes into the page through `textContent` or `setAttribute`, never as markup.
 *
 * It is plain browser JavaScript in a string (the page is a single file with nothing to load);
 * the browser test (test/observers/timeline.browser.test.ts) runs it.
 *
 * @module
 * @internal
 */

/** The page's script. @internal */
export const TIMELINE_SCRIPT = String.raw`
(function () {
  'use strict';
  var started = performance.now();
  var data = JSON.parse(document.getElementById('sluice-timeline-data').textContent);
  var runs = data.runs, flows = data.flows, known = new Set(data.states);
  var span = Math.max(data.span, 1e-9);
  var KINDS = ['waiting', 'running', 'awaiting-retry'];

  var $ = function (id) { return document.getElementById(id); };
  var scroll = $('scroll'), sheet = $('sheet'), axis = $('axis'), labels = $('labels'), track = $('track');
  var detail = $('detail'), tip = $('tip');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function stateOf(run) { return run.d ? (known.has(run.s) ? run.s : 'Other') : 'Unfinished'; }

  function fmt(ms) {
    var a = Math.abs(ms);
    if (a < 1) return (Math.round(ms * 100) / 100) + ' ms';
    if (a < 1000) return Math.round(ms) + ' ms';
    if (a < 60000) return (ms / 1000).toFixed(a < 10000 ? 2 : 1) + ' s';
    var m = Math.floor(ms / 60000);
    return m + ' min ' + Math.round((ms - m * 60000) / 1000) + ' s';
  }

  function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }

  // A flow run by its flow's name and, when it has one, its own (flowRunName).
  function flowName(flow) { return flow.rn ? flow.n + ' \u203a ' + flow.rn : flow.n; }
  function errorText(err) { return err.name + (err.code ? ' [' + err.code + ']' : '') + ': ' + err.message; }
  // A failed state hook in words: "onFailure notifySlack failed: Error: 503".
  function hookText(k) {
    return k.h + (k.f !== k.h ? ' ' + k.f : '') + (k.rn ? ' of ' + k.rn : '') + (k.o ? ' timed out' : ' failed') + ': ' + errorText(k.err);
  }
  function short(text) { return text.length > 200 ? text.slice(0, 200) + '\u2026' : text; }

  // Epoch-ms clocks get wall times; a TestScheduler's virtual frames only offsets.
  function clock(flow, t) {
    var at = flow.s + t;
    if (!(flow.s > 1e11)) return '+' + fmt(t);
    var d = new Date(at);
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3) + '  (+' + fmt(t) + ')';
  }

  // Layout: a header row per flow run, then a row per group, its runs stacked in lanes.
  var totalLanes = 0;
  flows.forEach(function (f) { f.g.forEach(function (g) { totalLanes += g.l; }); });
  var laneH = totalLanes > 2000 ? 4 : totalLanes > 600 ? 8 : totalLanes > 150 ? 14 : 22;
  var barH = laneH >= 22 ? 14 : laneH >= 14 ? 10 : laneH - 1;
  var padY = laneH >= 14 ? 6 : 2;
  var FLOW_H = 28, MIN_ROW = 26;
  document.documentElement.style.setProperty('--bh', barH + 'px');

  // A row's label stays in view while any of its row is (sticky under the axis).
  function labelText(name, note) {
    var text = el('span');
    text.appendChild(document.createTextNode(name));
    text.appendChild(el('small', '', note));
    return text;
  }

  var groupTop = flows.map(function () { return []; });
  var y = 0;
  var bandFrag = document.createDocumentFragment(), labelFrag = document.createDocumentFragment();
  flows.forEach(function (f, fi) {
    var hooks = f.hk ? ' \u00b7 ' + f.hk.length + (f.hk.length === 1 ? ' hook failed' : ' hooks failed') : '';
    var label = el('div', 'label flow' + (f.sd ? ' nested' : '') + (f.hk ? ' hook-failed' : ''));
    label.appendChild(labelText(flowName(f), (f.sub ? f.sub + ' \u00b7 ' : '') + (f.o || 'unfinished') + hooks + ' \u00b7 ' + fmt(f.d) + ' \u00b7 ' + f.r + ' runs'));
    label.style.cssText = 'top:' + y + 'px;height:' + FLOW_H + 'px;padding-top:5px;padding-left:' + (10 + (f.sd || 0) * 18) + 'px';
    label.title = flowName(f) + ' (' + f.i + ')' + (f.hk ? '\n' + f.hk.map(hookText).map(short).join('\n') : '');
    label.setAttribute('data-f', fi);
    labelFrag.appendChild(label);
    var band = el('div', 'band flow');
    band.style.cssText = 'top:' + y + 'px;height:' + FLOW_H + 'px';
    var flowSpan = el('div', 'flowspan state-' + (f.o === 'Completed' ? 'Completed' : f.o === 'Failed' ? 'Failed' : f.o === 'Cancelled' ? 'Cancelled' : 'Unfinished'));
    flowSpan.style.cssText = 'left:0;width:' + (f.d / span * 100) + '%;top:' + (FLOW_H / 2 - 3) + 'px';
    band.appendChild(flowSpan);
    // The flow's own failed hooks: a mark each on its header, at the time it failed.
    (f.hk || []).forEach(function (k, ki) {
      var mark = el('div', 'hookmark');
      mark.setAttribute('data-f', fi);
      mark.setAttribute('data-k', ki);
      mark.style.cssText = 'left:' + (Math.min(Math.max(k.t, 0), f.d) / span * 100) + '%;top:' + (FLOW_H / 2 - 5) + 'px';
      band.appendChild(mark);
    });
    bandFrag.appendChild(band);
    y += FLOW_H;
    f.g.forEach(function (g, gi) {
      var h = Math.max(MIN_ROW, g.l * laneH + 2 * padY);
      var label = el('div', 'label' + (g.d > 0 ? ' nested' : ''));
      label.appendChild(labelText(g.t, g.n + (g.n === 1 ? ' run' : ' runs')));
      label.style.cssText = 'top:' + y + 'px;height:' + h + 'px;padding-left:' + (10 + g.d * 18) + 'px';
      label.title = g.p;
      labelFrag.appendChild(label);
      var band = el('div', 'band' + (g.d > 0 ? ' nested' : ''));
      band.style.cssText = 'top:' + y + 'px;height:' + h + 'px';
      bandFrag.appendChild(band);
      groupTop[fi][gi] = y + padY + (laneH - barH) / 2;
      y += h;
    });
  });
  var height = y;
  labels.style.height = height + 'px';
  track.style.height = height + 'px';
  labels.appendChild(labelFrag);
  track.appendChild(bandFrag);

  // How a bar is drawn. Most runs wait, then run once: their bar's left padding (a percentage of
  // the track, like every position here) is the wait, drawn as a thin line, and the rest is
  // solid, all from the state's class. Only runs with more spans (retries) get a gradient of
  // their own, hard stops per span: see-through while waiting, each attempt solid, the last in
  // the final state's colour.
  function look(run) {
    var dur = run.e - run.t;
    var spans = run.x.filter(function (s) { return s[2] > s[1]; });
    var ran = spans.filter(function (s) { return s[0] === 1; }).length;
    if (spans.length === 0) return { cls: run.a === 0 ? ' idle' : '', css: '' };
    if (ran === 0) return { cls: ' idle', css: '' };
    if (spans.length === 1) return { cls: '', css: '' };
    if (spans.length === 2 && spans[0][0] === 0 && spans[1][0] === 1) return { cls: '', css: ';padding-left:' + ((spans[1][1] - run.t) / span * 100) + '%' };
    var last = -1;
    spans.forEach(function (s, k) { if (s[0] === 1) last = k; });
    var stops = spans.map(function (s, k) {
      var colour = s[0] === 0 ? 'transparent' : s[0] === 2 ? 'var(--await)' : k === last ? 'var(--c)' : 'var(--retried)';
      return colour + ' ' + ((s[1] - run.t) / dur * 100).toFixed(2) + '% ' + ((s[2] - run.t) / dur * 100).toFixed(2) + '%';
    });
    return { cls: ' spans', css: ';--fill:linear-gradient(90deg,' + stops.join(',') + ')' };
  }

  var counts = {};
  var children = runs.map(function () { return []; });
  var bars = new Array(runs.length);
  var barFrag = document.createDocumentFragment();
  for (var i = 0; i < runs.length; i++) {
    var run = runs[i];
    var state = stateOf(run);
    counts[state] = (counts[state] || 0) + 1;
    if (run.p >= 0) children[run.p].push(i);
    var bar = document.createElement('div');
    var drawn = look(run);
    bar.className = 'bar state-' + state + drawn.cls + (run.d ? '' : ' unfinished') + (run.a > 1 ? ' retried' : '') + (run.hk ? ' hook-failed' : '');
    bar.setAttribute('data-i', i);
    bar.setAttribute('data-state', run.s);
    bar.style.cssText = 'left:' + (run.t / span * 100) + '%;width:' + ((run.e - run.t) / span * 100) + '%;top:' + (groupTop[run.f][run.g] + run.l * laneH) + 'px' + drawn.css;
    bars[i] = bar;
    barFrag.appendChild(bar);
  }
  track.appendChild(barFrag);

  // Header: counts by final state, each a filter.
  var legend = $('legend');
  data.states.concat(['Unfinished', 'Other']).forEach(function (state) {
    if (!counts[state]) return;
    var item = el('button', 'legend-item state-' + state, state + ' ' + counts[state]);
    item.type = 'button';
    item.title = 'Show or hide ' + state + ' runs';
    item.addEventListener('click', function () { document.body.classList.toggle('hide-' + state); });
    legend.appendChild(item);
  });
  var hookFailures = flows.reduce(function (n, f) { return n + (f.hk ? f.hk.length : 0); }, 0) + runs.reduce(function (n, r) { return n + (r.hk ? r.hk.length : 0); }, 0);
  var keys = [['key-wait', 'waiting'], ['key-retried', 'failed attempt'], ['key-retry', 'awaiting retry']];
  if (hookFailures) keys.push(['key-hook', 'hook failed']);
  keys.forEach(function (k) {
    var key = el('span', 'legend-key');
    key.appendChild(el('span', 'key ' + k[0]));
    key.appendChild(document.createTextNode(k[1]));
    legend.appendChild(key);
  });
  var summary = $('summary');
  summary.textContent = runs.length + (runs.length === 1 ? ' run' : ' runs') + ' in ' + flows.length + (flows.length === 1 ? ' flow run' : ' flow runs') + ' \u00b7 ' + fmt(data.span) +
    (flows.length && flows[0].s > 1e11 ? ' \u00b7 started ' + new Date(flows[0].s).toLocaleString() : '') + (data.skipped ? ' \u00b7 ' + data.skipped + ' unknown events skipped' : '') +
    (hookFailures ? ' \u00b7 ' + hookFailures + (hookFailures === 1 ? ' state hook failed' : ' state hooks failed') : '');
  summary.setAttribute('data-runs', runs.length);
  summary.setAttribute('data-hook-failures', hookFailures);
  Object.keys(counts).forEach(function (state) { summary.setAttribute('data-count-' + state.toLowerCase(), counts[state]); });

  // Time axis and zoom: one width changes; bars are placed in percentages.
  var labelW = labels.offsetWidth, zoom = 1, trackW = 0;
  function nice(step) {
    var p = Math.pow(10, Math.floor(Math.log10(step)));
    var m = step / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function drawAxis() {
    var perMs = trackW / span;
    var step = nice(90 / perMs);
    axis.textContent = '';
    var frag = document.createDocumentFragment();
    for (var t = 0; t <= span + 1e-9; t += step) {
      var tick = el('div', 'tick', fmt(t));
      tick.style.left = (t / span * 100) + '%';
      frag.appendChild(tick);
    }
    axis.appendChild(frag);
    track.style.backgroundImage = 'repeating-linear-gradient(to right,var(--line) 0 1px,transparent 1px ' + (step * perMs) + 'px)';
  }
  function applyZoom(next, anchorX) {
    var visible = Math.max(200, scroll.clientWidth - labelW);
    var at = trackW > 0 ? (scroll.scrollLeft + anchorX) / trackW : 0;
    zoom = Math.min(200, Math.max(1, next));
    trackW = Math.floor(visible * zoom);
    sheet.style.width = (labelW + trackW) + 'px';
    drawAxis();
    scroll.scrollLeft = at * trackW - anchorX;
  }
  applyZoom(1, 0);
  scroll.addEventListener('wheel', function (event) {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    applyZoom(zoom * (event.deltaY < 0 ? 1.25 : 0.8), Math.max(0, event.clientX - scroll.getBoundingClientRect().left - labelW));
  }, { passive: false });
  $('zoom-in').addEventListener('click', function () { applyZoom(zoom * 1.5, (scroll.clientWidth - labelW) / 2); });
  $('zoom-out').addEventListener('click', function () { applyZoom(zoom / 1.5, (scroll.clientWidth - labelW) / 2); });
  $('zoom-fit').addEventListener('click', function () { applyZoom(1, 0); });
  var resizing = false;
  window.addEventListener('resize', function () {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(function () { resizing = false; applyZoom(zoom, 0); });
  });

  // Hover: one tooltip, moved without reading layout.
  function tipText(run) {
    var lines = [run.n, run.s + (run.d ? '' : ' (unfinished)') + ' \u00b7 ' + fmt(run.e - run.t) + (run.w > 0 ? ' \u00b7 waited ' + fmt(run.w) : '') + (run.a > 1 ? ' \u00b7 ' + run.a + ' attempts' : '')];
    if (run.err) lines.push(run.err.name + ': ' + (run.err.message.length > 200 ? run.err.message.slice(0, 200) + '\u2026' : run.err.message));
    (run.hk || []).forEach(function (k) { lines.push(short(hookText(k))); });
    return lines.join('\n');
  }
  function markOf(target) { return flows[+target.getAttribute('data-f')].hk[+target.getAttribute('data-k')]; }
  track.addEventListener('mouseover', function (event) {
    var target = event.target;
    var isBar = target.classList && target.classList.contains('bar'), isMark = target.classList && target.classList.contains('hookmark');
    if (!isBar && !isMark) { tip.style.display = 'none'; return; }
    tip.textContent = isBar ? tipText(runs[+target.getAttribute('data-i')]) : flowName(flows[+target.getAttribute('data-f')]) + '\n' + short(hookText(markOf(target)));
    tip.style.display = 'block';
  });
  track.addEventListener('mousemove', function (event) {
    if (tip.style.display !== 'block') return;
    tip.style.left = Math.min(event.clientX + 14, window.innerWidth - 430) + 'px';
    tip.style.top = (event.clientY + 16) + 'px';
  });
  track.addEventListener('mouseleave', function () { tip.style.display = 'none'; });

  // Click: the detail panel, and the run's parent and children outlined.
  var selected = -1, related = [];
  function select(i, reveal) {
    if (selected >= 0) {
      bars[selected].classList.remove('selected');
      related.forEach(function (j) { bars[j].classList.remove('related'); });
    }
    selected = i;
    related = [];
    if (i < 0 || i >= runs.length) { selected = -1; showHint(); return; }
    var run = runs[i];
    related = children[i].concat(run.p >= 0 ? [run.p] : []);
    bars[i].classList.add('selected');
    related.forEach(function (j) { bars[j].classList.add('related'); });
    showRun(i);
    if (reveal) bars[i].scrollIntoView({ block: 'center', inline: 'center' });
  }
  function runLink(j) {
    var link = el('button', 'link', runs[j].n + ' (' + stateOf(runs[j]) + ')');
    link.type = 'button';
    link.addEventListener('click', function () { select(j, true); });
    return link;
  }
  function row(list, name, value) {
    list.appendChild(el('dt', '', name));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    list.appendChild(dd);
  }
  function showHint() {
    detail.textContent = '';
    detail.appendChild(el('p', 'hint', 'Click a bar to see its run: its states with times, attempts and error. Ctrl + wheel zooms the time axis; the legend filters by final state.'));
  }
  function showRun(i) {
    var run = runs[i], flow = flows[run.f], group = flow.g[run.g];
    detail.textContent = '';
    detail.appendChild(el('h2', 'run-name', run.n));
    detail.appendChild(el('span', 'badge state-' + stateOf(run), run.s + (run.d ? '' : ' (unfinished)')));
    var list = el('dl');
    row(list, 'Task', group.p);
    if (run.tg) row(list, 'Tags', run.tg.join(', '));
    row(list, 'Flow run', flowName(flow) + ' (' + flow.i + ')');
    row(list, 'Run id', run.i);
    row(list, 'Submitted', clock(flow, run.t));
    row(list, run.d ? 'Ended' : 'Last seen', clock(flow, run.e));
    row(list, 'Waiting', fmt(run.w));
    row(list, 'Running', fmt(run.r));
    row(list, 'Attempts', run.a);
    if (run.p >= 0) row(list, 'Parent', runLink(run.p));
    detail.appendChild(list);
    if (run.err) {
      detail.appendChild(el('h3', '', 'Error'));
      detail.appendChild(el('div', 'error', errorText(run.err)));
    }
    showHooks(flow, run.hk);
    detail.appendChild(el('h3', '', 'States'));
    var table = el('table', 'states');
    var head = el('tr');
    ['time', 'state', 'attempt'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(head);
    run.h.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('td', '', '+' + fmt(s[1])));
      tr.appendChild(el('td', '', s[0]));
      tr.appendChild(el('td', '', s[2] >= 0 ? s[2] : ''));
      table.appendChild(tr);
    });
    detail.appendChild(table);
    detail.appendChild(el('h3', '', 'Spans'));
    var spans = el('table', 'spans');
    run.x.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('td', '', KINDS[s[0]] + (s[3] >= 0 ? ' #' + s[3] : '')));
      tr.appendChild(el('td', '', fmt(s[2] - s[1])));
      spans.appendChild(tr);
    });
    detail.appendChild(spans);
    if (children[i].length > 0) {
      detail.appendChild(el('h3', '', 'Runs submitted in its body (' + children[i].length + ')'));
      var links = el('div', 'links');
      children[i].slice(0, 100).forEach(function (j) { links.appendChild(runLink(j)); });
      if (children[i].length > 100) links.appendChild(el('span', 'hint', '\u2026 and ' + (children[i].length - 100) + ' more'));
      detail.appendChild(links);
    }
  }
  // Failed state hooks: each with its time, what it was, and its error (a hook changes no state).
  function showHooks(flow, hooks) {
    if (!hooks) return;
    detail.appendChild(el('h3', '', 'Hooks'));
    var list = el('div', 'hooks');
    hooks.forEach(function (k) { list.appendChild(el('div', 'error hook', '+' + fmt(k.t) + '  ' + hookText(k))); });
    detail.appendChild(list);
  }
  // A flow run's own panel (a click on its header or a hook mark): its outcome, error and hooks.
  function showFlow(fi) {
    select(-1);
    var flow = flows[fi];
    detail.textContent = '';
    detail.appendChild(el('h2', 'run-name', flowName(flow)));
    var outcome = flow.o || 'Unfinished';
    detail.appendChild(el('span', 'badge state-' + (known.has(outcome) ? outcome : 'Unfinished'), flow.o || 'unfinished'));
    var list = el('dl');
    row(list, 'Flow', flow.n);
    if (flow.rn) row(list, 'Flow run name', flow.rn);
    row(list, 'Flow run id', flow.i);
    if (flow.sub) row(list, 'Called by', flow.sub.replace(/^subflow of /, ''));
    row(list, 'Started', clock(flow, 0));
    row(list, flow.o ? 'Ended' : 'Last seen', clock(flow, flow.d));
    row(list, 'Runs', flow.r);
    detail.appendChild(list);
    if (flow.err) {
      detail.appendChild(el('h3', '', 'Error'));
      detail.appendChild(el('div', 'error', errorText(flow.err)));
    }
    showHooks(flow, flow.hk);
  }
  track.addEventListener('click', function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains('bar')) select(+target.getAttribute('data-i'), false);
    else if (target.classList && target.classList.contains('hookmark')) showFlow(+target.getAttribute('data-f'));
  });
  labels.addEventListener('click', function (event) {
    var label = event.target.closest && event.target.closest('.label.flow');
    if (label) showFlow(+label.getAttribute('data-f'));
  });
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape') select(-1); });
  showHint();

  var renderMs = performance.now() - started;
  window.sluiceTimeline = { data: data, select: function (i) { select(i, true); }, showFlow: showFlow, counts: counts, renderMs: renderMs };
  document.body.setAttribute('data-render-ms', renderMs.toFixed(1));
  document.body.setAttribute('data-ready', 'true');
})();
`;
