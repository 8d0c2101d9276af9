// The sandbox page: renders the emulated server like Discord's client and drives it through /api.
"use strict";

const $ = (sel) => document.querySelector(sel);
const h = Markdown.escapeHtml;
const S = {
  as: localStorage.getItem("sandbox.as"),
  channel: localStorage.getItem("sandbox.channel"),
  state: null,
  messages: [],
  pending: [],
  command: null, // {path, display, leaf}
  values: {},
  replyTo: null,
  dismissed: new Set(),
  revealed: new Set(), // spoilers stay revealed across refreshes: "messageId:index"
  refreshing: null,
  again: false,
};

const TEXT = {
  "en-US": { message: "Message", only_you: "Only you can see this", dismiss: "Dismiss message", thinking: "is thinking",
    no_response: "The application did not respond", failed: "This interaction failed", used: "used",
    see_thread: "See thread", messages: "messages", next: "Next daily post", none: "No daily post scheduled",
    ahead: "ahead of real time", reply: "Reply", replying: "Replying to", send: "Send", cancel: "Cancel",
    commands: "Commands", sending: "Sending command", clock: "Sandbox clock", acting: "Acting as",
    next_post: "» Next post", plus_day: "+1 day", plus_week: "+1 week", apps: "Apps", react: "Add reaction",
    edited: "(edited)", commands_hint: "commands" },
  de: { message: "Nachricht", only_you: "Nur du kannst das sehen", dismiss: "Nachricht verwerfen", thinking: "denkt nach",
    no_response: "Die Anwendung hat nicht reagiert", failed: "Diese Interaktion ist fehlgeschlagen", used: "hat verwendet:",
    see_thread: "Thread ansehen", messages: "Nachrichten", next: "Nächster Tagesbeitrag", none: "Kein Tagesbeitrag geplant",
    ahead: "vor der echten Zeit", reply: "Antworten", replying: "Antwort an", send: "Senden", cancel: "Abbrechen",
    commands: "Befehle", sending: "Befehl wird gesendet", clock: "Sandbox-Uhr", acting: "Du handelst als",
    next_post: "» Nächster Beitrag", plus_day: "+1 Tag", plus_week: "+1 Woche", apps: "Apps", react: "Reaktion hinzufügen",
    edited: "(bearbeitet)", commands_hint: "Befehle" },
};
const t = (key) => (TEXT[S.state?.locale] || TEXT["en-US"])[key] || TEXT["en-US"][key];
const ICON_THREAD = '<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M5 3h10a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H9l-4 3v-3a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm14 6h1a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2v3l-4-3h-5a2 2 0 0 1-2-2v-1h6a3 3 0 0 0 3-3V9Z"/></svg>';
const ICON_EYE = '<svg class="icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" d="M12 5C6 5 2 12 2 12s4 7 10 7 10-7 10-7-4-7-10-7Zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-2a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z"/></svg>';
const lang = () => (S.state?.locale || "en-US").split("-")[0];

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

// ---- refresh -----------------------------------------------------------------------------------

