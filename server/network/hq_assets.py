"""The HQ view's style sheet and script (served as /hq.css and /hq.js; no wording here: the page carries
its words from the ``network`` catalogue, and the script only ever sets ``textContent``)."""

from __future__ import annotations

PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans Arabic","Noto Naskh Arabic","Noto Sans","DejaVu Sans",Tahoma,Arial,sans-serif;
margin:0;background:#eef1f4;color:#1b1f23;line-height:1.45}
.top{display:flex;align-items:flex-start;justify-content:space-between;gap:1rem;background:#0b4f6c;color:#fff;
padding:.9rem 1.5rem}
.top h1{font-size:1.5rem;margin:0}
.top .secondary{margin:.1rem 0 0;opacity:.85;font-size:.95rem}
html[dir=rtl] .secondary{text-align:right}
html[dir=ltr] .secondary{text-align:left}
.top .subtitle{margin:.35rem 0 0;font-size:.85rem;opacity:.8}
.top nav{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.top a,.top button{color:#fff;background:#ffffff22;border:1px solid #ffffff66;border-radius:.4rem;padding:.35rem .8rem;
font:inherit;font-size:.9rem;text-decoration:none;cursor:pointer}
.top form{margin:0}
.status{margin:0;padding:.45rem 1.5rem;font-size:.9rem;background:#dfe7ee;color:#33414e;min-height:2rem}
.status.down{background:#ffe3c2;color:#6b3a00;font-weight:600}
.branches{display:grid;grid-template-columns:repeat(auto-fill,minmax(23rem,1fr));gap:1rem;padding:1rem 1.5rem}
.branch{background:#fff;border-radius:.7rem;box-shadow:0 1px 3px #0002;padding:.9rem 1.1rem;border-top:.35rem solid #1a7f37}
.branch.stale{border-top-color:#b42318;background:#fff6f5}
.branch.stale dl{opacity:.55}
.branch header{display:flex;justify-content:space-between;align-items:flex-start;gap:.5rem;margin-bottom:.5rem}
.branch h2{font-size:1.2rem;margin:0}
.branch .secondary{margin:0;font-size:.85rem;color:#57606a}
.badges{display:flex;flex-direction:column;align-items:flex-end;gap:.25rem;text-align:end;flex:none}
.badge{font-size:.8rem;font-weight:700;border-radius:1rem;padding:.1rem .6rem;background:#dafbe1;color:#116329;white-space:nowrap}
.stale .badge{background:#b42318;color:#fff}
.age{font-size:.8rem;color:#57606a;white-space:nowrap}
.stale .age{color:#b42318;font-weight:600}
dl{margin:0;display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.35rem .9rem;align-items:baseline}
dt{color:#57606a;font-size:.9rem}
dt .secondary{display:block;font-size:.72rem;color:#8c959f}
dd{margin:0;font-weight:600}
dd ul{list-style:none;margin:0;padding:0}
dd li{display:flex;justify-content:space-between;gap:.75rem;font-weight:500}
dd li b{font-weight:700;min-width:1.5rem;text-align:end}
dd ul.alerts li{flex-direction:column;gap:0;color:#82071e}
.muted{color:#8c959f;font-weight:400}
.empty{padding:2rem 1.5rem;color:#57606a}
.login{display:flex;justify-content:center;padding:2rem 1rem}
.card{background:#fff;border-radius:.7rem;box-shadow:0 1px 3px #0002;padding:1.25rem 1.5rem;width:100%;max-width:24rem;
display:flex;flex-direction:column;gap:.5rem}
.card h2{margin:0;font-size:1.25rem}
.card .secondary{margin:0 0 .5rem;color:#57606a;font-size:.9rem}
.card input{font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:.35rem}
.card button{font:inherit;font-weight:700;padding:.55rem;border:0;border-radius:.35rem;background:#0b4f6c;color:#fff;
margin-top:.5rem;cursor:pointer}
.error{background:#ffebe9;color:#82071e;border-radius:.35rem;padding:.5rem .7rem;margin:0}
.who{font-size:.8rem;color:#57606a;margin:.25rem 0 0}
"""

PAGE_JS = r"""
"use strict";
(function () {
  const lang = document.body.dataset.lang === "en" ? "en" : "ar";
  const other = lang === "ar" ? "en" : "ar";
  const words = JSON.parse(document.getElementById("words").textContent);
  const dirOf = (code) => (code === "ar" ? "rtl" : "ltr");
  function say(key, values, code) {
    let wording = words[code || lang][key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      wording = wording.split("{" + name + "}").join(String(value));
    }
    return wording;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  const isolated = (value) => el("bdi", {}, String(value));
  function label(key) {
    return el("dt", {}, el("span", {}, say(key)),
      el("span", {class: "secondary", lang: other, dir: dirOf(other)}, say(key, {}, other)));
  }
  const row = (key, value) => [label(key), el("dd", {"data-row": key}, value)];
  const none = () => el("span", {class: "muted"}, say("hq.none"));
  const minutes = (value) => (value === null || value === undefined ? none()
    : isolated(say("hq.minutes", {minutes: Math.round(value)})));
  function age(branch) {
    if (branch.data_age_s === null) return say("hq.no_data");
    const seconds = Math.round(branch.data_age_s);
    return seconds < 120 ? say("hq.data_age", {seconds}) : say("hq.data_age_minutes", {minutes: Math.round(seconds / 60)});
  }
  function card(branch) {
    const name = lang === "ar" ? branch.name_ar : branch.name_en;
    const second = lang === "ar" ? branch.name_en : branch.name_ar;
    const state = branch.problem ? "hq.branch.problem" : (branch.stale ? "hq.branch.stale" : "hq.branch.live");
    const waiting = branch.waiting.length === 0 ? el("span", {class: "muted"}, say("hq.waiting.nobody"))
      : el("ul", {}, ...branch.waiting.map((w) => el("li", {"data-service": w.service},
          el("bdi", {}, lang === "ar" ? w.name_ar : w.name_en), el("b", {}, isolated(w.count)))));
    const cap = branch.within_cap_pct === null ? none() : el("span", {},
      isolated(say("hq.percent", {value: branch.within_cap_pct})), " ",
      el("span", {class: "muted"}, isolated(say("hq.cap.detail", {count: branch.over_cap}))));
    const appointments = branch.appointments_on_time_pct === null ? none() : el("span", {},
      isolated(say("hq.percent", {value: branch.appointments_on_time_pct})), " ",
      el("span", {class: "muted"}, isolated(say("hq.appointments.detail", {count: branch.appointments_called}))));
    const devices = branch.device_alerts === null ? el("span", {class: "muted"}, say("hq.devices.not_at_hq"))
      : branch.device_alerts.length === 0 ? el("span", {class: "muted"}, say("hq.devices.none"))
      : el("ul", {class: "alerts"}, ...branch.device_alerts.map((a) => el("li", {"data-device": a.device,
          "data-part": a.part, "data-state": a.state},
        el("span", {}, say("hq.device.part." + a.part), ": ", say("hq.device.state." + a.state), " · ",
          isolated(a.device)),
        a.detail ? el("span", {class: "muted"}, isolated(a.detail)) : null)));
    return el("section", {class: "branch" + (branch.stale ? " stale" : ""), "data-branch": branch.id,
        "data-last-seq": branch.last_seq, "data-waiting": branch.waiting_total, "data-stale": branch.stale},
      el("header", {},
        el("div", {}, el("h2", {dir: "auto"}, el("bdi", {}, name)),
          el("p", {class: "secondary", lang: other, dir: "auto"}, el("bdi", {}, second))),
        el("div", {class: "badges"}, el("span", {class: "badge", "data-state": state}, say(state)),
          el("span", {class: "age"}, isolated(age(branch))))),
      el("dl", {},
        ...row("hq.heading.counters", isolated(say("hq.counters", {open: branch.counters_open,
          paused: branch.counters_paused, closed: branch.counters_closed}))),
        ...row("hq.heading.waiting", waiting),
        ...row("hq.heading.longest", minutes(branch.longest_wait_min)),
        ...row("hq.heading.mean", minutes(branch.mean_wait_min)),
        ...row("hq.heading.served", isolated(branch.served)),
        ...row("hq.heading.cap", cap),
        ...row("hq.heading.appointments", appointments),
        ...row("hq.heading.devices", devices)));
  }
  const main = document.getElementById("branches");
  const status = document.getElementById("status");
  function render(data) {
    if (data.branches.length === 0) {
      main.replaceChildren(el("p", {class: "empty"}, say("hq.no_branches")));
    } else {
      main.replaceChildren(...data.branches.map(card));
    }
    const time = new Date(data.as_of).toLocaleTimeString("en-GB", {hour12: false});
    status.className = "status" + (data.healthy ? "" : " down");
    status.textContent = data.healthy ? say("hq.status.live") + " · " + say("hq.updated", {time})
      : say("hq.error.unavailable") + " · " + say("hq.updated", {time});
    status.dataset.version = String(data.version);
  }
  const feed = new EventSource("/feed");
  feed.addEventListener("state", (message) => render(JSON.parse(message.data)));
  feed.addEventListener("logout", () => {
    feed.close();
    status.className = "status down";
    status.textContent = say("hq.status.logged_out");
    setTimeout(() => { window.location.assign("/login?lang=" + lang); }, 3000);
  });
  feed.onerror = () => {
    status.className = "status down";
    status.textContent = say("hq.status.reconnecting");
    if (feed.readyState === EventSource.CLOSED) {
      setTimeout(() => { window.location.assign("/?lang=" + lang); }, 5000);
    }
  };
})();
"""
