// The console's style sheet (a module, so the build's change detection sees it). Colours keep text at a
// contrast ratio of 4.5:1 or more.
export const css = `
:root { --fg: #1b1f24; --muted: #545d68; --bg: #fff; --line: #d0d7de; --accent: #0b57b5; --cell-off: #e6e8eb;
  --ok: #116329; --bad: #a40e26; --past: #fff4cc; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, main:focus-visible { outline: 3px solid #f59f00; outline-offset: 2px; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; } h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
button { font: inherit; padding: .25rem .7rem; border: 1px solid #8c959f; border-radius: 4px; background: #f6f8fa; color: var(--fg); cursor: pointer; }
button[aria-pressed="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { border-color: var(--bad); color: var(--bad); }
button:disabled { color: #6e7781; cursor: default; }
input, select { font: inherit; padding: .2rem .4rem; border: 1px solid #8c959f; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
caption { text-align: left; font-weight: 600; padding: .5rem 0 .25rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; } .skip:focus { left: .5rem; top: .5rem; background: #fff; padding: .25rem; z-index: 2; }
.muted { color: var(--muted); } .ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); background: #f6f8fa; }
.brand a { color: var(--fg); text-decoration: none; font-size: 1.1rem; }
.inline { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.inline-form { display: flex; gap: .4rem; align-items: center; } .inline-form input { width: 6rem; }
.travel { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .4rem 1rem; border-bottom: 1px solid var(--line); }
.travel input[type=range] { flex: 1 1 16rem; } .travel input[type=number] { width: 6rem; } .jump { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.past { background: var(--past); border-bottom: 2px solid #9a6700; padding: .5rem 1rem; font-weight: 600; }
.notice-area:empty { display: none; } .notice { margin: 0; padding: .4rem 1rem; } .notice.error { background: #ffebe9; color: var(--bad); } .notice.info { background: #dafbe1; color: var(--ok); }
.notice button { border: none; background: none; }
.layout { display: grid; grid-template-columns: minmax(14rem, 20rem) 1fr; min-height: calc(100vh - 7rem); }
.tree { border-right: 1px solid var(--line); padding: .75rem; overflow: auto; }
.tree input { width: 100%; margin-bottom: .5rem; }
.tree ul { list-style: none; margin: 0; padding-left: 1rem; } .tree > ul { padding-left: 0; } .tree li { margin: .15rem 0; }
.tree a[aria-current="page"] { font-weight: 700; }
main { padding: 1rem 1.25rem; min-width: 0; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; margin: .75rem 0; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 0 .75rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .25rem 1rem; margin: 0; }
.facts dt { color: var(--muted); font-size: .85rem; } .facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 9px; font-size: .8rem; background: #eaeef2; color: #24292f; }
.s-running, .s-connected, .s-succeeded, .s-up { background: #dafbe1; color: #116329; }
.s-failed, .s-fault, .s-not-responding, .s-isolated, .s-off, .s-down { background: #ffebe9; color: #a40e26; }
.s-maintenance, .s-standby, .s-suspended, .s-migrating, .s-starting, .s-stopping, .s-creating, .s-queued { background: #fff8c5; color: #6b4b00; }
.heatmap { list-style: none; padding: 0; margin: .5rem 0 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .5rem; }
.heatmap li { border: 1px solid #8c959f; border-radius: 6px; padding: .5rem; display: flex; flex-direction: column; gap: .1rem; color: #1b1f24; }
.heatmap a { color: #0a3f85; }
.toggle { display: flex; flex-wrap: wrap; gap: .25rem; }
.states { display: flex; list-style: none; padding: 0; margin: 0 0 .5rem; gap: .25rem; }
.states li { padding: .1rem .6rem; border: 1px solid var(--line); border-radius: 4px; color: var(--muted); }
.states li.on { color: #fff; font-weight: 700; } .m-high { background: #116329; } .m-soft { background: #7d4e00; } .m-hard { background: #a4420e; } .m-low { background: #a40e26; }
.timeline, .events { list-style: none; padding: 0; margin: 0; }
.timeline li, .events li { padding: .3rem .25rem; border-bottom: 1px solid var(--line); }
.timeline li.auto { border-left: 4px solid var(--accent); padding-left: .5rem; }
.when { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .5rem; }
.tag { font-size: .75rem; background: #ddf4ff; color: #0a3069; border-radius: 4px; padding: 0 .3rem; }
.why { color: #3d444d; font-size: .9rem; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .25rem 0 .75rem; }
.form { display: grid; grid-template-columns: max-content minmax(12rem, 20rem); gap: .5rem 1rem; align-items: center; }
.form button { grid-column: 2; justify-self: start; }
.cards { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .75rem; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; display: flex; flex-direction: column; }
.chart { margin: 0; } .chart figcaption { color: var(--muted); font-size: .85rem; }
.signin { max-width: 24rem; margin: 10vh auto; padding: 1rem; } .signin form { display: flex; flex-direction: column; gap: .5rem; }
.error { color: var(--bad); } .hint { color: var(--muted); } .loading { padding: 2rem; }
`;