async function refresh() {
  if (S.refreshing) { S.again = true; return S.refreshing; }
  S.refreshing = (async () => {
    try {
      // A click on a persona or a channel while this request is on its way must not be undone by its
      // answer (which is for the persona asked about): such an answer is dropped and the page asks again.
      const asked = S.as;
      const query = asked ? `?as=${asked}` : "";
      const response = await fetch(`/api/state${query}`);
      if (response.status === 503) { setTimeout(refresh, 200); return; }
      const state = await response.json();
      if (S.as !== asked) { S.again = true; return; }
      if (!response.ok) { S.as = null; setTimeout(refresh, 50); return; }
      S.state = state;
      S.as = state.me;
      const ids = allChannels().map((c) => c.id);
      if (!ids.includes(S.channel)) S.channel = state.default_channel;
      const [me, channel] = [S.as, S.channel];
      const data = await api(`/api/messages?channel=${channel}&as=${me}`);
      if (S.as !== me || S.channel !== channel) { S.again = true; return; }
      S.messages = data.messages;
      S.pending = data.pending;
      S.forum = data.forum || null; // a forum channel: its tags and posts
      render();
      $("#loading").hidden = true;
    } catch (err) {
      console.error(err);
    } finally {
      S.refreshing = null;
      if (S.again) { S.again = false; refresh(); }
    }
  })();
  return S.refreshing;
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/api/ws`);
  ws.onmessage = () => refresh();
  ws.onclose = () => setTimeout(connect, 500);
  ws.onopen = () => refresh();
}

function allChannels() {
  return (S.state?.channels || []).flatMap((c) => [c, ...c.threads]);
}
function currentChannel() {
  return allChannels().find((c) => c.id === S.channel);
}
const ctx = () => ({ names: S.state.names, locale: S.state.locale, now: new Date(S.state.clock.now) });
const md = (text) => Markdown.render(text, ctx());
const colour = (n) => (n ? `#${n.toString(16).padStart(6, "0")}` : null);
const avatarColour = (id) => ["#5865f2", "#3ba55c", "#faa61a", "#ed4245", "#eb459e", "#747f8d"][Number(BigInt(id) % 6n)];

// ---- rendering ---------------------------------------------------------------------------------

function render() {
  renderSidebar();
  renderEvents();
  renderHeader();
  renderViolations();
  renderMessages();
  renderModal();
  $("#composer").placeholder = `${t("message")} #${currentChannel()?.name || ""} — / ${t("commands_hint")}`;
  document.documentElement.lang = lang();
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
}

function renderSidebar() {
  const st = S.state;
  $("#guild-name").textContent = st.guild.name;
  let html = "";
  let category = null;
  for (const c of st.channels) {
    if (c.category !== category) { category = c.category; html += `<div class="category">${h(category || "")}</div>`; }
    html += channelButton(c, false);
    for (const th of c.threads) html += channelButton(th, true);
  }
  $("#channels").innerHTML = html;
  const clock = st.clock;
  const fmt = new Intl.DateTimeFormat(st.locale, { dateStyle: "medium", timeStyle: "short" });
  $("#clock-now").textContent = fmt.format(new Date(clock.now));
  const ahead = clock.ahead_seconds > 60 ? ` · ${aheadText(clock.ahead_seconds)} ${t("ahead")}` : "";
  $("#clock-next").textContent = (clock.next_post ? `${t("next")}: ${fmt.format(new Date(clock.next_post))}` : t("none")) + ahead;
  $("#personas").innerHTML = st.personas.map((p) => `
    <button class="persona${p.id === S.as ? " active" : ""}" data-persona="${h(p.id)}" title="${h(t("acting"))}: ${h(p.name)}">
      <span class="avatar" style="background:${avatarColour(p.id)}">${h(p.name[0])}</span>
      <span><span class="author" ${p.color ? `style="color:${colour(p.color)}"` : ""}>${h(p.name)}</span>
      <small>${h(p.label)}</small></span>
    </button>`).join("");
}

// Scheduled events (watch parties) above the channels, as Discord's client lists a server's events.
const EVENT_TEXT = {
  "en-US": { events: "Events", interested: "interested", live: "Happening now" },
  de: { events: "Events", interested: "interessiert", live: "Läuft gerade" },
};
function renderEvents() {
  const box = $("#events");
  const events = S.state.events || [];
  box.hidden = !events.length;
  if (!events.length) return;
  const text = EVENT_TEXT[S.state.locale] || EVENT_TEXT["en-US"];
  const fmt = new Intl.DateTimeFormat(S.state.locale, {
    weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" });
  box.innerHTML = `<div class="panel-title">${h(text.events)}</div>` + events.map((e) => `
    <div class="event" data-event="${h(e.id)}">
      <div class="event-when">${h(e.live ? text.live : fmt.format(new Date(e.start)))}</div>
      <div class="event-name">${h(e.name)}</div>
      <div class="event-place">${e.in_channel ? "🔊" : "📍"} ${h(e.place)}</div>
      <div class="event-interested">★ ${h(String(e.interested))} ${h(text.interested)}</div>
    </div>`).join("");
}

// "2 days, 14 hours" / "2 Tage, 14 Stunden": the reader's words, not "2 d 14 h" on a German page.
function aheadText(seconds) {
  const days = Math.floor(seconds / 86400), hours = Math.round((seconds % 86400) / 3600);
  const unit = (n, name) => new Intl.NumberFormat(S.state.locale, { style: "unit", unit: name, unitDisplay: "long" }).format(n);
  const parts = [days ? unit(days, "day") : "", hours || !days ? unit(hours, "hour") : ""].filter(Boolean);
  return new Intl.ListFormat(S.state.locale, { style: "long", type: "unit" }).format(parts);
}

function channelButton(c, thread) {
  const icon = thread ? "" : c.type === 15 ? `<span class="hash">${ICON_FORUM}</span>` : `<span class="hash">#</span>`;
  return `<button class="channel${thread ? " thread" : ""}${c.id === S.channel ? " active" : ""}" data-channel="${h(c.id)}">${icon}<span>${h(c.name)}</span></button>`;
}

function renderHeader() {
  const c = currentChannel();
  $("#channel-name").textContent = c ? c.name : "";
  $("#channel-topic").textContent = c && c.topic ? c.topic : "";
  $("#channel-header .hash").innerHTML = c && c.type === 15 ? ICON_FORUM : c && c.type >= 10 ? ICON_THREAD : "#";
}

function renderViolations() {
  const list = S.state.violations;
  const box = $("#violations");
  box.hidden = !list.length;
  if (list.length) {
    box.innerHTML = `<strong>Discord emulator: ${list.length} violation(s) of Discord's rules by the bot</strong>\n` +
      list.map((v) => `• ${h(v)}`).join("\n");
  }
}

function renderMessages() {
  const box = $("#messages");
  if (S.forum && currentChannel()?.type === 15) { box.innerHTML = forumHtml(currentChannel(), S.forum); return; }
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const c = currentChannel();
  let html = `<div class="welcome"><h2>${c && c.type >= 10 ? ICON_THREAD : "#"} ${h(c ? c.name : "")}</h2>` +
    `<div class="muted">${h(c && c.topic ? c.topic : "")}</div></div>`;
  const items = [...S.messages.filter((m) => !S.dismissed.has(m.id)).map((m) => ({ key: BigInt(m.id), m })),
    ...S.pending.filter((p) => !S.dismissed.has(p.id)).map((p) => ({ key: BigInt(p.id), p }))];
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const item of items) html += item.m ? messageHtml(item.m) : pendingHtml(item.p);
  box.innerHTML = html;
  for (const key of S.revealed) {
    const [id, index] = key.split(":");
    const spoiler = box.querySelectorAll(`.message[data-id="${CSS.escape(id)}"] .spoiler`)[Number(index)];
    if (spoiler) spoiler.classList.add("revealed");
  }
  if (atBottom || S.scrollDown) { box.scrollTop = box.scrollHeight; S.scrollDown = false; }
}

function avatar(author) {
  return `<span class="avatar" style="background:${author.bot ? "#5865f2" : avatarColour(author.id)}">${h(author.name[0] || "?")}</span>`;
}

function messageHtml(m) {
  const a = m.author;
  let top = "";
  if (m.interaction) {
    const slash = m.interaction.menu ? "" : "/";
    top = `<div class="top">↱ <span class="author">${h(m.interaction.user)}</span> ${h(t("used"))} <span class="mention">${slash}${h(m.interaction.command)}</span></div>`;
  } else if (m.reply_to) {
    top = `<div class="reply-line">↱ <strong>${h(m.reply_to.author || "")}</strong> ${h(m.reply_to.content)}</div>`;
  }
  const nameStyle = a.color ? ` style="color:${colour(a.color)}"` : "";
  const time = new Intl.DateTimeFormat(S.state.locale, { dateStyle: "short", timeStyle: "short" }).format(new Date(m.timestamp));
  let body = "";
  if (m.loading) body += `<div class="thinking">${h(a.name)} ${h(t("thinking"))}</div>`;
  if (m.content) body += `<div class="content">${md(m.content)}${m.edited ? ` <span class="edited">${h(t("edited"))}</span>` : ""}</div>`;
  for (const e of m.embeds) body += embedHtml(e);
  for (const f of m.attachments) body += fileHtml(f);
  if (m.poll) body += pollHtml(m);
  if (m.components.length) body += componentsHtml(m);
  if (m.reactions && m.reactions.length) body += reactionsHtml(m);
  if (m.thread) {
    body += `<button class="thread-chip" data-channel="${h(m.thread.id)}">${ICON_THREAD}<span class="t-name">${h(m.thread.name)}</span>` +
      `<span class="muted">${m.thread.message_count} ${h(t("messages"))}</span><span class="t-link">${h(t("see_thread"))} ›</span></button>`;
  }
  if (m.ephemeral) {
    body += `<div class="ephemeral-note">${ICON_EYE} ${h(t("only_you"))} · <span class="dismiss" data-dismiss="${h(m.id)}">${h(t("dismiss"))}</span></div>`;
  }
  const reply = m.ephemeral ? "" : `<div class="msg-actions"><button class="react-btn" data-react="👏" data-message="${h(m.id)}" title="${h(t("react"))}">👏</button>` +
    `${(S.state.message_commands || []).length ? `<button class="apps-btn" data-apps="${h(m.id)}">${h(t("apps"))}</button>` : ""}` +
    `<button class="reply-btn" data-reply="${h(m.id)}">${h(t("reply"))}</button>${S.appsFor === m.id ? appsMenuHtml(m) : ""}</div>`;
  return `<article class="message${m.ephemeral ? " ephemeral" : ""}" data-id="${h(m.id)}">${top}${avatar(a)}
    <div class="body"><div class="head"><span class="author"${nameStyle}>${h(a.name)}</span>${a.bot ? '<span class="bot-tag">App</span>' : ""}
    <span class="time">${h(time)}</span></div>${body}</div>${reply}</article>`;
}

function reactionsHtml(m) {
  let html = '<div class="reactions">';
  for (const r of m.reactions) {
    const mine = r.users.includes(S.as) ? " mine" : "";
    html += `<button class="reaction${mine}" data-react="${h(r.emoji)}" data-message="${h(m.id)}">${h(r.emoji)} <span class="count">${r.count}</span></button>`;
  }
  return html + "</div>";
}

// ---- polls: the card Discord's client shows under a message with a poll ----

const POLL_TEXT = {
  "en-US": { select: "Select one answer", vote: ["vote", "votes"], ends: "Ends", closed: "Poll closed",
    winner: "Winning answer", yours: "Your vote" },
  de: { select: "Wähle eine Antwort", vote: ["Stimme", "Stimmen"], ends: "Endet", closed: "Umfrage beendet",
    winner: "Gewinnerantwort", yours: "Deine Stimme" },
};

function pollText(key) {
  return (POLL_TEXT[S.state?.locale] || POLL_TEXT["en-US"])[key];
}

function pollVotes(count) {
  const locale = S.state?.locale || "en-US";
  const [one, other] = pollText("vote");
  const form = new Intl.PluralRules(locale).select(count) === "one" ? one : other;
  return `${new Intl.NumberFormat(locale).format(count)} ${form}`;
}

function pollHtml(m) {
  const p = m.poll;
  const locale = S.state?.locale || "en-US";
  const voted = p.answers.some((a) => a.voters.includes(S.as));
  const showResults = voted || p.finalized;
  const percent = new Intl.NumberFormat(locale, { style: "percent" });
  let html = `<div class="poll${p.finalized ? " closed" : ""}" data-poll="${h(m.id)}"><div class="poll-question">${h(p.question)}</div>`;
  if (!showResults) html += `<div class="poll-hint muted">${h(pollText("select"))}</div>`;
  for (const a of p.answers) {
    const share = p.total ? a.count / p.total : 0;
    const mine = a.voters.includes(S.as);
    const classes = ["poll-answer", mine ? "mine" : "", a.winner ? "winner" : ""].filter(Boolean).join(" ");
    const fill = showResults ? `<span class="poll-fill" style="width:${Math.round(share * 100)}%"></span>` : "";
    const marks = mine ? `<span class="poll-mark" title="${h(pollText("yours"))}">✓</span>` : "";
    const figures = showResults ? `<span class="poll-figures">${h(pollVotes(a.count))} · ${h(percent.format(share))}</span>` : "";
    const disabled = p.finalized ? " disabled" : "";
    const title = a.winner ? ` title="${h(pollText("winner"))}"` : "";
    html += `<button class="${classes}"${title} data-vote="${a.id}" data-message="${h(m.id)}"${disabled}>${fill}` +
      `<span class="poll-text">${h(a.text)}</span>${marks}${figures}</button>`;
  }
  let state;
  if (p.finalized) {
    state = pollText("closed");
  } else {
    const hours = Math.max(1, Math.round((new Date(p.expiry) - new Date(S.state.clock.now)) / 3600000));
    const rel = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(hours, "hour");
    state = `${pollText("ends")} ${rel}`;
  }
  return html + `<div class="poll-footer muted">${h(pollVotes(p.total))} · ${h(state)}</div></div>`;
}

async function votePoll(target) {
  try {
    await api("/api/vote", { as: S.as, channel: S.channel, message: target.dataset.message, answer: target.dataset.vote });
  } catch (err) { showError(err.message); }
  refresh();
}

function appsMenuHtml(m) {
  let html = '<div class="apps-menu">';
  for (const c of S.state.message_commands || []) {
    html += `<button class="pick" data-msgcmd="${h(c.name)}" data-message="${h(m.id)}">${h(localized(c, "name"))}</button>`;
  }
  return html + "</div>";
}

function pendingHtml(p) {
  const failed = p.pending === "failed";
  if (!failed && !p.command) return "";
  const text = failed ? (p.command ? t("no_response") : t("failed")) : `${t("sending")} /${p.command}`;
  return `<article class="message ephemeral pending" data-id="${h(p.id)}"><span class="avatar" style="background:#5865f2">W</span>
    <div class="body"><div class="head"><span class="author">Whiplash</span><span class="bot-tag">App</span></div>
    <div class="${failed ? "failed" : "thinking"}">${h(text)}</div>
    <div class="ephemeral-note">${ICON_EYE} ${h(t("only_you"))} · <span class="dismiss" data-dismiss="${h(p.id)}">${h(t("dismiss"))}</span></div></div></article>`;
}

function embedHtml(e) {
  const bar = e.color !== undefined && e.color !== null ? ` style="border-left-color:${colour(e.color) || "#000000"}"` : "";
  let html = `<div class="embed"${bar}>`;
  if (e.thumbnail && e.thumbnail.url) html += `<img class="e-thumb" src="${h(safeUrl(e.thumbnail.url))}" alt="">`;
  if (e.author && e.author.name) {
    const icon = e.author.icon_url ? `<img src="${h(safeUrl(e.author.icon_url))}" alt="">` : "";
    const name = e.author.url ? `<a href="${h(safeUrl(e.author.url))}" target="_blank" rel="noopener noreferrer">${h(e.author.name)}</a>` : h(e.author.name);
    html += `<div class="e-author">${icon}${name}</div>`;
  }
  if (e.title) {
    const title = md(e.title);
    html += `<div class="e-title">${e.url ? `<a href="${h(safeUrl(e.url))}" target="_blank" rel="noopener noreferrer">${title}</a>` : title}</div>`;
  }
  if (e.description) html += `<div class="e-desc content">${md(e.description)}</div>`;
  if (e.fields && e.fields.length) {
    html += `<div class="e-fields">${e.fields.map((f) => `<div class="e-field${f.inline ? " inline" : ""}">` +
      `<div class="e-field-name">${md(f.name)}</div><div class="content">${md(f.value)}</div></div>`).join("")}</div>`;
  }
  if (e.image && e.image.url) html += `<a href="${h(safeUrl(e.image.url))}" target="_blank"><img class="e-image" src="${h(safeUrl(e.image.url))}" alt=""></a>`;
  const footer = [];
  if (e.footer && e.footer.text) footer.push(h(e.footer.text));
  if (e.timestamp) footer.push(h(new Intl.DateTimeFormat(S.state.locale, { dateStyle: "short", timeStyle: "short" }).format(new Date(e.timestamp))));
  if (footer.length) html += `<div class="e-footer">${footer.join(" • ")}</div>`;
  return html + "</div>";
}

function safeUrl(url) {
  const text = String(url || "");
  return /^(https?:\/\/|\/api\/attachments\/)/.test(text) ? text : "#";
}

function fileHtml(f) {
  if (f.image) return `<a href="${h(f.url)}" target="_blank"><img class="attachment-img" src="${h(f.url)}" alt="${h(f.filename)}"></a>`;
  return `<a class="attachment-file" href="${h(f.url)}" download="${h(f.filename)}">📄 <span>${h(f.filename)}<br><span class="muted">${f.size} bytes</span></span></a>`;
}

function componentsHtml(m) {
  let html = '<div class="components">';
  for (const row of m.components) {
    if (row.type !== 1) continue;
    html += '<div class="action-row">';
    for (const c of row.components || []) {
      if (c.type === 2) {
        const emoji = c.emoji && c.emoji.name ? `${h(c.emoji.name)} ` : "";
        if (c.style === 5) {
          html += `<a class="btn s5" href="${h(safeUrl(c.url))}" target="_blank" rel="noopener noreferrer">${emoji}${h(c.label || "")} ↗</a>`;
        } else {
          html += `<button class="btn s${c.style || 2}" data-message="${h(m.id)}" data-custom="${h(c.custom_id)}"${c.disabled ? " disabled" : ""}>${emoji}${h(c.label || "")}</button>`;
        }
      } else if (c.type === 3) {
        const options = (c.options || []).map((o) => `<option value="${h(o.value)}"${o.default ? " selected" : ""}>${h(o.label)}</option>`).join("");
        html += `<select class="select" data-message="${h(m.id)}" data-custom="${h(c.custom_id)}"${c.disabled ? " disabled" : ""}>` +
          `<option value="" disabled selected>${h(c.placeholder || "Make a selection")}</option>${options}</select>`;
      }
    }
    html += "</div>";
  }
  return html + "</div>";
}

function renderModal() {
  const modal = S.state.modal;
  const layer = $("#modal-layer");
  if (!modal) { layer.hidden = true; layer.innerHTML = ""; return; }
  if (layer.dataset.id === modal.interaction && !layer.hidden) return;
  layer.dataset.id = modal.interaction;
  const inputs = [];
  for (const row of modal.components || []) {
    const items = row.type === 1 ? row.components || [] : row.component ? [row.component] : [];
    const label = row.type === 18 ? row.label : null;
    for (const c of items) {
      if (c.type !== 4) continue;
      const tag = c.style === 2 ? "textarea" : "input";
      const attrs = `name="${h(c.custom_id)}" ${c.max_length ? `maxlength="${c.max_length}"` : ""} ${c.required !== false ? "required" : ""} placeholder="${h(c.placeholder || "")}"`;
      const field = tag === "textarea" ? `<textarea rows="4" ${attrs}>${h(c.value || "")}</textarea>` : `<input ${attrs} value="${h(c.value || "")}">`;
      inputs.push(`<label>${h(label || c.label || c.custom_id)}</label>${field}`);
    }
  }
  layer.innerHTML = `<form class="modal"><h3>${h(modal.title || "")}</h3>${inputs.join("")}
    <div class="actions"><button type="button" class="cancel">${h(t("cancel"))}</button><button class="submit">${h(t("send"))}</button></div></form>`;
  layer.hidden = false;
  layer.querySelector(".cancel").onclick = () => api("/api/modal", { as: S.as, interaction: modal.interaction, cancel: true }).then(refresh);
  layer.querySelector("form").onsubmit = async (ev) => {
    ev.preventDefault();
    const values = Object.fromEntries(new FormData(ev.target).entries());
    layer.hidden = true;
    try { await api("/api/modal", { as: S.as, interaction: modal.interaction, values }); } catch (err) { showError(err.message); }
    refresh();
  };
}

// ---- the slash-command box -----------------------------------------------------------------------

function localized(obj, key) {
  const loc = obj[`${key}_localizations`] || {};
  return loc[S.state.locale] || loc[lang()] || obj[key];
}

// Every runnable path: "film info", "schedule set", ... with its leaf (options) and shown (localized) name.
function commandPaths() {
  const out = [];
  for (const cmd of S.state.commands) {
    const subs = (cmd.options || []).filter((o) => o.type === 1 || o.type === 2);
    if (!subs.length) { out.push({ path: cmd.name, display: localized(cmd, "name"), leaf: cmd }); continue; }
    for (const sub of subs) {
      if (sub.type === 1) {
        out.push({ path: `${cmd.name} ${sub.name}`, display: `${localized(cmd, "name")} ${localized(sub, "name")}`, leaf: sub });
      } else {
        for (const leaf of (sub.options || []).filter((o) => o.type === 1)) {
          out.push({ path: `${cmd.name} ${sub.name} ${leaf.name}`,
            display: `${localized(cmd, "name")} ${localized(sub, "name")} ${localized(leaf, "name")}`, leaf });
        }
      }
    }
  }
  return out;
}

function updatePicker() {
  const text = $("#composer").value;
  const picker = $("#command-picker");
  if (S.command || !text.startsWith("/")) { picker.hidden = true; return; }
  const query = text.slice(1).trim().toLowerCase();
  const matches = commandPaths().filter((c) => c.display.toLowerCase().startsWith(query) || c.path.startsWith(query) ||
    (query && c.display.toLowerCase().includes(query)));
  picker.innerHTML = `<div class="picker-title">${h(t("commands"))} — Whiplash</div>` + (matches.map((c, i) =>
    `<div class="pick${i === 0 ? " selected" : ""}" data-path="${h(c.path)}"><span class="p-name">/${h(c.display)}</span>` +
    `<span class="p-desc">${h(localized(c.leaf, "description") || "")}</span></div>`).join("") || '<div class="pick muted">No matching commands</div>');
  picker.hidden = false;
}

function chooseCommand(path) {
  const found = commandPaths().find((c) => c.path === path);
  if (!found) return;
  S.command = found;
  S.values = {};
  $("#composer").value = "";
  $("#command-picker").hidden = true;
  renderCommandForm();
}

function optionTypeHint(o) {
  return { 3: "text", 4: "whole number", 5: "True or False", 6: "member", 7: "channel", 8: "role", 9: "member or role",
    10: "number", 11: "file" }[o.type] || "";
}

function renderCommandForm() {
  const form = $("#command-form");
  if (!S.command) { form.hidden = true; form.innerHTML = ""; $("#composer").placeholder = `${t("message")}`; return; }
  const opts = S.command.leaf.options || [];
  const fields = opts.map((o) => `<span class="opt" data-opt="${h(o.name)}"><label title="${h(localized(o, "description") || "")}">` +
    `${h(localized(o, "name"))}${o.required ? '<span class="req">*</span>' : ""}</label>${optionInput(o)}</span>`).join("");
  form.innerHTML = `<span class="cmd-name">/${h(S.command.display)}</span>${fields}` +
    `<span class="cmd-actions"><button type="button" class="cancel">${h(t("cancel"))}</button><button type="button" class="send">${h(t("send"))}</button></span>` +
    `<div class="opt-help">${h(localized(S.command.leaf, "description") || "")}</div>`;
  form.hidden = false;
  form.querySelector(".cancel").onclick = () => { S.command = null; renderCommandForm(); $("#composer").focus(); };
  form.querySelector(".send").onclick = sendCommand;
  for (const el of form.querySelectorAll("input, select")) {
    el.addEventListener("input", onOptionInput);
    el.addEventListener("focus", onOptionInput);
    el.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); sendCommand(); } });
  }
  const first = form.querySelector("input, select");
  if (first) first.focus();
}

