extension WebPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>DC/OS installer</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/assets/style.css">
        <script type="module" src="/assets/app.js"></script>
        </head>
        <body>
        <header>
          <h1>DC/OS installer</h1>
          <span id="version" class="muted"></span>
        </header>
        <nav aria-label="Installation steps">
          <ol id="steps">
            <li><a href="#setup">1. Setup</a></li>
            <li><a href="#preflight">2. Preflight</a></li>
            <li><a href="#deploy">3. Deploy</a></li>
            <li><a href="#postflight">4. Postflight</a></li>
            <li><a href="#success">5. Success</a></li>
            <li class="aside"><a href="#advanced">Edit config.yaml</a></li>
            <li><a href="#uninstall">Uninstall…</a></li>
          </ol>
        </nav>
        <main>
          <div id="banner" role="alert" hidden></div>

          <section id="login" data-view hidden>
            <h2>Log in</h2>
            <p>This page needs the login link that <code>dcos_generate_config --web</code> printed in its
            terminal. Each link works once; restart <code>--web</code> for a new one.</p>
          </section>

          <section id="setup" data-view hidden aria-labelledby="setup-title">
            <h2 id="setup-title">Setup</h2>
            <p class="muted">Each field is checked when you leave it. Nothing is saved until the whole
            configuration is valid; <code>genconf/config.yaml</code> keeps its comments.</p>
            <form id="setup-form" novalidate>
              <fieldset>
                <legend>Cluster</legend>
                <div class="field">
                  <label for="cluster_name">Cluster name</label>
                  <input id="cluster_name" name="cluster_name" type="text" autocomplete="off" required>
                  <p class="error" id="cluster_name-error"></p>
                </div>
                <div class="field">
                  <label for="bootstrap_url">Bootstrap URL</label>
                  <input id="bootstrap_url" name="bootstrap_url" type="text" autocomplete="off"
                    aria-describedby="bootstrap_url-hint">
                  <p class="hint" id="bootstrap_url-hint">Where the nodes download the install files, e.g.
                  <code>http://10.0.0.5:8080</code> (run <code>--serve</code> there).</p>
                  <p class="error" id="bootstrap_url-error"></p>
                </div>
              </fieldset>
              <fieldset>
                <legend>Nodes</legend>
                <div class="field">
                  <label for="master_list">Master IP addresses</label>
                  <textarea id="master_list" name="master_list" rows="3" data-list
                    aria-describedby="master_list-hint"></textarea>
                  <p class="hint" id="master_list-hint">One per line (or separated by commas): 1, 3 or 5 masters.
                  <label class="upload">Upload a list <input type="file" data-upload="master_list" accept=".txt,.csv,text/plain"></label></p>
                  <p class="error" id="master_list-error"></p>
                </div>
                <div class="field">
                  <label for="agent_list">Private agent IP addresses</label>
                  <textarea id="agent_list" name="agent_list" rows="3" data-list></textarea>
                  <p class="hint"><label class="upload">Upload a list <input type="file" data-upload="agent_list" accept=".txt,.csv,text/plain"></label></p>
                  <p class="error" id="agent_list-error"></p>
                </div>
                <div class="field">
                  <label for="public_agent_list">Public agent IP addresses</label>
                  <textarea id="public_agent_list" name="public_agent_list" rows="2" data-list></textarea>
                  <p class="hint"><label class="upload">Upload a list <input type="file" data-upload="public_agent_list" accept=".txt,.csv,text/plain"></label></p>
                  <p class="error" id="public_agent_list-error"></p>
                </div>
              </fieldset>
              <fieldset>
                <legend>SSH</legend>
                <div class="row">
                  <div class="field">
                    <label for="ssh_user">SSH user</label>
                    <input id="ssh_user" name="ssh_user" type="text" autocomplete="off"
                      aria-describedby="ssh_user-hint">
                    <p class="hint" id="ssh_user-hint">The same on every node.</p>
                    <p class="error" id="ssh_user-error"></p>
                  </div>
                  <div class="field">
                    <label for="ssh_port">SSH port</label>
                    <input id="ssh_port" name="ssh_port" type="number" min="1" max="65535" data-number>
                    <p class="error" id="ssh_port-error"></p>
                  </div>
                </div>
                <div class="field">
                  <label for="ssh_key">SSH private key (ed25519 or ECDSA)</label>
                  <textarea id="ssh_key" name="ssh_key" rows="4" spellcheck="false" data-secret
                    aria-describedby="ssh_key-hint"></textarea>
                  <p class="hint" id="ssh_key-hint"><span id="ssh_key-state"></span>
                  Paste the key, or <label class="upload">upload it <input type="file" data-upload="ssh_key"></label>.
                  It is saved as <code>genconf/ssh_key</code> (mode 0600) and never sent back to the page.</p>
                  <p class="error" id="ssh_key-error"></p>
                </div>
              </fieldset>
              <fieldset>
                <legend>Network</legend>
                <div class="field">
                  <label for="resolvers">DNS resolvers</label>
                  <textarea id="resolvers" name="resolvers" rows="2" data-list></textarea>
                  <p class="error" id="resolvers-error"></p>
                </div>
                <div class="field">
                  <label for="dns_search">DNS search domains (optional)</label>
                  <input id="dns_search" name="dns_search" type="text" autocomplete="off">
                  <p class="error" id="dns_search-error"></p>
                </div>
                <div class="field">
                  <label for="ip_detect_script">IP detect script</label>
                  <textarea id="ip_detect_script" name="ip_detect_script" rows="5" spellcheck="false"
                    aria-describedby="ip_detect_script-hint"></textarea>
                  <p class="hint" id="ip_detect_script-hint">Prints the node's own IPv4 address. Paste it,
                  <label class="upload">upload it <input type="file" data-upload="ip_detect_script"></label>,
                  or start from a sample:
                  <select id="ip-detect-sample" aria-label="IP detect sample">
                    <option value="">choose…</option>
                    <option value="route">Route to the first master (default)</option>
                    <option value="aws">AWS</option>
                    <option value="gce">Google Compute Engine</option>
                    <option value="azure">Azure</option>
                  </select></p>
                  <p class="error" id="ip_detect_script-error"></p>
                </div>
              </fieldset>
              <p class="error" id="other-errors" role="alert"></p>
              <p class="muted">Other keys: <a href="#advanced">edit the whole config.yaml</a> (secrets stay hidden).</p>
              <div class="buttons">
                <button type="button" id="validate">Check</button>
                <button type="submit" class="primary">Save and continue to preflight</button>
              </div>
            </form>
          </section>

          <section id="advanced" data-view hidden aria-labelledby="advanced-title">
            <h2 id="advanced-title">Edit config.yaml</h2>
            <p class="muted">The whole file, as it is on the bootstrap node. Secret values show as
            <code>********</code> and keep their saved value unless you replace them. Nothing is saved until
            the whole file is valid.</p>
            <div class="field">
              <label for="yaml">genconf/config.yaml</label>
              <textarea id="yaml" rows="24" spellcheck="false" aria-describedby="yaml-errors"></textarea>
            </div>
            <ol id="yaml-errors" class="problems" aria-live="polite"></ol>
            <div class="buttons">
              <button type="button" id="yaml-check">Check</button>
              <button type="button" class="primary" id="yaml-save">Save</button>
            </div>
          </section>

          <section id="uninstall" data-view data-action="uninstall" hidden aria-labelledby="uninstall-title">
            <h2 id="uninstall-title">Uninstall</h2>
            <p>Removes DC/OS from every node of the cluster: its services, files and data. This cannot be undone.</p>
            <div class="field">
              <label for="uninstall-confirm">Type the cluster name (<span id="uninstall-name"></span>) to confirm</label>
              <input id="uninstall-confirm" type="text" autocomplete="off">
            </div>
          </section>

          <section id="preflight" data-view data-action="preflight" hidden aria-labelledby="preflight-title">
            <h2 id="preflight-title">Preflight</h2>
            <p class="muted">Checks every node (SSH, prerequisites, ports, the signed install files) and changes nothing.</p>
          </section>
          <section id="deploy" data-view data-action="deploy" hidden aria-labelledby="deploy-title">
            <h2 id="deploy-title">Deploy</h2>
            <p class="muted">Installs the masters first, waits for their quorum, then the agents in batches.</p>
          </section>
          <section id="postflight" data-view data-action="postflight" hidden aria-labelledby="postflight-title">
            <h2 id="postflight-title">Postflight</h2>
            <p class="muted">Waits until every node's services are healthy.</p>
          </section>

          <template id="action-template">
            <div class="toolbar">
              <button type="button" class="primary" data-start>Run</button>
              <button type="button" data-retry hidden>Retry failed hosts</button>
              <label>Show
                <select data-filter>
                  <option value="all">all hosts</option>
                  <option value="failed">failed</option>
                  <option value="running">running</option>
                  <option value="pending">pending</option>
                  <option value="ok">ok</option>
                </select>
              </label>
              <a data-next class="button" hidden>Continue</a>
              <a href="/api/v1/logs" download="complete.log">Download the run records (secrets redacted)</a>
            </div>
            <progress max="1" value="0" aria-label="Hosts finished"></progress>
            <p class="totals" role="status" aria-live="polite"></p>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">Host</th><th scope="col">Role</th><th scope="col">Status</th>
                  <th scope="col">Step</th><th scope="col">Elapsed</th><th scope="col">Log</th></tr></thead>
                <tbody></tbody>
              </table>
            </div>
            <ul class="notes"></ul>
          </template>

          <section id="success" data-view hidden aria-labelledby="success-title">
            <h2 id="success-title">Success</h2>
            <p id="success-text">Loading…</p>
          </section>
        </main>
        <dialog id="log-dialog" aria-labelledby="log-title">
          <h2 id="log-title">Log</h2>
          <pre id="log-text"></pre>
          <form method="dialog"><button>Close</button></form>
        </dialog>
        </body>
        </html>

        """#
}
