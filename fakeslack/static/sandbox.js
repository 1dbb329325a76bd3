// The sandbox's page: one person's view of the fake Slack workspace, redrawn from
// /api/state; what they do goes to /api/<action>, which sends the app what Slack would.
"use strict";

const $ = (id) => document.getElementById(id);
const view = {
  me: localStorage.getItem("sandbox.me") || "ULEO",
  channel: null,      // the open conversation's id, or null on the Home tab
  home: false,
  thread: null,       // the ts of the open thread
  state: null,
  drawn: "",
  modals: [],         // the modal stack: {view, errors, failed}
};

async function api(name, body) {
  const query = new URLSearchParams({ as: view.me });
  if (name === "state" && view.channel) query.set("channel", view.channel);
  const response = await fetch(`/api/${name}?${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json();
  $("status").textContent = answer.ok ? "" : answer.error;
  return answer;
}

async function act(name, body) {
  const answer = await api(name, body);
  await refresh();
  setTimeout(refresh, 400);
  setTimeout(refresh, 1200);
  return answer;
}

async function refresh() {
  const state = await api("state");
  if (!state.ok) return;
  view.state = state;
  for (const modal of state.modals) view.modals.push({ view: modal, errors: {} });
  if (state.modals.length) drawModal();
  $("now").textContent = when(state.clock.now, "full");
  const still = { ...state, clock: state.clock.next, modals: [] };
  const key = JSON.stringify([still, view.channel, view.home, view.thread, view.me]);
  if (key === view.drawn) return;
  view.drawn = key;
  draw();
}

// -- the frame -------------------------------------------------------------------------

function draw() {
  const s = view.state;
  const who = $("who");
  if (who.options.length !== s.people.length - 1) {
    who.innerHTML = "";
    for (const p of s.people.filter((p) => !p.bot)) {
      who.append(new Option(`${p.real_name} (${p.tz})`, p.id));
    }
  }
  who.value = view.me;
  $("role").textContent = s.roles[view.me] || "";
  $("now").textContent = when(s.clock.now, "full");
  $("to-next").title = s.clock.next ? `Next: ${when(s.clock.next, "full")}` : "Nothing scheduled";
  $("to-next").disabled = !s.clock.next;
  drawSidebar(s);
  if (view.home) {
    $("title").textContent = "Mentorbot — Home";
    $("composer").hidden = true;
    const box = $("messages");
    box.innerHTML = "";
    const home = el("div", "home");
    if (s.home) home.append(...blocks(s.home.blocks, { view_id: s.home.id }));
    else home.textContent = "Opening the Home…";
    box.append(home);
  } else {
    const conv = s.conversations.find((c) => c.id === view.channel);
    $("title").textContent = conv ? (conv.kind === "dm" ? conv.name : `${conv.private ? "🔒" : "#"} ${conv.name}`) : "";
    $("composer").hidden = false;
    drawMessages($("messages"), s.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts), true);
  }
  $("thread").hidden = !view.thread;
  if (view.thread) {
    drawMessages($("thread-messages"), s.messages.filter((m) => m.ts === view.thread || m.thread_ts === view.thread), false);
  }
}

function drawSidebar(s) {
  $("open-home").classList.toggle("active", view.home);
  for (const [list, kind] of [[$("channels"), "channel"], [$("dms"), "dm"]]) {
    list.innerHTML = "";
    for (const c of s.conversations.filter((c) => c.kind === kind)) {
      const item = el("li");
      const button = el("button", c.id === view.channel && !view.home ? "active" : "", kind === "dm" ? `💬 ${c.name}` : `${c.private ? "🔒" : "#"} ${c.name}`);
      button.type = "button";
      button.dataset.channel = c.id;
      button.onclick = () => { view.channel = c.id; view.home = false; view.thread = null; refresh(); };
      item.append(button);
      list.append(item);
    }
  }
}

function drawMessages(box, messages, withReplies) {
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
  box.innerHTML = "";
  for (const m of messages) {
    const row = el("div", m.ephemeral ? "message ephemeral" : "message");
    row.dataset.ts = m.ts;
    const head = el("div");
    const author = person(m.user);
    head.append(el("span", "who", author ? author.real_name : m.user));
    if (author && author.bot) head.append(el("span", "app", "APP"));
    head.append(el("span", "when", when(new Date(parseFloat(m.ts) * 1000).toISOString(), "time")));
    row.append(head);
    if (m.ephemeral) row.append(el("div", "only-you", "Only visible to you"));
    if (m.blocks.length) row.append(...blocks(m.blocks, { channel: view.channel, ts: m.ts }));
    else if (m.text) row.append(mrkdwnBlock(m.text));
    for (const f of m.files) {
      const file = el("div", "file");
      const img = el("img");
      img.src = `/files/${encodeURIComponent(f.id)}`;
      img.alt = f.title || f.name;
      file.append(img);
      row.append(file);
    }
    if (withReplies) {
      const label = m.replies ? `${m.replies} ${m.replies === 1 ? "reply" : "replies"}` : "Reply in thread";
      const open = el("button", "replies", label);
      open.type = "button";
      open.onclick = () => { view.thread = m.ts; draw(); };
      if (!m.ephemeral) row.append(open);
    }
    box.append(row);
  }
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// -- Block Kit -------------------------------------------------------------------------

function blocks(list, where, errors) {
  return list.map((b, i) => block(b, where, i, errors || {}));
}

function block(b, where, index, errors) {
  const id = b.block_id || `b${index}`;
  const box = el("div", `block ${b.type}`);
  box.dataset.blockId = id;
  switch (b.type) {
    case "header": box.append(el("h3", "", b.text.text)); break;
    case "section": {
      const body = el("div");
      if (b.text) body.append(text(b.text));
      if (b.fields) {
        const fields = el("div", "fields");
        for (const f of b.fields) fields.append(text(f));
        body.append(fields);
      }
      box.append(body);
      if (b.accessory) box.append(element(b.accessory, where, id));
      break;
    }
    case "context":
      for (const e of b.elements) {
        if (e.type === "image") { const img = el("img"); img.src = e.image_url; img.alt = e.alt_text; box.append(img); }
        else box.append(text(e));
      }
      break;
    case "actions": for (const e of b.elements) box.append(element(e, where, id)); break;
    case "divider": box.append(el("hr")); break;
    case "image": {
      if (b.title) box.append(el("div", "", b.title.text));
      const img = el("img"); img.src = b.image_url || (b.slack_file && b.slack_file.url) || ""; img.alt = b.alt_text;
      box.append(img);
      break;
    }
    case "rich_text": box.append(richText(b.elements)); break;
    case "table": {
      const table = el("table", "bk");
      for (const row of b.rows || []) {
        const tr = el("tr");
        for (const cell of row) {
          const td = el("td");
          if (cell.type === "rich_text") td.append(richText(cell.elements));
          else td.textContent = cell.text || "";
          tr.append(td);
        }
        table.append(tr);
      }
      box.append(table);
      break;
    }
    case "input": {
      box.className = `block input${errors[id] ? " invalid" : ""}`;
      const label = el("label", "", b.label.text + (b.optional ? " (optional)" : ""));
      box.append(label, element(b.element, where, id, true));
      if (b.hint) box.append(el("div", "hint", b.hint.text));
      if (errors[id]) box.append(el("div", "error", errors[id]));
      break;
    }
    default: box.append(el("em", "", `[${b.type} block]`));
  }
  return box;
}

function element(e, where, blockId, inInput) {
  const send = (action) => act("click", { where: withValues(where), action: { type: e.type, action_id: e.action_id, block_id: blockId, ...action } });
  const confirmed = () => !e.confirm || window.confirm(`${e.confirm.title ? e.confirm.title.text + "\n\n" : ""}${e.confirm.text.text}`);
  switch (e.type) {
    case "button": {
      const b = el("button", e.style || "", e.text.text);
      b.type = "button";
      if (e.url) b.onclick = () => window.open(e.url, "_blank");
      else b.onclick = () => confirmed() && send({ value: e.value, text: e.text });
      return b;
    }
    case "overflow": {
      const box = el("span", "overflow");
      const b = el("button", "", "⋯");
      b.type = "button";
      b.setAttribute("aria-label", "More actions");
      const menu = el("div", "menu");
      menu.hidden = true;
      for (const o of e.options) {
        const item = el("button", "", o.text.text);
        item.type = "button";
        item.onclick = () => { menu.hidden = true; confirmed() && send({ selected_option: o }); };
        menu.append(item);
      }
      b.onclick = () => { menu.hidden = !menu.hidden; };
      box.append(b, menu);
      return box;
    }
    case "static_select": case "radio_buttons": {
      const select = el("select");
      select.dataset.actionId = e.action_id;
      select.dataset.type = e.type;
      select.append(new Option(e.placeholder ? e.placeholder.text : "Choose…", ""));
      const options = e.option_groups ? e.option_groups.flatMap((g) => g.options) : e.options;
      for (const o of options) select.append(new Option(o.text.text, o.value));
      if (e.initial_option) select.value = e.initial_option.value;
      select.options_ = options;
      if (!inInput) select.onchange = () => send({ selected_option: options.find((o) => o.value === select.value) });
      return select;
    }
    case "multi_static_select": {
      const select = el("select");
      select.multiple = true;
      select.dataset.actionId = e.action_id;
      select.dataset.type = e.type;
      const options = e.option_groups ? e.option_groups.flatMap((g) => g.options) : e.options;
      for (const o of options) {
        const option = new Option(o.text.text, o.value);
        option.selected = (e.initial_options || []).some((i) => i.value === o.value);
        select.append(option);
      }
      select.options_ = options;
      return select;
    }
    case "checkboxes": {
      const box = el("div");
      box.dataset.actionId = e.action_id;
      box.dataset.type = e.type;
      for (const o of e.options) {
        const label = el("label");
        const check = el("input");
        check.type = "checkbox";
        check.value = o.value;
        check.checked = (e.initial_options || []).some((i) => i.value === o.value);
        check.option = o;
        label.append(check, " ", o.text.text);
        box.append(label);
      }
      return box;
    }
    case "datepicker": {
      const input = el("input");
      input.type = "date";
      input.dataset.actionId = e.action_id;
      input.dataset.type = e.type;
      if (e.initial_date) input.value = e.initial_date;
      if (!inInput) input.onchange = () => send({ selected_date: input.value });
      return input;
    }
    case "plain_text_input": case "number_input": {
      const input = el(e.multiline ? "textarea" : "input");
      if (!e.multiline) input.type = e.type === "number_input" ? "number" : "text";
      input.dataset.actionId = e.action_id;
      input.dataset.type = e.type;
      if (e.initial_value) input.value = e.initial_value;
      if (e.placeholder) input.placeholder = e.placeholder.text;
      if (e.max_length) input.maxLength = e.max_length;
      return input;
    }
    case "image": { const img = el("img"); img.src = e.image_url; img.alt = e.alt_text; return img; }
    default: return el("em", "", `[${e.type}]`);
  }
}

// The values of a view's inputs, keyed block_id → action_id, as Slack's view.state has them.
function stateOf(container) {
  const values = {};
  for (const node of container.querySelectorAll("[data-action-id]")) {
    const blockId = node.closest("[data-block-id]").dataset.blockId;
    const type = node.dataset.type;
    let value;
    if (type === "static_select" || type === "radio_buttons") {
      const chosen = node.options_.find((o) => o.value === node.value);
      value = { type, selected_option: chosen || null };
    } else if (type === "checkboxes") {
      value = { type, selected_options: [...node.querySelectorAll("input:checked")].map((c) => c.option) };
    } else if (type === "multi_static_select") {
      const chosen = [...node.selectedOptions].map((o) => o.value);
      value = { type, selected_options: node.options_.filter((o) => chosen.includes(o.value)) };
    } else if (type === "datepicker") {
      value = { type, selected_date: node.value || null };
    } else {
      value = { type, value: node.value === "" ? null : node.value };
    }
    (values[blockId] = values[blockId] || {})[node.dataset.actionId] = value;
  }
  return values;
}

function withValues(where) {
  if (!where.view_id) return where;
  const box = document.querySelector(`[data-view-id="${where.view_id}"]`) || $("messages");
  return { ...where, values: stateOf(box) };
}

// -- modals ----------------------------------------------------------------------------

function drawModal() {
  const overlay = $("modal");
  const top = view.modals[view.modals.length - 1];
  overlay.hidden = !top;
  overlay.innerHTML = "";
  if (!top) return;
  const v = top.view;
  const modal = el("form", "modal");
  modal.setAttribute("role", "dialog");
  modal.dataset.viewId = v.id;
  const head = el("header", "", v.title.text);
  const close = el("button", "", "✕");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  close.onclick = () => { view.modals.pop(); drawModal(); };
  head.append(close);
  const body = el("div", "body");
  body.append(...blocks(v.blocks, { view_id: v.id }, top.errors));
  if (top.failed) body.append(el("p", "failed", top.failed));
  const foot = el("footer");
  const cancel = el("button", "", v.close ? v.close.text : "Cancel");
  cancel.type = "button";
  cancel.onclick = close.onclick;
  foot.append(cancel);
  if (v.submit) {
    const submit = el("button", "primary", v.submit.text);
    submit.type = "submit";
    foot.append(submit);
  }
  modal.onsubmit = async (event) => {
    event.preventDefault();
    top.values = stateOf(modal);  // kept on screen, as Slack keeps what was typed
    const answer = await api("submit", { view_id: v.id, values: top.values });
    if (!answer.ok) { top.failed = answer.error; }
    else if (answer.errors) { top.errors = answer.errors; }
    else if (answer.failed) { top.failed = answer.failed; }
    else if (answer.view && answer.pushed) { view.modals.push({ view: answer.view, errors: {} }); }
    else if (answer.view) { top.view = answer.view; top.errors = {}; top.values = null; }
    else { view.modals = []; }
    drawModal();
    refresh();
  };
  modal.append(head, body, foot);
  overlay.append(modal);
  if (top.values) fill(modal, top.values);
}

// Put values taken by stateOf back into the inputs of a redrawn view.
function fill(container, values) {
  for (const node of container.querySelectorAll("[data-action-id]")) {
    const blockId = node.closest("[data-block-id]").dataset.blockId;
    const value = (values[blockId] || {})[node.dataset.actionId];
    if (!value) continue;
    if (value.selected_option !== undefined) node.value = value.selected_option ? value.selected_option.value : "";
    else if (value.selected_options) {
      const chosen = value.selected_options.map((o) => o.value);
      for (const check of node.querySelectorAll("input")) check.checked = chosen.includes(check.value);
      for (const option of node.options || []) option.selected = chosen.includes(option.value);
    } else if (value.selected_date !== undefined) node.value = value.selected_date || "";
    else node.value = value.value || "";
  }
}

// -- text ------------------------------------------------------------------------------

function text(t) {
  if (t.type === "plain_text") return el("span", "", t.text);
  return mrkdwnBlock(t.text);
}

function mrkdwnBlock(source) {
  const box = el("div", "mrkdwn");
  box.innerHTML = mrkdwn(source);
  return box;
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const html = (s) => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
const unslack = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const EMOJI = { white_check_mark: "✅", tada: "🎉", wave: "👋", calendar: "📅", dart: "🎯", memo: "📝", star: "⭐", warning: "⚠️", bulb: "💡", clipboard: "📋", seedling: "🌱", trophy: "🏆", spiral_calendar_pad: "🗓️", hourglass_flowing_sand: "⏳", sparkles: "✨", pushpin: "📌", heavy_check_mark: "✔️", x: "❌", speech_balloon: "💬", chart_with_upwards_trend: "📈", raised_hands: "🙌", thinking_face: "🤔", mag: "🔍", zap: "⚡" };

// Slack's mrkdwn: <…> tokens (mentions, links, dates) set aside, the rest escaped for HTML and
// styled (*bold*, _italic_, ~strike~, `code`, ```pre```, > quotes), then the tokens put back.
function mrkdwn(source) {
  const tokens = [];
  const marked = source.replace(/<([^<>]+)>/g, (m, inner) => {
    tokens.push(token(inner));
    return `\u0001${tokens.length - 1}\u0002`;
  });
  const styled = style(html(unslack(marked)))
    .split("\n")
    .map((line) => (line.startsWith("&gt;") ? `<blockquote>${line.replace(/^&gt;\s?/, "")}</blockquote>` : line))
    .join("<br>");
  return styled.replace(/\u0001(\d+)\u0002/g, (m, n) => tokens[Number(n)]);
}

function style(s) {
  return s
    .replace(/```([\s\S]+?)```/g, "<pre>$1</pre>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

function token(inner) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const p = person(target.slice(1));
    return `<span class="mention">@${html(p ? p.name : label || target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) {
    const c = view.state.conversations.find((c) => c.id === target.slice(1));
    return `<span class="mention">#${html(c ? c.name : label || "private-channel")}</span>`;
  }
  if (target.startsWith("!date^")) {
    const [, seconds, format] = target.split("^");
    return html(slackDate(parseInt(seconds, 10), format || "{date_short}"));
  }
  if (target.startsWith("!")) return `<b>@${html(target.slice(1))}</b>`;
  const href = unslack(target);
  if (!/^(https?|mailto):/.test(href)) return html(unslack(label || target));
  return `<a href="${html(href)}" target="_blank" rel="noopener">${html(unslack(label || target))}</a>`;
}

function richText(elements) {
  const box = el("div", "rich");
  for (const e of elements) {
    if (e.type === "rich_text_list") {
      const list = el(e.style === "ordered" ? "ol" : "ul");
      for (const item of e.elements) { const li = el("li"); li.append(richText([item])); list.append(li); }
      box.append(list);
    } else {
      const tag = { rich_text_preformatted: "pre", rich_text_quote: "blockquote" }[e.type] || "div";
      const node = el(tag);
      node.innerHTML = (e.elements || []).map(inline).join("");
      box.append(node);
    }
  }
  return box;
}

function inline(e) {
  const s = e.style || {};
  let out;
  if (e.type === "text") out = html(e.text).replace(/\n/g, "<br>");
  else if (e.type === "link") out = `<a href="${html(e.url)}" target="_blank" rel="noopener">${html(e.text || e.url)}</a>`;
  else if (e.type === "user") out = token(`@${e.user_id}`);
  else if (e.type === "channel") out = token(`#${e.channel_id}`);
  else if (e.type === "emoji") out = EMOJI[e.name] || `:${e.name}:`;
  else if (e.type === "date") out = html(slackDate(e.timestamp, e.format));
  else out = "";
  if (s.code) out = `<code>${out}</code>`;
  if (s.bold) out = `<b>${out}</b>`;
  if (s.italic) out = `<i>${out}</i>`;
  if (s.strike) out = `<s>${out}</s>`;
  return out;
}

// -- time, in the viewer's own zone ----------------------------------------------------

function zone() { const me = person(view.me); return me ? me.tz : "UTC"; }

function parts(date) {
  const f = new Intl.DateTimeFormat("en-GB", { timeZone: zone(), year: "numeric", month: "2-digit", day: "2-digit" });
  return f.format(date).split("/").reverse().join("-");
}

function slackDate(seconds, format) {
  const date = new Date(seconds * 1000);
  const now = new Date(view.state.clock.now);
  const f = (options) => new Intl.DateTimeFormat("en-US", { timeZone: zone(), ...options }).format(date);
  const day = parts(date);
  const relative = (fallback) => {
    const offset = Math.round((Date.parse(day) - Date.parse(parts(now))) / 86400000);
    return { 0: "today", 1: "tomorrow", "-1": "yesterday" }[offset] || fallback;
  };
  const short = f({ month: "short", day: "numeric", year: "numeric" });
  const long = f({ weekday: "long", month: "long", day: "numeric", year: "numeric" });
  const plain = f({ month: "long", day: "numeric", year: "numeric" });
  const values = {
    date_num: day, date: plain, date_short: short, date_long: long,
    date_pretty: relative(plain), date_short_pretty: relative(short), date_long_pretty: relative(long),
    time: f({ hour: "numeric", minute: "2-digit" }), time_secs: f({ hour: "numeric", minute: "2-digit", second: "2-digit" }),
    ago: `${Math.round((now - date) / 3600000)} hours ago`,
  };
  return format.replace(/\{(\w+)\}/g, (m, name) => values[name] || m);
}

function when(iso, kind) {
  const options = kind === "time"
    ? { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }
    : { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone(), ...options }).format(new Date(iso));
}

// -- helpers and wiring ----------------------------------------------------------------

function el(tag, cls, content) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (content !== undefined) node.textContent = content;
  return node;
}