function optionInput(o) {
  const name = h(o.name);
  if (o.choices && o.choices.length) {
    return `<select name="${name}"><option value=""></option>${o.choices.map((c) =>
      `<option value="${h(String(c.value))}">${h(localized(c, "name"))}</option>`).join("")}</select>`;
  }
  const st = S.state;
  if (o.type === 5) return `<select name="${name}"><option value=""></option><option value="true">True</option><option value="false">False</option></select>`;
  if (o.type === 6 || o.type === 9) {
    return `<select name="${name}"><option value=""></option>${Object.entries(st.names.users).map(([id, n]) => `<option value="${h(id)}">@${h(n)}</option>`).join("")}</select>`;
  }
  if (o.type === 8) {
    return `<select name="${name}"><option value=""></option>${Object.entries(st.names.roles).map(([id, r]) => `<option value="${h(id)}">@${h(r.name)}</option>`).join("")}</select>`;
  }
  if (o.type === 7) {
    const types = o.channel_types || null;
    const chans = allChannels().filter((c) => !types || types.includes(c.type));
    return `<select name="${name}"><option value=""></option>${chans.map((c) => `<option value="${h(c.id)}">#${h(c.name)}</option>`).join("")}</select>`;
  }
  if (o.type === 11) return `<input type="file" name="${name}">`;
  const kind = o.type === 4 || o.type === 10 ? "number" : "text";
  return `<input type="${kind}" name="${name}" placeholder="${h(optionTypeHint(o))}"${o.max_length ? ` maxlength="${o.max_length}"` : ""}>`;
}

