/**
 * The timeline page's stylesheet, inlined in every timeline (no external fonts or files: a
 * timeline is one file that opens anywhere, offline).
 *
 * @module
 * @internal
 */

/** Colours of final states; anything else is drawn as `Other`. @internal */
export const STATE_COLOURS: Readonly<Record<string, string>> = {
  Completed: '#2f9e5f',
  Cached: '#14b8a6',
  Failed: '#d64545',
  TimedOut: '#e8743b',
  UpstreamFailed: '#c98aa8',
  Cancelled: '#7d8590',
  UpstreamCancelled: '#b3b9c2',
  Crashed: '#8e44ad',
  Unfinished: '#3b82f6',
  Other: '#57606a',
};

/** A colour mixed with white: the thin line of a run's wait, lighter than its bar. */
function lighter(hex: string, share: number): string {
  const channel = (i: number): string => {
    const value = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(value + (255 - value) * share).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

// Plain colours per state (no color-mix or calc per bar): style recalculation of 10k bars is the
// page's largest cost.
const stateRules = Object.entries(STATE_COLOURS)
  .map(([state, colour]) => `.state-${state}{--c:${colour};--w:${lighter(colour, 0.35)}}.hide-${state} .bar.state-${state}{display:none}.hide-${state} .legend-item.state-${state}{opacity:.35;text-decoration:line-through}`)
  .join('\n');

/** The page's CSS. @internal */
export const TIMELINE_CSS = `
:root{--label:260px;--axis:30px;--panel:360px;--retried:#f08c8c;--await:#f7d48b;--hook:#9a6700;--line:#e4e7eb;--muted:#656d76;--bg:#fff;--fg:#1f2328;color-scheme:light}
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);display:flex;flex-direction:column}
header{padding:10px 16px;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px}
h1{font-size:16px;margin:0;font-weight:600}
#summary{color:var(--muted)}
#legend{display:flex;flex-wrap:wrap;gap:4px 6px;align-items:center}
.legend-item{font:inherit;border:1px solid var(--line);background:#fff;border-radius:12px;padding:1px 9px 1px 7px;cursor:pointer;display:inline-flex;align-items:center;gap:5px}
.legend-item::before{content:"";width:10px;height:10px;border-radius:2px;background:var(--c)}
.legend-key{color:var(--muted);display:inline-flex;align-items:center;gap:5px;margin-left:4px}
.key{display:inline-block;width:22px;height:10px;border-radius:2px}
.key-wait{background:linear-gradient(var(--muted),var(--muted)) 0 50%/100% 2px no-repeat}
.key-retry{background:var(--await)}
.key-retried{background:var(--retried)}
.key-hook{width:10px;border-radius:50%;background:var(--hook)}
#zoom{margin-left:auto;display:flex;gap:4px}
#zoom button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:4px;min-width:28px;cursor:pointer}
main{flex:1;display:flex;min-height:0}
#scroll{flex:1;overflow:auto;position:relative}
#sheet{display:grid;grid-template-columns:var(--label) auto;min-width:100%}
#corner{position:sticky;top:0;left:0;z-index:4;background:#fff;height:var(--axis);border-bottom:1px solid var(--line);border-right:1px solid var(--line);padding:6px 10px;color:var(--muted)}
#axis{position:sticky;top:0;z-index:3;background:#fff;height:var(--axis);border-bottom:1px solid var(--line)}
.tick{position:absolute;top:0;height:100%;border-left:1px solid var(--line);padding:7px 4px 0;color:var(--muted);font-size:11px;white-space:nowrap}
#labels{position:sticky;left:0;z-index:2;background:#fff;border-right:1px solid var(--line)}
.label{position:absolute;left:0;right:0;padding:3px 10px;border-top:1px solid var(--line)}
.label>span{display:block;position:sticky;top:calc(var(--axis) + 2px);overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.label small{color:var(--muted);margin-left:4px}
.label.nested>span::before{content:"\\21b3  ";color:var(--muted)}
.label.flow{font-weight:600;background:#f6f8fa;cursor:pointer}
.label.flow.hook-failed{padding-right:24px}
.label.flow.hook-failed::after{content:"";position:absolute;right:9px;top:10px;width:8px;height:8px;border-radius:50%;background:var(--hook)}
#track{position:relative}
.band{position:absolute;left:0;right:0;border-top:1px solid var(--line)}
.band.flow{background:#f6f8fa}
.band.nested{background:rgba(9,105,218,.025)}
.flowspan{position:absolute;height:6px;border-radius:3px;background:var(--c);opacity:.55}
.hookmark{position:absolute;width:10px;height:10px;margin-left:-5px;border-radius:50%;background:var(--hook);box-shadow:0 0 0 2px var(--bg);cursor:pointer}
.hookmark:hover{outline:2px solid var(--fg);outline-offset:1px}
.bar{position:absolute;min-width:3px;height:var(--bh);cursor:pointer;border-right:1px solid var(--bg);background:linear-gradient(var(--c),var(--c)) content-box,linear-gradient(var(--w),var(--w)) 0 50%/100% 2px no-repeat border-box}
.bar.idle{background:linear-gradient(var(--c),var(--c)) 100% 0/2px 100% no-repeat,linear-gradient(var(--w),var(--w)) 0 50%/100% 2px no-repeat}
.bar.idle.unfinished{background:linear-gradient(var(--w),var(--w)) 0 50%/100% 2px no-repeat}
.bar.spans{background:var(--fill),linear-gradient(var(--w),var(--w)) 0 50%/100% 2px no-repeat}
.bar.hook-failed::after{content:"";position:absolute;top:-3px;right:-4px;width:7px;height:7px;border-radius:50%;background:var(--hook);box-shadow:0 0 0 1px var(--bg);pointer-events:none}
.bar:hover{outline:2px solid var(--fg);outline-offset:1px;z-index:1}
.bar.related{outline:2px dashed var(--fg);outline-offset:1px}
.bar.selected{outline:2px solid #0969da;outline-offset:2px;z-index:1}
#tip{position:fixed;z-index:10;pointer-events:none;background:#1f2328;color:#fff;padding:5px 8px;border-radius:4px;font-size:12px;max-width:420px;display:none;white-space:pre-line}
#detail{width:var(--panel);flex:none;border-left:1px solid var(--line);overflow:auto;padding:12px 16px}
#detail h2{font-size:15px;margin:0 0 6px;word-break:break-word}
#detail .hint{color:var(--muted)}
#detail dl{display:grid;grid-template-columns:auto 1fr;gap:3px 12px;margin:10px 0}
#detail dt{color:var(--muted)}
#detail dd{margin:0;word-break:break-word}
#detail table{border-collapse:collapse;width:100%;margin:6px 0 10px}
#detail td,#detail th{text-align:left;padding:2px 6px 2px 0;border-bottom:1px solid var(--line);font-weight:normal}
#detail th{color:var(--muted)}
#detail h3{font-size:13px;margin:12px 0 4px}
.badge{display:inline-block;padding:0 8px;border-radius:10px;background:var(--c);color:#fff;font-weight:600}
.error{background:#fff1f0;border:1px solid #ffc9c4;border-radius:4px;padding:6px 8px;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.link{font:inherit;color:#0969da;background:none;border:0;padding:0;cursor:pointer;text-align:left}
.link:hover{text-decoration:underline}
.links{display:flex;flex-direction:column;gap:2px}
.hooks{display:flex;flex-direction:column;gap:4px}
.error.hook{background:#fff8c5;border-color:#eac54f}
${stateRules}
`;
