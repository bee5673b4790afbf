extension WebPage {
    static let script = #"""
        // The web installer's page: talks to /api/v1 only, with the session cookie and the CSRF token.
        const $ = (selector, root = document) => root.querySelector(selector);
        const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
        let csrf = "";
        const listKeys = ["master_list", "agent_list", "public_agent_list", "resolvers"];
        const formKeys = ["cluster_name", "bootstrap_url", ...listKeys, "ssh_user", "ssh_port", "ssh_key",
          "dns_search", "ip_detect_script"];
        // Keys whose problems show on another field.
        const fieldOf = { ssh_key_path: "ssh_key", ip_detect_filename: "ip_detect_script", num_masters: "master_list" };

        async function api(path, options = {}) {
          const headers = { Accept: "application/json" };
          if (options.method && options.method !== "GET") {
            headers["X-CSRF-Token"] = csrf;
            headers["Content-Type"] = "application/json";
          }
          const response = await fetch(path, { credentials: "same-origin", ...options, headers });
          let body = {};
          const text = await response.text();
          try { body = text ? JSON.parse(text) : {}; } catch { body = { error: text }; }
          return { status: response.status, body };
        }

        function banner(text, kind = "error") {
          const element = $("#banner");
          element.textContent = text || "";
          element.className = kind === "info" ? "info" : "";
          element.hidden = !text;
        }

        // --- Views -------------------------------------------------------------------------------------

        const views = ["setup", "preflight", "deploy", "postflight", "success", "advanced", "uninstall"];
        let clusterName = "";
        function show(name) {
          if (!views.includes(name)) name = "setup";
          for (const section of $$("[data-view]")) section.hidden = section.id !== name;
          for (const link of $$("#steps a")) {
            if (link.getAttribute("href") === "#" + name) link.setAttribute("aria-current", "step");
            else link.removeAttribute("aria-current");
          }
          banner("");
          const section = $("#" + name);
          if (section.dataset.action) openAction(section);
          if (name === "success") loadSuccess();
          if (name === "advanced") loadYaml();
          const heading = $("h2", section);
          if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
        }

        // --- Setup -------------------------------------------------------------------------------------

        const samples = {
          route: "#!/usr/bin/env bash\n# Prints this node's IPv4 address: the source address of the route to the first master.\nset -o errexit -o nounset -o pipefail\nip -4 -o route get FIRST_MASTER | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p' | head -n 1\n",
          aws: "#!/usr/bin/env bash\n# AWS: the instance's private IPv4 address from the metadata service (IMDSv2).\nset -o errexit -o nounset -o pipefail\ntoken=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)\ncurl -fsS -H \"X-aws-ec2-metadata-token: $token\" http://169.254.169.254/latest/meta-data/local-ipv4\n",
          gce: "#!/usr/bin/env bash\n# Google Compute Engine: the first interface's internal IPv4 address from the metadata server.\nset -o errexit -o nounset -o pipefail\ncurl -fsS -H 'Metadata-Flavor: Google' http://169.254.169.254/computeMetadata/v1/instance/network-interfaces/0/ip\n",
          azure: "#!/usr/bin/env bash\n# Azure: the first interface's private IPv4 address from the instance metadata service.\nset -o errexit -o nounset -o pipefail\ncurl -fsS -H 'Metadata: true' 'http://169.254.169.254/metadata/instance/network/interface/0/ipv4/ipAddress/0/privateIpAddress?api-version=2021-02-01&format=text'\n",
        };
        let sshKeySet = false;

        function fillForm(config) {
          clusterName = typeof config.cluster_name === "string" ? config.cluster_name : "";
          $("#uninstall-name").textContent = clusterName || "not set yet";
          for (const key of formKeys) {
            const field = $("#" + key);
            const value = config[key];
            if (key === "ssh_key") {
              sshKeySet = !!(value && value.set);
              $("#ssh_key-state").textContent = sshKeySet ? "A key is saved; paste a new one to replace it." : "No key saved yet.";
              field.value = "";
              continue;
            }
            if (value === undefined || value === null) field.value = "";
            else if (Array.isArray(value)) field.value = value.join("\n");
            else if (typeof value === "object") field.value = "";
            else field.value = String(value);
          }
        }

        function formValues() {
          const values = {};
          for (const key of formKeys) {
            const field = $("#" + key);
            const raw = field.value.trim();
            if (key === "ssh_key") {
              if (raw) values.ssh_key = field.value.replace(/\r\n/g, "\n").replace(/\n*$/, "\n");
              else if (sshKeySet) values.ssh_key = { set: true };
              continue;
            }
            if (key === "ip_detect_script") {
              values[key] = raw ? field.value.replace(/\r\n/g, "\n") : null;
              continue;
            }
            if (!raw) { values[key] = null; continue; }
            if (field.hasAttribute("data-list")) values[key] = raw.split(/[\s,;]+/).filter(Boolean);
            else if (field.hasAttribute("data-number")) values[key] = Number(raw);
            else values[key] = raw;
          }
          return values;
        }

        function showErrors(body, only) {
          const byField = {};
          const other = [];
          for (const error of body.errors || []) {
            const field = fieldOf[error.key] || error.key;
            const where = error.line ? ` (config.yaml line ${error.line})` : "";
            if (formKeys.includes(field)) (byField[field] ||= []).push(error.message);
            else other.push(`${error.key || "config.yaml"}: ${error.message}${where}`);
          }
          for (const key of formKeys) {
            if (only && key !== only) continue;
            const messages = byField[key] || [];
            $("#" + key + "-error").textContent = messages.join("\n");
            $("#" + key).setAttribute("aria-invalid", messages.length ? "true" : "false");
            if (messages.length) $("#" + key).setAttribute("aria-describedby", key + "-error");
          }
          if (!only) $("#other-errors").textContent = other.join("\n");
          return (body.errors || []).length;
        }

        async function check(only) {
          const { status, body } = await api("/api/v1/configure?validate=true", {
            method: "POST", body: JSON.stringify(formValues()),
          });
          if (status === 200 && body.errors) { showErrors(body, only); return body.valid === true; }
          banner(body.error || `Checking failed (HTTP ${status}).`);
          return false;
        }

        async function save(event) {
          event.preventDefault();
          const { status, body } = await api("/api/v1/configure", { method: "POST", body: JSON.stringify(formValues()) });
          if (status === 200) {
            showErrors({ errors: [] });
            sshKeySet = sshKeySet || !!$("#ssh_key").value.trim();
            fillForm((await api("/api/v1/configure")).body);
            location.hash = "#preflight";
            return;
          }
          if (status === 400 && body.errors) {
            const count = showErrors(body);
            banner(`${count} problem${count === 1 ? "" : "s"} to fix; nothing was saved.`);
            const first = $("[aria-invalid=true]");
            if (first) first.focus();
            return;
          }
          banner(body.error || `Saving failed (HTTP ${status}).`);
        }

        function setupForm() {
          const form = $("#setup-form");
          form.addEventListener("submit", save);
          $("#validate").addEventListener("click", () => check());
          for (const key of formKeys) $("#" + key).addEventListener("blur", () => check(key));
          for (const input of $$("[data-upload]")) {
            input.addEventListener("change", async () => {
              const file = input.files[0];
              if (!file) return;
              if (file.size > 1024 * 1024) { banner(`${file.name} is larger than 1 MiB.`); return; }
              const target = $("#" + input.dataset.upload);
              target.value = await file.text();
              input.value = "";
              check(input.dataset.upload);
            });
          }
          $("#ip-detect-sample").addEventListener("change", (event) => {
            const sample = samples[event.target.value];
            if (!sample) return;
            const first = $("#master_list").value.trim().split(/[\s,;]+/)[0] || "10.0.0.1";
            $("#ip_detect_script").value = sample.replace("FIRST_MASTER", first);
            event.target.value = "";
            check("ip_detect_script");
          });
        }

        // --- Actions -----------------------------------------------------------------------------------

        const streams = {};
        const next = { preflight: "deploy", deploy: "postflight", postflight: "success" };

        function elapsed(host) {
          if (!host.started_at) return "";
          const end = host.finished_at ? Date.parse(host.finished_at) : Date.now();
          const seconds = Math.max(0, Math.round((end - Date.parse(host.started_at)) / 1000));
          return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
        }

        function hostStatus(host) {
          if (host.state === "finished") return host.status || "failed";
          return host.state;
        }

        function render(section, state) {
          const tbody = $("tbody", section);
          const run = state && state.run;
          const filter = $("[data-filter]", section).value;
          tbody.replaceChildren();
          if (!run) {
            $(".totals", section).textContent = "Not run yet.";
            $("progress", section).value = 0;
            return;
          }
          const hosts = run.hosts || [];
          let finished = 0;
          const counts = {};
          for (const host of hosts) {
            const status = hostStatus(host);
            counts[status] = (counts[status] || 0) + 1;
            if (host.state === "finished") finished += 1;
            if (filter !== "all" && !(filter === "failed" ? host.state === "finished" && status !== "ok" : status === filter)) continue;
            const row = document.createElement("tr");
            row.dataset.status = status;
            const cells = [host.host, { master: "master", slave: "agent", slave_public: "public agent" }[host.role] || host.role,
              status, host.step || "", elapsed(host)];
            cells.forEach((text, index) => {
              const cell = document.createElement("td");
              cell.textContent = text;
              if (index === 2) cell.className = "status";
              if (index === 2 && host.state === "finished" && host.status !== "ok" && (host.message || host.error_class)) {
                const detail = document.createElement("p");
                detail.className = "detail";
                detail.textContent = host.message || host.error_class.replace(/_/g, " ");
                cell.append(detail);
                for (const failed of host.failed_checks || []) {
                  const item = document.createElement("p");
                  item.className = "detail";
                  item.textContent = `${failed.name}: ${failed.detail}`;
                  cell.append(item);
                }
              }
              row.append(cell);
            });
            const logCell = document.createElement("td");
            if (host.started_at) {
              const button = document.createElement("button");
              button.type = "button";
              button.textContent = "Log";
              button.setAttribute("aria-label", `Log of ${host.host}`);
              button.addEventListener("click", () => showLog(section.dataset.action, run.run_id, host.host));
              logCell.append(button);
            }
            row.append(logCell);
            tbody.append(row);
          }
          const parts = Object.entries(counts).sort().map(([status, count]) => `${count} ${status}`);
          const result = run.finished ? ` — finished: ${run.result}` : " — running";
          $(".totals", section).textContent = `${hosts.length} hosts: ${parts.join(", ")}${result} (run ${run.run_id})`;
          const progress = $("progress", section);
          progress.max = Math.max(1, hosts.length);
          progress.value = finished;
          $(".notes", section).replaceChildren(...(run.notes || []).map((text) => {
            const item = document.createElement("li");
            item.textContent = text;
            return item;
          }));
          const failed = hosts.some((host) => host.state === "finished" && host.status !== "ok");
          $("[data-retry]", section).hidden = !(run.finished && failed && section.dataset.action === "deploy");
          $("[data-start]", section).disabled = !run.finished
            || (section.dataset.action === "uninstall" && $("#uninstall-confirm").value !== clusterName);
          const nextLink = $("[data-next]", section);
          if (nextLink) nextLink.hidden = !(run.finished && run.result === "ok");
        }

        function follow(section, runId) {
          const action = section.dataset.action;
          if (streams[action]) streams[action].close();
          const query = runId ? `?run=${encodeURIComponent(runId)}` : "";
          const source = new EventSource(`/api/v1/action/${action}/events${query}`);
          streams[action] = source;
          source.addEventListener("progress", (event) => render(section, JSON.parse(event.data)));
          source.addEventListener("end", () => { source.close(); delete streams[action]; });
          source.onerror = () => { source.close(); delete streams[action]; };
        }

        async function openAction(section) {
          const action = section.dataset.action;
          if (!$("table", section)) {
            section.append($("#action-template").content.cloneNode(true));
            $("[data-start]", section).textContent = `Run ${action}`;
            $("[data-start]", section).addEventListener("click", () => start(section, false));
            $("[data-retry]", section).addEventListener("click", () => start(section, true));
            $("[data-filter]", section).addEventListener("change", () => refresh(section));
            const nextLink = $("[data-next]", section);
            if (next[action]) {
              nextLink.href = "#" + next[action];
              nextLink.textContent = `Continue to ${next[action]}`;
            } else {
              nextLink.remove();
            }
            if (action === "uninstall") {
              const button = $("[data-start]", section);
              button.textContent = "Uninstall DC/OS from every node";
              const gate = () => { button.disabled = $("#uninstall-confirm").value !== clusterName || !clusterName; };
              $("#uninstall-confirm").addEventListener("input", gate);
              gate();
            }
          }
          await refresh(section);
        }

        async function refresh(section) {
          const { status, body } = await api(`/api/v1/action/${section.dataset.action}`);
          if (status !== 200) { banner(body.error || `HTTP ${status}`); return; }
          render(section, body.run ? body : null);
          if (body.run && !body.run.finished) follow(section);
        }

        async function start(section, retry) {
          const action = section.dataset.action;
          banner("");
          $("[data-start]", section).disabled = true;
          const payload = action === "uninstall" ? { confirm: $("#uninstall-confirm").value } : retry ? { retry: true } : {};
          const { status, body } = await api(`/api/v1/action/${action}`, { method: "POST", body: JSON.stringify(payload) });
          if (status === 200 && body.run_id && !String(body.status).includes("skipping")) {
            banner(`${action} started (run ${body.run_id}).`, "info");
            follow(section, body.run_id);
            return;
          }
          $("[data-start]", section).disabled = false;
          if (status === 200) { banner(`${body.status}. Use “Retry failed hosts” to run the hosts that did not finish.`, "info"); return; }
          if (body.errors) {
            banner(`${body.error} Fix the setup first.`);
            return;
          }
          banner(body.error || body.status || `HTTP ${status}`);
        }

        async function showLog(action, run, host) {
          const response = await fetch(`/api/v1/action/${action}/log?run=${encodeURIComponent(run)}&host=${encodeURIComponent(host)}`,
            { credentials: "same-origin" });
          $("#log-title").textContent = `Log of ${host} (run ${run})`;
          $("#log-text").textContent = await response.text();
          $("#log-dialog").showModal();
        }

        async function loadSuccess() {
          const { status, body } = await api("/api/v1/success");
          const text = $("#success-text");
          text.replaceChildren();
          if (status !== 200) { text.textContent = "The configuration has no masters yet."; return; }
          const link = document.createElement("a");
          link.href = body.success;
          link.textContent = body.success;
          link.rel = "noreferrer";
          text.append(`DC/OS is installed on ${body.master_count} master${body.master_count === 1 ? "" : "s"} and `
            + `${body.agent_count} agent${body.agent_count === 1 ? "" : "s"}. Open the cluster at `, link, ".");
        }

        // --- Advanced: the whole config.yaml ----------------------------------------------------------

        async function loadYaml() {
          const { status, body } = await api("/api/v1/configure/yaml");
          if (status === 200) $("#yaml").value = body.yaml;
          $("#yaml-errors").replaceChildren();
        }

        function goToLine(line) {
          const area = $("#yaml");
          const lines = area.value.split("\n");
          const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
          area.focus();
          area.setSelectionRange(start, start + (lines[line - 1] || "").length);
        }

        function showYamlErrors(body) {
          const list = $("#yaml-errors");
          list.replaceChildren(...(body.errors || []).map((error) => {
            const item = document.createElement("li");
            const text = `${error.line ? `line ${error.line}: ` : ""}${error.key ? error.key + ": " : ""}${error.message}`;
            if (error.line) {
              const button = document.createElement("button");
              button.type = "button";
              button.textContent = text;
              button.addEventListener("click", () => goToLine(error.line));
              item.append(button);
            } else {
              item.textContent = text;
            }
            return item;
          }));
          return (body.errors || []).length;
        }

        async function sendYaml(validateOnly) {
          const { status, body } = await api(`/api/v1/configure/yaml${validateOnly ? "?validate=true" : ""}`, {
            method: "POST", body: JSON.stringify({ yaml: $("#yaml").value }),
          });
          const count = body.errors ? showYamlErrors(body) : 0;
          if (status === 200 && body.valid) {
            banner(validateOnly ? "config.yaml is valid." : "Saved genconf/config.yaml.", "info");
            if (!validateOnly) fillForm((await api("/api/v1/configure")).body);
          } else if (body.errors) {
            banner(`${count} problem${count === 1 ? "" : "s"} in config.yaml${validateOnly ? "" : "; nothing was saved"}.`);
          } else {
            banner(body.error || `HTTP ${status}`);
          }
        }

        // --- Start -------------------------------------------------------------------------------------

        async function main() {
          const session = await api("/api/v1/session");
          if (session.status !== 200) {
            for (const section of $$("[data-view]")) section.hidden = section.id !== "login";
            $("nav").hidden = true;
            return;
          }
          csrf = session.body.csrf_token;
          const version = await api("/api/v1/version");
          $("#version").textContent = `DC/OS ${version.body.version} · installer ${version.body.installer_version}`;
          setupForm();
          $("#yaml-check").addEventListener("click", () => sendYaml(true));
          $("#yaml-save").addEventListener("click", () => sendYaml(false));
          const config = await api("/api/v1/configure");
          fillForm(config.body);
          window.addEventListener("hashchange", () => show(location.hash.slice(1)));
          show(location.hash.slice(1) || "setup");
        }

        main();

        """#
}