let completeTimer = null;
function onOptionInput(ev) {
  const el = ev.target;
  for (const box of document.querySelectorAll(".opt")) box.classList.toggle("focused", box.contains(el));
  const spec = (S.command.leaf.options || []).find((o) => o.name === el.name);
  const list = $("#autocomplete");
  if (!spec || !spec.autocomplete) { list.hidden = true; return; }
  clearTimeout(completeTimer);
  completeTimer = setTimeout(() => autocomplete(spec, el), 150);
}

async function autocomplete(spec, el) {
  const list = $("#autocomplete");
  const command = S.command;  // the command may be sent while this waits: then there is nothing to complete
  if (!command) return;
  try {
    if (!S.command) return; // the form was sent or closed before the timer fired
    const options = await collectOptions(true);
    if (S.command !== command) return;
    const data = await api("/api/autocomplete", { as: S.as, channel: S.channel, command: command.path, focused: spec.name,
      value: el.value, options });
    if (document.activeElement !== el || S.command !== command) return;
    list.innerHTML = `<div class="picker-title">${h(localized(spec, "name"))}</div>` + (data.choices.map((c) =>
      `<div class="pick" data-choice="${h(String(c.value))}"><span class="p-name">${h(localized(c, "name"))}</span></div>`).join("") ||
      '<div class="pick muted">—</div>');
    list.dataset.opt = spec.name;
    list.hidden = false;
  } catch (err) {
    showError(err.message);
  }
}

