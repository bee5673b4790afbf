extension WebPage {
    static let style = #"""
        :root { --fg: #1d2329; --muted: #5b6570; --line: #d3d9de; --bg: #ffffff; --panel: #f5f7f9;
          --accent: #5b3fc4; --ok: #1e7a3c; --bad: #b3261e; --run: #8a5a00; font-size: 16px; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { margin: 0; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.45; }
        header { display: flex; align-items: baseline; gap: 1rem; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); }
        header h1 { font-size: 1.25rem; margin: 0; }
        nav ol { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; list-style: none; margin: 0; padding: .5rem 1.5rem;
          background: var(--panel); border-bottom: 1px solid var(--line); }
        nav a { color: var(--fg); text-decoration: none; padding: .2rem 0; }
        nav a[aria-current="step"] { font-weight: 600; border-bottom: 2px solid var(--accent); }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        h2 { font-size: 1.15rem; }
        .muted, .hint { color: var(--muted); }
        .hint { font-size: .875rem; margin: .25rem 0 0; }
        fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem; }
        legend { font-weight: 600; padding: 0 .25rem; }
        .field { margin-bottom: .75rem; flex: 1 1 14rem; }
        .row { display: flex; flex-wrap: wrap; gap: 0 1rem; }
        label { display: block; font-weight: 500; margin-bottom: .2rem; }
        label.upload { display: inline; font-weight: 400; text-decoration: underline; cursor: pointer; }
        label.upload input { position: absolute; width: 1px; height: 1px; opacity: 0; }
        label.upload:focus-within { outline: 2px solid var(--accent); }
        input[type=text], input[type=number], textarea, select { font: inherit; padding: .35rem .5rem; border: 1px solid #9aa4ad;
          border-radius: 4px; background: #fff; color: var(--fg); }
        input[type=text], input[type=number], textarea { width: 100%; }
        textarea { font-family: ui-monospace, monospace; font-size: .875rem; }
        [aria-invalid="true"] { border-color: var(--bad); outline: 1px solid var(--bad); }
        .error { color: var(--bad); font-size: .875rem; margin: .2rem 0 0; white-space: pre-wrap; }
        .error:empty { display: none; }
        :focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
        button, a.button { font: inherit; padding: .45rem .9rem; border: 1px solid #8a949d; border-radius: 4px; background: #fff;
          color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
        button.primary, a.button { background: var(--accent); border-color: var(--accent); color: #fff; }
        button:disabled { opacity: .55; cursor: default; }
        .buttons, .toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
        .toolbar label { display: flex; gap: .4rem; align-items: center; font-weight: 400; margin: 0; }
        #banner { padding: .6rem .9rem; border-radius: 4px; background: #fdecea; color: var(--bad); margin-bottom: 1rem; }
        #banner.info { background: #e8f3ec; color: var(--ok); }
        progress { width: 100%; height: .75rem; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .925rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.status { font-weight: 600; }
        tr[data-status="ok"] td.status { color: var(--ok); }
        tr[data-status="failed"] td.status, tr[data-status="unreachable"] td.status, tr[data-status="timeout"] td.status { color: var(--bad); }
        tr[data-status="running"] td.status { color: var(--run); }
        td .detail { color: var(--bad); font-size: .85rem; font-weight: 400; margin: .2rem 0 0; }
        .notes { color: var(--muted); font-size: .9rem; }
        nav li.aside { margin-left: auto; }
        .problems { padding-left: 1.25rem; }
        .problems button { border: 0; background: none; color: var(--bad); padding: .1rem 0; text-align: left; }
        #yaml { min-height: 24rem; }
        dialog { width: min(60rem, 95vw); max-height: 85vh; border: 1px solid var(--line); border-radius: 6px; }
        dialog pre { max-height: 60vh; overflow: auto; background: var(--panel); padding: .75rem; font-size: .8rem; white-space: pre-wrap; }
        code { background: var(--panel); padding: 0 .2rem; border-radius: 3px; }
        @media (max-width: 50rem) { header, nav ol, main { padding-left: .75rem; padding-right: .75rem; } }

        """#
}