function person(id) { return view.state && view.state.people.find((p) => p.id === id); }

function hints() {
  const typed = $("text").value;
  const list = $("hints");
  list.innerHTML = "";
  const commands = view.state ? view.state.commands : [];
  const word = typed.split(" ")[0];
  const shown = typed.startsWith("/") ? commands.filter((c) => c.command.startsWith(word)) : [];
  for (const c of shown) {
    const item = el("li", "", c.command);
    item.append(el("span", "", `${c.usage}  — ${c.description}`));
    item.onclick = () => { $("text").value = `${c.command} `; $("text").focus(); hints(); };
    list.append(item);
  }
  list.hidden = !shown.length;
}

function open(channel) { view.channel = channel; view.home = false; view.thread = null; }

$("text").addEventListener("input", hints);
$("composer").onsubmit = async (event) => {
  event.preventDefault();
  const typed = $("text").value.trim();
  if (!typed) return;
  $("text").value = "";
  hints();
  if (typed.startsWith("/")) await act("command", { channel: view.channel, text: typed });
  else await act("say", { channel: view.channel, text: typed });
};
$("thread-composer").onsubmit = async (event) => {
  event.preventDefault();
  const typed = $("thread-text").value.trim();
  if (!typed) return;
  $("thread-text").value = "";
  await act("say", { channel: view.channel, text: typed, thread_ts: view.thread });
};
$("close-thread").onclick = () => { view.thread = null; draw(); };
$("open-home").onclick = async () => { view.home = true; view.thread = null; await act("home"); };
$("who").onchange = () => {
  view.me = $("who").value;
  localStorage.setItem("sandbox.me", view.me);
  view.modals = [];
  drawModal();
  open(`D${view.me}`);
  refresh();
};
$("to-next").onclick = () => act("time", { to: "next" });
$("to-hour").onclick = () => act("time", { to: "hour" });
$("to-day").onclick = () => act("time", { to: "day" });
$("to-date-go").onclick = () => $("to-date").value && act("time", { to: $("to-date").value });
$("reset").onclick = () => {
  // The sandbox's own question (not the bot's): start over, with or without the demo.
  const overlay = $("modal");
  overlay.innerHTML = "";
  const box = el("div", "modal");
  box.setAttribute("role", "dialog");
  const body = el("div", "body");
  body.append(el("p", "", "Delete every goal, win, message and meeting of this sandbox, and put the clock back to now?"));
  const foot = el("footer");
  const choices = [["Cancel", "", null], ["Start again, empty", "danger", false], ["Start again with the demo", "primary", true]];
  for (const [label, cls, demo] of choices) {
    const b = el("button", cls, label);
    b.type = "button";
    b.onclick = async () => {
      overlay.hidden = true;
      if (demo === null) return;
      view.modals = [];
      await act("reset", { demo });
    };
    foot.append(b);
  }
  box.append(el("header", "", "Reset the sandbox"), body, foot);
  overlay.append(box);
  overlay.hidden = false;
};

open(`D${view.me}`);
refresh();
setInterval(refresh, 800);