async function collectOptions(partial) {
  const out = {};
  for (const el of document.querySelectorAll("#command-form input, #command-form select")) {
    if (el.type === "file") {
      const file = el.files[0];
      if (!file) continue;
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (const b of bytes) binary += String.fromCharCode(b);
      out[el.name] = { filename: file.name, content_type: file.type || "application/octet-stream", data: btoa(binary) };
    } else if (el.value !== "") {
      out[el.name] = el.value;
    }
  }
  if (!partial) {
    for (const o of S.command.leaf.options || []) {
      if (o.required && !(o.name in out)) throw new Error(`${localized(o, "name")}: this option is required`);
    }
  }
  return out;
}

async function sendCommand() {
  if (!S.command) return;
  clearTimeout(completeTimer);
  try {
    const options = await collectOptions(false);
    $("#autocomplete").hidden = true;
    await api("/api/commands", { as: S.as, channel: S.channel, command: S.command.path, options });
    S.command = null;
    renderCommandForm();
    hideError();
    S.scrollDown = true;
    refresh();
    $("#composer").focus();
  } catch (err) {
    showError(err.message);
  }
}

function showError(text) {
  const box = $("#composer-error");
  box.textContent = text;
  box.hidden = false;
}
function hideError() { $("#composer-error").hidden = true; }

