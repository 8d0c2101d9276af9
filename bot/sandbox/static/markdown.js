// Discord-flavoured markdown to HTML. Everything is escaped first; only the markup below is produced,
// so no user text can inject HTML. Mentions and <t:...> timestamps are resolved with the given context.
"use strict";

const Markdown = (() => {
  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function escapeHtml(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ESC[c]);
  }

  const STYLES = { t: { timeStyle: "short" }, T: { timeStyle: "medium" }, d: { dateStyle: "short" },
    D: { dateStyle: "long" }, f: { dateStyle: "long", timeStyle: "short" },
    F: { dateStyle: "full", timeStyle: "short" } };

  function formatTimestamp(seconds, style, ctx) {
    const when = new Date(seconds * 1000);
    if (style === "R") {
      const diff = (when.getTime() - ctx.now.getTime()) / 1000;
      const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
        ["minute", 60], ["second", 1]];
      const rtf = new Intl.RelativeTimeFormat(ctx.locale, { numeric: "auto" });
      for (const [unit, size] of units) {
        if (Math.abs(diff) >= size || unit === "second") return rtf.format(Math.round(diff / size), unit);
      }
    }
    return new Intl.DateTimeFormat(ctx.locale, STYLES[style] || STYLES.f).format(when);
  }

  // Placeholders keep already-rendered pieces (code, links) away from later rules.
  function stash(store, html) {
    store.push(html);
    return `\u0000${store.length - 1}\u0000`;
  }
  function unstash(store, text) {
    return text.replace(/\u0000(\d+)\u0000/g, (_, i) => unstash(store, store[Number(i)]));
  }

  function inline(text, ctx, store) {
    // text is already escaped
    text = text.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, (_, label, url) =>
      stash(store, `<a href="${url}" target="_blank" rel="noopener noreferrer">${label}</a>`));
    text = text.replace(/&lt;(https?:\/\/[^\s]+?)&gt;/g, (_, url) =>
      stash(store, `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`));
    text = text.replace(/https?:\/\/[^\s<]+[^\s<.,:;"')\]!?]/g, (url) =>
      stash(store, `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`));
    text = text.replace(/&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;/g, (_, secs, style) => {
      const shown = formatTimestamp(Number(secs), style || "f", ctx);
      const full = formatTimestamp(Number(secs), "F", ctx);
      return stash(store, `<span class="timestamp" title="${escapeHtml(full)}">${escapeHtml(shown)}</span>`);
    });
    text = text.replace(/&lt;@!?(\d+)&gt;/g, (_, id) =>
      stash(store, `<span class="mention">@${escapeHtml(ctx.names.users[id] || "unknown-user")}</span>`));
    text = text.replace(/&lt;@&amp;(\d+)&gt;/g, (_, id) => {
      const role = ctx.names.roles[id];
      const colour = role && role.color ? ` style="color:#${role.color.toString(16).padStart(6, "0")}"` : "";
      return stash(store, `<span class="mention role"${colour}>@${escapeHtml(role ? role.name : "deleted-role")}</span>`);
    });
    text = text.replace(/&lt;#(\d+)&gt;/g, (_, id) =>
      stash(store, `<span class="mention chan" data-channel="${id}">#${escapeHtml(ctx.names.channels[id] || "unknown")}</span>`));
    text = text.replace(/&lt;\/([\w -]+(?: [\w-]+)*):\d+&gt;/g, (_, name) =>
      stash(store, `<span class="mention">/${name}</span>`));
    text = text.replace(/@(everyone|here)\b/g, (_, who) => stash(store, `<span class="mention">@${who}</span>`));
    text = text.replace(/\|\|(.+?)\|\|/gs, '<span class="spoiler" title="Spoiler: click to reveal"><span>$1</span></span>');
    text = text.replace(/\*\*\*(.+?)\*\*\*/gs, "<strong><em>$1</em></strong>");
    text = text.replace(/\*\*(.+?)\*\*/gs, "<strong>$1</strong>");
    text = text.replace(/__(.+?)__/gs, "<u>$1</u>");
    text = text.replace(/(^|[^\w*])\*(?!\s)(.+?)\*(?!\w)/gs, "$1<em>$2</em>");
    text = text.replace(/(^|[^\w])_(?!\s)(.+?)_(?!\w)/gs, "$1<em>$2</em>");
    text = text.replace(/~~(.+?)~~/gs, "<s>$1</s>");
    return text;
  }

  function blocks(text, ctx, store) {
    const lines = text.split("\n");
    const out = [];
    let quote = [];
    const flush = () => {
      if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.startsWith("&gt;&gt;&gt; ")) {
        flush();
        const rest = [line.slice(13), ...lines.slice(i + 1)].map((l) => inline(l, ctx, store));
        out.push(`<blockquote>${rest.join("<br>")}</blockquote>`);
        break;
      }
      const q = line.match(/^&gt; ?(.*)$/);
      if (q) { quote.push(inline(q[1], ctx, store)); continue; }
      flush();
      const h = line.match(/^(#{1,3}) (.+)$/);
      if (h) { out.push(`<h${h[1].length}>${inline(h[2], ctx, store)}</h${h[1].length}>`); continue; }
      const sub = line.match(/^-# (.+)$/);
      if (sub) { out.push(`<div class="subtext">${inline(sub[1], ctx, store)}</div>`); continue; }
      const li = line.match(/^\s*[-*] (.+)$/);
      if (li) { out.push(`<div class="li">• ${inline(li[1], ctx, store)}</div>`); continue; }
      out.push(inline(line, ctx, store) + (i < lines.length - 1 ? "<br>" : ""));
    }
    flush();
    return out.join("").replace(/<br>(<(?:blockquote|h\d|div))/g, "$1");
  }

  function render(source, ctx) {
    const store = [];
    let text = String(source ?? "");
    text = text.replace(/```(?:[\w+-]*\n)?([\s\S]*?)```/g, (_, code) => stash(store, `<pre><code>${escapeHtml(code)}</code></pre>`));
    text = text.replace(/`([^`\n]+)`/g, (_, code) => stash(store, `<code>${escapeHtml(code)}</code>`));
    text = escapeHtml(text);
    return unstash(store, blocks(text, ctx, store));
  }

  return { render, escapeHtml, formatTimestamp };
})();