// ---- forum channels ------------------------------------------------------------------------------

const ICON_FORUM = '<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M4 4h12a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H9l-4 3v-3H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Zm16 4a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-1v3l-4-3h-4a2 2 0 0 1-2-2h7a3 3 0 0 0 3-3V8h1Z"/></svg>';
const FORUM_TEXT = {
  en: { reply: { one: "# reply", other: "# replies" }, none: "No posts yet", tags: "Tags" },
  de: { reply: { one: "# Antwort", other: "# Antworten" }, none: "Noch keine Beiträge", tags: "Tags" },
};
const forumText = () => FORUM_TEXT[lang()] || FORUM_TEXT.en;

function repliesText(n) {
  const forms = forumText().reply;
  const form = new Intl.PluralRules(S.state.locale).select(n);
  return (forms[form] || forms.other).replace("#", new Intl.NumberFormat(S.state.locale).format(n));
}

function tagChips(tags) {
  return tags.map((name) => `<span class="forum-tag">${h(name)}</span>`).join("");
}

// A forum as Discord's client shows it: its tags, then one card per post (newest first) with the post's title,
// tags, the start of its first message (spoilers stay hidden) and how many replies it has.
function forumHtml(c, forum) {
  let html = `<div class="forum-head"><h2>${ICON_FORUM} ${h(c.name)}</h2><div class="muted">${h(c.topic || "")}</div>` +
    `<div class="forum-tags"><span class="muted">${h(forumText().tags)}:</span> ${tagChips(forum.tags)}</div></div>`;
  if (!forum.posts.length) return html + `<div class="empty">${h(forumText().none)}</div>`;
  for (const post of forum.posts) {
    const first = post.first;
    const embed = first && first.embeds[0];
    // The first two paragraphs on one line (a quote's marks dropped; a spoiler stays hidden), as Discord previews.
    const paragraphs = embed && embed.description ? embed.description.split("\n\n").slice(0, 2) : [first ? first.content : ""];
    const preview = paragraphs.map((p) => p.replace(/^> ?/gm, "")).join(" ").replace(/\n/g, " ");
    html += `<button class="forum-post" data-channel="${h(post.id)}">
      <div class="fp-tags">${tagChips(post.tags)}</div>
      <div class="fp-title">${h(post.title)}</div>
      ${first ? `<div class="fp-first"><span class="author">${h(first.author.name)}</span> <span class="fp-text">${md(preview)}</span></div>` : ""}
      <div class="fp-meta muted">${ICON_THREAD} ${h(repliesText(post.replies))}</div>
    </button>`;
  }
  return html;
}

// ---- events -------------------------------------------------------------------------------------

function switchTo(channel) {
  S.channel = channel;
  localStorage.setItem("sandbox.channel", channel);
  S.command = null;
  S.replyTo = null;
  renderCommandForm();
  S.scrollDown = true;
  refresh();
}

document.addEventListener("click", async (ev) => {
  const target = ev.target.closest("[data-channel], [data-persona], [data-jump], [data-custom], [data-dismiss], .spoiler, [data-path], [data-choice], [data-reply], [data-react], [data-apps], [data-msgcmd], [data-vote]");
  if (!target) return;
  if (target.dataset.vote) {
    await votePoll(target);
    return;
  }
  if (target.classList.contains("spoiler")) {
    target.classList.add("revealed");
    const message = target.closest(".message");
    if (message) S.revealed.add(`${message.dataset.id}:${[...message.querySelectorAll(".spoiler")].indexOf(target)}`);
    return;
  }
  if (target.dataset.persona) {
    S.as = target.dataset.persona;
    localStorage.setItem("sandbox.as", S.as);
    S.command = null;
    renderCommandForm();
    refresh();
  } else if (target.dataset.channel) {
    switchTo(target.dataset.channel);
  } else if (target.dataset.jump) {
    target.disabled = true;
    try { await api("/api/clock", { jump: target.dataset.jump }); S.scrollDown = true; } catch (err) { showError(err.message); }
    target.disabled = false;
    refresh();
  } else if (target.dataset.custom && target.tagName === "BUTTON") {
    try { await api("/api/click", { as: S.as, message: target.dataset.message, custom_id: target.dataset.custom }); } catch (err) { showError(err.message); }
  } else if (target.dataset.dismiss) {
    S.dismissed.add(target.dataset.dismiss);
    renderMessages();
  } else if (target.dataset.path) {
    chooseCommand(target.dataset.path);
  } else if (target.dataset.choice !== undefined) {
    const list = $("#autocomplete");
    const input = document.querySelector(`#command-form [name="${CSS.escape(list.dataset.opt)}"]`);
    if (input) input.value = target.dataset.choice;
    list.hidden = true;
  } else if (target.dataset.react) {
    try { await api("/api/react", { as: S.as, channel: S.channel, message: target.dataset.message, emoji: target.dataset.react }); } catch (err) { showError(err.message); }
    refresh();
  } else if (target.dataset.apps) {
    S.appsFor = S.appsFor === target.dataset.apps ? null : target.dataset.apps;
    renderMessages();
  } else if (target.dataset.msgcmd) {
    S.appsFor = null;
    try { await api("/api/apps", { as: S.as, channel: S.channel, message: target.dataset.message, command: target.dataset.msgcmd }); S.scrollDown = true; } catch (err) { showError(err.message); }
    refresh();
  } else if (target.dataset.reply) {
    S.replyTo = target.dataset.reply;
    const m = S.messages.find((x) => x.id === S.replyTo);
    showError(`${t("replying")} ${m ? m.author.name : ""} — Esc`);
    $("#composer").focus();
  }
});

document.addEventListener("change", async (ev) => {
  const el = ev.target;
  if (el.classList.contains("select") && el.dataset.custom) {
    try { await api("/api/click", { as: S.as, message: el.dataset.message, custom_id: el.dataset.custom, values: [el.value] }); } catch (err) { showError(err.message); }
  }
});

$("#composer").addEventListener("input", (ev) => {
  ev.target.style.height = "auto";
  ev.target.style.height = `${ev.target.scrollHeight}px`;
  updatePicker();
});
$("#composer").addEventListener("keydown", (ev) => {
  const picker = $("#command-picker");
  if (ev.key === "Escape") { S.replyTo = null; hideError(); picker.hidden = true; }
  if (!picker.hidden && (ev.key === "Tab" || ev.key === "Enter")) {
    const first = picker.querySelector(".pick.selected[data-path]");
    if (first) { ev.preventDefault(); chooseCommand(first.dataset.path); return; }
  }
  if (ev.key === "Enter" && !ev.shiftKey) { // Shift+Enter starts a new line, as in Discord
    ev.preventDefault();
    $("#composer-form").requestSubmit();
  }
});
$("#composer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("#composer");
  const content = input.value.trim();
  if (!content || content.startsWith("/")) return;
  try {
    await api("/api/messages", { as: S.as, channel: S.channel, content, reply_to: S.replyTo });
    input.value = "";
    input.style.height = "auto";
    S.replyTo = null;
    hideError();
    S.scrollDown = true;
  } catch (err) {
    showError(err.message);
  }
});

connect();
refresh();
