// The cmos board in the browser: hash routes over the JSON endpoints of `cmos board`, a kanban
// whose cards move by pointer drag (or Shift+Arrow keys), and live updates from the server's
// event stream. Plain ES2020, no build step, no network beyond the page's own server.
//
// Trust: every text shown comes from the cmos branch, which anyone with push access writes.
// It is set with textContent or attribute setters only, never parsed as HTML. The two SVG
// views come from the server (escaped there) and are still parsed as XML and scrubbed of
// scripts, event handlers and foreign links before they are inserted.
(() => {
  'use strict';

  const view = document.getElementById('view');
  const messageBox = document.getElementById('message');
  const problemsBox = document.getElementById('problems');
  const picker = document.getElementById('sprint');
  const live = document.getElementById('live');
  const tokenMeta = document.querySelector('meta[name="cmos-token"]');
  const token = tokenMeta ? tokenMeta.getAttribute('content') || '' : '';

  // The status a card dropped on a column gets, for servers whose columns do not say it.
  const COLUMN_STATUS = {
    queued: 'Queued',
    backlog: 'Queued',
    ready: 'Queued',
    waiting: 'Queued',
    current: 'Current',
    in_progress: 'In Progress',
    blocked: 'Blocked',
    completed: 'Completed',
    done: 'Completed',
    deferred: 'Deferred',
    dropped: 'Dropped',
  };

  const state = {
    meta: null,
    sprint: null, // the sprint chosen in the picker; null = the server's current sprint
    route: { name: 'kanban', arg: null, query: new URLSearchParams() },
    board: null, // the last kanban data, to put a refused card back
    dragging: null,
    asking: false, // the block reason dialog is open: live refreshes wait
    refreshPending: false,
    loading: 0,
    renders: 0,
    head: null,
  };

  // ---- DOM helpers: text goes in as text nodes, never as markup --------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === 'class') el.className = value;
        else if (key === 'text') el.textContent = String(value);
        else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
        else el.setAttribute(key, value === true ? '' : String(value));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function slug(text) {
    return String(text || '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  }

  function missionHref(id) {
    return '#/mission/' + encodeURIComponent(id);
  }

  function missionLink(id, cls) {
    return h('a', { href: missionHref(id), class: cls || 'mission-link', draggable: 'false' }, id);
  }

  function statusBadge(status) {
    return h('span', { class: 'badge status status-' + slug(status) }, status || 'unknown');
  }

  function when(at) {
    if (at === null || at === undefined || at === '') return '';
    const date = typeof at === 'number' ? new Date(at) : new Date(String(at));
    if (Number.isNaN(date.getTime())) return String(at);
    return date.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  }

  // ---- Messages ----------------------------------------------------------------------------

  let messageTimer = null;

  function say(kind, ...parts) {
    clearTimeout(messageTimer);
    clear(messageBox);
    messageBox.className = 'message ' + kind;
    append(messageBox, parts);
    messageBox.append(
      h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: hush }, '×'),
    );
    messageBox.hidden = false;
    if (kind === 'ok') messageTimer = setTimeout(hush, 6000);
  }

  function hush() {
    clearTimeout(messageTimer);
    messageBox.hidden = true;
    clear(messageBox);
  }

  // ---- The server --------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status, body) {
      const err = body && body.error;
      super(err && err.message ? err.message : 'The server answered ' + status + '.');
      this.status = status;
      this.code = err && err.code;
      this.body = body;
    }
  }

  async function getJson(path) {
    const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new HttpError(res.status, body);
    return body;
  }

  async function getText(path) {
    const res = await fetch(path, { cache: 'no-store' });
    const text = await res.text();
    if (!res.ok) {
      let body = null;
      try {
        body = JSON.parse(text);
      } catch (_) {
        /* not JSON: keep the status */
      }
      throw new HttpError(res.status, body);
    }
    return text;
  }

  async function postJson(path, payload) {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cmos-Token': token },
      body: JSON.stringify(payload),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new HttpError(res.status, body);
    return body;
  }

  // The sprint the views show: the one picked, else the one the board was started on, else
  // the project's current sprint. Every request names it, so all views agree (the graph's
  // default without a sprint is all open work).
  function shownSprint() {
    const meta = state.meta || {};
    return state.sprint || meta.board_sprint || meta.current_sprint || null;
  }

  function withSprint(path, extra) {
    const params = new URLSearchParams(extra || {});
    const sprint = shownSprint();
    if (sprint) params.set('sprint', sprint);
    const query = params.toString();
    return query ? path + '?' + query : path;
  }

  // ---- Routes ------------------------------------------------------------------------------

  function parseRoute() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path, query] = raw.split('?');
    const parts = path.split('/').filter(Boolean);
    const params = new URLSearchParams(query || '');
    let name = parts[0] || 'kanban';
    let arg = null;
    if (name === 'mission') {
      try {
        arg = decodeURIComponent(parts.slice(1).join('/'));
      } catch (_) {
        arg = parts.slice(1).join('/');
      }
    }
    if (!['kanban', 'burndown', 'graph', 'timeline', 'mission'].includes(name)) name = 'unknown';
    return { name, arg, query: params };
  }

  function routeHref(name, params) {
    const path = name === 'kanban' ? '#/' : '#/' + name;
    const query = new URLSearchParams(params || {});
    if (state.sprint) query.set('sprint', state.sprint);
    const q = query.toString();
    return q ? path + '?' + q : path;
  }

  function markNav() {
    for (const link of document.querySelectorAll('#nav a')) {
      const route = link.getAttribute('data-route');
      link.setAttribute('href', routeHref(route));
      if (route === state.route.name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  const RENDERERS = {
    kanban: renderKanban,
    burndown: renderBurndown,
    graph: renderGraph,
    timeline: renderTimeline,
    mission: renderMission,
    unknown: async () => [h('p', { class: 'muted' }, 'No such view. '), h('a', { href: '#/' }, 'Back to the board')],
  };

  // Renders the current route into #view. `quiet` keeps scroll positions and focus (a live
  // refresh); a navigation starts at the top.
  async function render(quiet) {
    const route = parseRoute();
    const navigated = !quiet || route.name !== state.route.name || route.arg !== state.route.arg;
    state.route = route;
    const fromHash = route.query.get('sprint');
    if (fromHash !== null) state.sprint = fromHash || null;
    syncPicker();
    markNav();
    const ticket = ++state.loading;
    view.setAttribute('aria-busy', 'true');
    let nodes;
    try {
      nodes = await RENDERERS[route.name](route);
    } catch (err) {
      nodes = [failure(err)];
    }
    if (ticket !== state.loading) return; // a newer render started meanwhile
    // Taken now, not before the fetch: a card the person focused (or a box scrolled) while
    // the view was loading is what stays focused, not the one focused when it started.
    const keep = navigated ? null : remember();
    clear(view);
    append(view, [nodes]);
    view.setAttribute('aria-busy', 'false');
    view.setAttribute('data-view', route.name);
    // A count of renders, so a reader (the browser test) can tell a fresh view from the last.
    view.setAttribute('data-renders', String(++state.renders));
    if (keep) restore(keep);
    else view.scrollTop = 0;
  }

  function failure(err) {
    const text = err instanceof HttpError ? err.message : 'Could not reach the board server: ' + err.message;
    return h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Cannot show this view. '), text);
  }

  // What a quiet re-render keeps: the focused card or link and every scrolled box.
  function remember() {
    const active = document.activeElement;
    const focus = active && active.closest ? active.closest('[data-card]') : null;
    const scrolls = [];
    for (const el of view.querySelectorAll('[data-scroll]')) {
      scrolls.push([el.getAttribute('data-scroll'), el.scrollLeft, el.scrollTop]);
    }
    return { focus: focus && focus.getAttribute('data-card'), scrolls, x: view.scrollLeft, y: view.scrollTop };
  }

  function restore(keep) {
    for (const [key, left, top] of keep.scrolls) {
      const el = view.querySelector('[data-scroll="' + CSS.escape(key) + '"]');
      if (el) {
        el.scrollLeft = left;
        el.scrollTop = top;
      }
    }
    view.scrollLeft = keep.x;
    view.scrollTop = keep.y;
    if (keep.focus) {
      const card = view.querySelector('[data-card="' + CSS.escape(keep.focus) + '"]');
      if (card) card.focus({ preventScroll: true });
    }
  }

  // ---- Meta: project, sprints, problems -----------------------------------------------------

  async function loadMeta() {
    const meta = await getJson('/api/meta');
    state.meta = meta;
    state.head = meta.head || state.head;
    const project = document.getElementById('project');
    project.textContent = meta.project || '';
    document.title = (meta.project ? meta.project + ' · ' : '') + 'cmos board';
    const mode = document.getElementById('mode');
    mode.textContent = meta.read_only ? 'read-only' : meta.agent ? 'as ' + meta.agent : '';
    mode.className = 'mode' + (meta.read_only ? ' read-only' : '');
    document.body.classList.toggle('read-only', !!meta.read_only);
    fillPicker(meta);
    showProblems(meta.problems || []);
  }

  let pickerFilled = null;

  // Fills the sprint picker; left alone when the sprints did not change, so a live refresh
  // does not close it under the pointer.
  function fillPicker(meta) {
    const sprints = meta.sprints || [];
    const key = JSON.stringify(sprints);
    if (key === pickerFilled) {
      syncPicker();
      return;
    }
    pickerFilled = key;
    clear(picker);
    if (!sprints.length) picker.append(h('option', { value: '' }, 'no sprints'));
    for (const s of sprints) {
      const label = s.id + (s.title ? ' · ' + s.title : '') + (s.status ? ' (' + s.status + ')' : '');
      picker.append(h('option', { value: s.id }, label));
    }
    syncPicker();
  }

  function syncPicker() {
    const meta = state.meta;
    if (!meta) return;
    const chosen = shownSprint() || '';
    picker.value = chosen;
    picker.disabled = !(meta.sprints || []).length;
  }

  function showProblems(problems) {
    clear(problemsBox);
    if (!problems.length) {
      problemsBox.hidden = true;
      return;
    }
    const noun = problems.length === 1 ? 'record on the branch is' : 'records on the branch are';
    const list = h('ul', null,
      problems.slice(0, 50).map((p) => h('li', null,
        h('code', null, (p.path || '?') + (p.line ? ':' + p.line : '')), ' ', p.message || '')));
    const details = h('details', { open: problems.length <= 3 },
      h('summary', null, problems.length + ' ' + noun + ' malformed; the board shows the rest.'),
      list);
    if (problems.length > 50) list.append(h('li', { class: 'muted' }, 'and ' + (problems.length - 50) + ' more'));
    problemsBox.append(details);
    problemsBox.hidden = false;
  }

  // ---- Kanban ------------------------------------------------------------------------------

  async function renderKanban() {
    const board = await getJson(withSprint('/api/board'));
    state.board = board;
    return kanbanNodes(board);
  }

  function kanbanNodes(board) {
    const sprint = board.sprint;
    const title = h('div', { class: 'view-head' },
      h('h1', null, sprint ? sprint.id : 'No sprint', sprint && sprint.title ? h('span', { class: 'subtitle' }, sprint.title) : null),
      sprint && sprint.status ? statusBadge(sprint.status) : null,
      sprint && (sprint.start || sprint.end) ? h('span', { class: 'muted dates' }, (sprint.start || '…') + ' → ' + (sprint.end || '…')) : null,
      h('span', { class: 'muted total' }, (board.total || 0) + ' missions'),
      state.meta && !state.meta.read_only ? h('span', { class: 'hint muted' }, 'Drag a card, or focus it and press Shift+← / Shift+→') : null);
    const columns = (board.columns || []).map(columnNode);
    const grid = h('div', { class: 'board', 'data-scroll': 'board', role: 'list' }, columns);
    return [title, grid];
  }

  function columnStatus(column) {
    if (column.status) return column.status;
    if (Object.prototype.hasOwnProperty.call(COLUMN_STATUS, column.key)) return COLUMN_STATUS[column.key];
    return null;
  }

  function columnNode(column) {
    const cards = column.cards || [];
    const count = column.count === undefined ? cards.length : column.count;
    const headId = 'col-' + slug(column.key);
    return h('section', {
      class: 'column column-' + slug(column.key) + (cards.length ? '' : ' empty'),
      'data-column': column.key,
      'aria-labelledby': headId,
      role: 'listitem',
    },
    h('h2', { id: headId },
      h('span', { class: 'label' }, column.label || column.key),
      h('span', { class: 'count', 'aria-label': count + ' missions' }, String(count))),
    h('ol', { class: 'cards', 'data-scroll': 'col-' + column.key }, cards.map(cardNode)));
  }

  function cardNode(card) {
    const flags = [];
    if (card.needs_human) flags.push(h('span', { class: 'badge flag human', title: 'Needs a human' }, 'needs human'));
    if (card.awaiting_review) flags.push(h('span', { class: 'badge flag review', title: 'Awaiting review' }, 'awaiting review'));
    // Ready is news only where the column does not say it already: a Current mission.
    if (card.ready && card.column !== 'ready' && /^(queued|current)$/.test(slug(card.status))) {
      flags.push(h('span', { class: 'badge flag ready', title: 'Ready to start' }, 'ready'));
    }
    const waiting = (card.waiting || []).filter(Boolean);
    const blockers = (card.blocked_by || []).filter(Boolean);
    const el = h('li', {
      class: 'card status-' + slug(card.status) + (card.ready ? ' is-ready' : ''),
      'data-card': card.id,
      'data-status': card.status,
      tabindex: '0',
      'aria-label': card.id + ': ' + (card.name || '') + ', ' + (card.status || ''),
    },
    h('div', { class: 'card-head' },
      h('a', { href: missionHref(card.id), class: 'card-id', tabindex: '-1', draggable: 'false' }, card.id),
      priorityNode(card.priority)),
    h('div', { class: 'card-name' }, card.name || ''),
    h('div', { class: 'flags' }, statusBadge(card.status), flags),
    waiting.length ? waitingNode(card, waiting) : null,
    blockers.length && !waiting.length ? h('div', { class: 'blocked-by' }, 'after ', blockers.map((id, i) => [i ? ', ' : '', missionLink(id)])) : null,
    card.agent ? h('div', { class: 'agent muted' }, card.agent) : null);
    return el;
  }

  // Why a card cannot go on. A Blocked card says so once, not "Waiting: blocked: ...".
  function waitingNode(card, reasons) {
    const blocked = slug(card.status) === 'blocked';
    const text = reasons.map((r) => (blocked ? String(r).replace(/^blocked:\s*/i, '') : String(r))).join('; ');
    return h('div', { class: 'waiting' + (blocked ? ' is-blocked' : '') },
      h('span', { class: 'why' }, blocked ? 'Blocked: ' : 'Waiting: '), text);
  }

  // A rank (a number: lower comes first) or a priority word.
  function priorityNode(priority) {
    if (priority === null || priority === undefined || priority === '') return null;
    if (typeof priority === 'number') return h('span', { class: 'priority rank', title: 'Rank in the sprint (lower comes first)' }, '#' + priority);
    return h('span', { class: 'priority priority-' + slug(priority) }, String(priority));
  }

  // ---- Moving cards ---------------------------------------------------------------------------

  function writable() {
    return state.meta && !state.meta.read_only && state.route.name === 'kanban';
  }

  async function moveCard(cardEl, column) {
    const id = cardEl.getAttribute('data-card');
    const to = columnStatus(column);
    const label = column.label || column.key;
    if (!to) {
      putBack();
      say('error', 'A card cannot be dropped on ', h('strong', null, label), '.');
      return;
    }
    // The status the card showed: if the mission moved since, the server refuses rather than
    // act on what the page no longer shows.
    const body = { to, from: cardEl.getAttribute('data-status') || undefined };
    if (to === 'Blocked') {
      state.asking = true;
      let reason;
      try {
        reason = await askReason(id);
      } finally {
        state.asking = false;
      }
      if (!reason) {
        putBack();
        say('error', h('strong', null, id + ' was not moved. '), 'Blocking a mission needs a reason.');
        if (state.refreshPending) refreshSoon(0);
        return;
      }
      body.reason = reason;
      // A live refresh may have drawn the board anew while the dialog was open.
      cardEl = view.querySelector('[data-card="' + CSS.escape(id) + '"]') || cardEl;
    }
    // Show the card in its new column at once; the server's answer confirms or puts it back.
    const target = view.querySelector('[data-column="' + CSS.escape(column.key) + '"] .cards');
    if (target) target.prepend(cardEl);
    cardEl.classList.add('pending');
    try {
      const reply = await postJson('/api/missions/' + encodeURIComponent(id) + '/move', body);
      const status = reply && reply.mission ? reply.mission.status : to;
      const commit = reply && reply.commit ? String(reply.commit).slice(0, 8) : null;
      say('ok', h('strong', null, id), ' is now ', statusBadge(status), commit ? h('span', { class: 'muted' }, ' · commit ' + commit) : null);
    } catch (err) {
      putBack();
      refused(id, label, err);
    } finally {
      cardEl.classList.remove('pending');
      refreshSoon(0);
    }
  }

  function refused(id, label, err) {
    const valid = err instanceof HttpError && err.body && Array.isArray(err.body.valid) ? err.body.valid : null;
    const parts = [h('strong', null, 'Cannot move ' + id + ' to ' + label + '. '), sentence(err.message)];
    if (valid) {
      parts.push(h('span', { class: 'valid' }, ' Valid: ',
        valid.length ? valid.map((s, i) => [i ? ' ' : '', statusBadge(s)]) : 'none (the mission is final).'));
    }
    if (err instanceof HttpError && err.status === 403 && state.meta && state.meta.read_only) {
      parts.push(' The board is read-only.');
    }
    say('error', parts);
  }

  // Asks why a mission is blocked, in a small modal form; resolves to the text, or null when
  // the person cancels.
  function askReason(id) {
    return new Promise((resolve) => {
      const input = h('input', { type: 'text', name: 'reason', id: 'reason', required: true, maxlength: '500', autocomplete: 'off' });
      const dialog = h('dialog', { class: 'ask', 'aria-labelledby': 'ask-title' },
        h('form', { method: 'dialog' },
          h('h2', { id: 'ask-title' }, 'Why is ' + id + ' blocked?'),
          h('label', { for: 'reason' }, 'What it waits for, for whoever picks it up next'),
          input,
          h('div', { class: 'buttons' },
            h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel'),
            h('button', { type: 'submit', value: 'block', class: 'primary' }, 'Block'))));
      // Enter blocks (the form's first button is Cancel, which Enter would otherwise press).
      input.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter') return;
        event.preventDefault();
        if (input.value.trim()) dialog.close('block');
      });
      dialog.addEventListener('close', () => {
        const text = dialog.returnValue === 'block' ? input.value.trim() : '';
        dialog.remove();
        resolve(text || null);
      });
      document.body.append(dialog);
      dialog.showModal();
      input.focus();
    });
  }

  // The server's messages are clauses; the page shows them as sentences.
  function sentence(text) {
    const t = String(text || '').trim();
    if (!t) return '';
    return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
  }

  // Puts every card back where the last data from the server had it.
  function putBack() {
    if (state.route.name === 'kanban' && state.board) {
      const keep = remember();
      clear(view);
      append(view, [kanbanNodes(state.board)]);
      restore(keep);
    }
  }

  function columnsInOrder() {
    return state.board ? state.board.columns || [] : [];
  }

  function columnOf(key) {
    return columnsInOrder().find((c) => c.key === key) || null;
  }

  // Pointer drag: a card follows the pointer as a floating copy; the column under the
  // pointer lights up; letting go over another column moves the card.
  const DRAG_THRESHOLD = 5;

  view.addEventListener('pointerdown', (event) => {
    if (!writable() || event.button !== 0 || !event.isPrimary) return;
    const card = event.target.closest('[data-card]');
    if (!card || card.classList.contains('pending')) return;
    state.dragging = {
      card,
      from: card.closest('[data-column]').getAttribute('data-column'),
      x: event.clientX,
      y: event.clientY,
      pointerId: event.pointerId,
      ghost: null,
      over: null,
      moved: false,
    };
  });

  document.addEventListener('pointermove', (event) => {
    const drag = state.dragging;
    if (!drag || event.pointerId !== drag.pointerId) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      drag.moved = true;
      startDrag(drag);
    }
    event.preventDefault();
    drag.ghost.style.transform = 'translate(' + (drag.left + dx) + 'px,' + (drag.top + dy) + 'px) rotate(1.5deg)';
    const under = document.elementFromPoint(event.clientX, event.clientY);
    const column = under ? under.closest('[data-column]') : null;
    if (drag.over && drag.over !== column) drag.over.classList.remove('drop-target');
    drag.over = column;
    if (column && column.getAttribute('data-column') !== drag.from) column.classList.add('drop-target');
  });

  function startDrag(drag) {
    const rect = drag.card.getBoundingClientRect();
    drag.left = rect.left;
    drag.top = rect.top;
    const ghost = drag.card.cloneNode(true);
    ghost.removeAttribute('data-card');
    ghost.removeAttribute('tabindex');
    ghost.classList.add('ghost');
    ghost.setAttribute('aria-hidden', 'true');
    ghost.style.width = rect.width + 'px';
    ghost.style.transform = 'translate(' + rect.left + 'px,' + rect.top + 'px)';
    document.body.append(ghost);
    drag.ghost = ghost;
    drag.card.classList.add('dragging');
    document.body.classList.add('is-dragging');
  }

  function endDrag(drop) {
    const drag = state.dragging;
    state.dragging = null;
    if (!drag) return;
    document.body.classList.remove('is-dragging');
    if (!drag.moved) return;
    drag.ghost.remove();
    drag.card.classList.remove('dragging');
    if (drag.over) drag.over.classList.remove('drop-target');
    // A click follows the pointerup of a drag; it must not open the mission page.
    const swallow = (e) => {
      e.preventDefault();
      e.stopPropagation();
    };
    window.addEventListener('click', swallow, { capture: true, once: true });
    setTimeout(() => window.removeEventListener('click', swallow, { capture: true }), 0);
    const key = drop && drag.over ? drag.over.getAttribute('data-column') : null;
    if (key && key !== drag.from) {
      const column = columnOf(key);
      if (column) moveCard(drag.card, column);
    } else if (state.refreshPending) {
      refreshSoon(0);
    }
  }

  document.addEventListener('pointerup', (event) => {
    if (state.dragging && event.pointerId === state.dragging.pointerId) endDrag(true);
  });
  document.addEventListener('pointercancel', (event) => {
    if (state.dragging && event.pointerId === state.dragging.pointerId) endDrag(false);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.dragging) {
      endDrag(false);
      return;
    }
    const card = event.target.closest ? event.target.closest('[data-card]') : null;
    if (!card || state.route.name !== 'kanban') return;
    if (event.key === 'Enter') {
      location.hash = missionHref(card.getAttribute('data-card'));
      return;
    }
    const arrows = { ArrowLeft: -1, ArrowRight: 1 };
    if (!(event.key in arrows)) return;
    event.preventDefault();
    const columns = columnsInOrder();
    const from = card.closest('[data-column]').getAttribute('data-column');
    const at = columns.findIndex((c) => c.key === from);
    if (event.shiftKey && writable()) {
      // Shift+Arrow: the keyboard's drag, to the next column that takes a drop.
      const step = arrows[event.key];
      for (let i = at + step; i >= 0 && i < columns.length; i += step) {
        if (columnStatus(columns[i]) && columnStatus(columns[i]) !== card.getAttribute('data-status')) {
          moveCard(card, columns[i]).then(() => {
            const again = view.querySelector('[data-card="' + CSS.escape(card.getAttribute('data-card')) + '"]');
            if (again) again.focus();
          });
          return;
        }
      }
      return;
    }
    // Plain arrows walk between columns; Up/Down is the browser's Tab order within one.
    const next = columns[at + arrows[event.key]];
    if (!next) return;
    const first = view.querySelector('[data-column="' + CSS.escape(next.key) + '"] [data-card]');
    if (first) first.focus();
  });

  // ---- Burndown ------------------------------------------------------------------------------

  async function renderBurndown() {
    const [svg, data] = await Promise.all([
      getText(withSprint('/burndown.svg')),
      getJson(withSprint('/api/burndown')).catch(() => null),
    ]);
    const nodes = [h('div', { class: 'view-head' },
      h('h1', null, 'Burndown', data && data.sprint ? h('span', { class: 'subtitle' }, data.sprint + (data.title ? ' · ' + data.title : '')) : null),
      data && (data.start || data.end) ? h('span', { class: 'muted dates' }, (data.start || '…') + ' → ' + (data.end || '…')) : null)];
    nodes.push(h('figure', { class: 'chart burndown', 'data-scroll': 'burndown' }, inlineSvg(svg, 'Burndown of the sprint')));
    if (data && Array.isArray(data.days) && data.days.length) {
      const last = data.days[data.days.length - 1];
      nodes.push(h('p', { class: 'summary' },
        h('strong', null, String(last.remaining)), ' remaining of ', String(last.scope), ' in scope · ',
        h('strong', null, String(last.done)), ' done',
        data.ideal && data.ideal.length ? '' : ' · no ideal line: the sprint has no dates'));
      nodes.push(h('details', { class: 'data' }, h('summary', null, 'Day by day'),
        h('table', null,
          h('thead', null, h('tr', null, ['Date', 'Scope', 'Done', 'Remaining'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, data.days.map((d) => h('tr', null,
            h('td', null, d.date), h('td', null, String(d.scope)), h('td', null, String(d.done)), h('td', null, String(d.remaining))))))));
    }
    return nodes;
  }

  // ---- Dependency graph ---------------------------------------------------------------------

  async function renderGraph(route) {
    const prune = route.query.get('prune') === '1';
    const open = route.query.get('scope') === 'open';
    const params = prune ? { prune: '1' } : {};
    const path = (p) => (open ? p + (prune ? '?prune=1' : '') : withSprint(p, params));
    const [svg, data] = await Promise.all([
      getText(path('/graph.svg')),
      getJson(path('/api/graph')).catch(() => null),
    ]);
    const toggle = (key, on) => {
      const q = {};
      if (key === 'prune' ? on : prune) q.prune = '1';
      if (key === 'scope' ? on : open) q.scope = 'open';
      location.hash = routeHref('graph', q);
    };
    const controls = h('div', { class: 'controls' },
      h('label', null, h('input', { type: 'checkbox', id: 'prune', checked: prune, onchange: (e) => toggle('prune', e.target.checked) }),
        ' Hide completed and isolated missions'),
      h('label', null, h('input', { type: 'checkbox', id: 'scope-open', checked: open, onchange: (e) => toggle('scope', e.target.checked) }),
        ' All open work (not just this sprint)'));
    const facts = [];
    if (data) {
      facts.push((data.nodes || []).length + ' missions', ' · ', (data.edges || []).length + ' dependencies', ' · ', (data.layers || 0) + ' layers');
      if (data.pruned) facts.push(' · ' + data.pruned + ' hidden');
    }
    const nodes = [h('div', { class: 'view-head' }, h('h1', null, 'Dependencies', h('span', { class: 'subtitle' }, open ? 'open work' : shownSprint() || '')), h('span', { class: 'muted' }, facts)), controls];
    if (data && Array.isArray(data.cycles) && data.cycles.length) {
      nodes.push(h('div', { class: 'warning', role: 'note' }, h('strong', null, 'Cycles: '),
        data.cycles.map((cycle, i) => [i ? '; ' : '', cycle.map((id, j) => [j ? ' → ' : '', missionLink(id)])])));
    }
    nodes.push(h('figure', { class: 'chart graph', 'data-scroll': 'graph', tabindex: '0', 'aria-label': 'Dependency graph, scrollable' },
      inlineSvg(svg, 'Dependency graph')));
    nodes.push(h('p', { class: 'muted legend' }, 'Left to right by longest chain of dependencies; click a mission to open it.'));
    return nodes;
  }

  // Parses an SVG document from the server and keeps only drawing: no scripts, no foreign
  // objects, no event handlers, and links only to the board's own routes.
  function inlineSvg(text, label) {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    if (!root || root.nodeName.toLowerCase() !== 'svg' || doc.getElementsByTagName('parsererror').length) {
      return h('p', { class: 'error-box' }, 'The server sent a drawing this page cannot read.');
    }
    for (const bad of root.querySelectorAll('script, foreignObject, iframe, object, embed, use[href^="http"], animate, set')) bad.remove();
    for (const el of [root, ...root.querySelectorAll('*')]) {
      for (const attr of [...el.attributes]) {
        const name = attr.name.toLowerCase();
        const value = attr.value.trim().toLowerCase();
        if (name.startsWith('on')) el.removeAttribute(attr.name);
        else if ((name === 'href' || name === 'xlink:href') && !value.startsWith('#')) el.removeAttribute(attr.name);
        else if (value.includes('javascript:')) el.removeAttribute(attr.name);
      }
    }
    const svg = document.importNode(root, true);
    svg.setAttribute('role', 'img');
    if (!svg.getAttribute('aria-label')) svg.setAttribute('aria-label', label);
    return svg;
  }

  // ---- Timeline -----------------------------------------------------------------------------

  async function renderTimeline() {
    const data = await getJson(withSprint('/api/timeline', { limit: '200' }));
    const entries = data.entries || [];
    const head = h('div', { class: 'view-head' }, h('h1', null, 'Timeline', h('span', { class: 'subtitle' }, shownSprint() || '')),
      h('span', { class: 'muted' }, entries.length + ' entries'));
    if (!entries.length) return [head, h('p', { class: 'muted' }, 'No sessions, decisions or learnings yet.')];
    let day = null;
    const list = h('ol', { class: 'timeline' });
    for (const e of entries) {
      const stamp = when(e.at);
      const date = stamp.slice(0, 10);
      if (date && date !== day) {
        day = date;
        list.append(h('li', { class: 'day' }, h('h2', null, date)));
      }
      list.append(h('li', { class: 'entry kind-' + slug(e.kind), 'data-entry': e.id },
        h('span', { class: 'badge kind' }, e.kind || ''),
        h('span', { class: 'time muted' }, stamp.slice(11)),
        h('span', { class: 'entry-title' }, e.title || e.id || ''),
        e.by ? h('span', { class: 'by muted' }, 'by ' + e.by) : null,
        (e.missions || []).length ? h('span', { class: 'missions' }, (e.missions || []).map((id) => missionLink(id, 'chip'))) : null,
        h('span', { class: 'entry-id muted' }, e.id || '')));
    }
    return [head, list];
  }

  // ---- Mission page -------------------------------------------------------------------------

  // The spec, in the order a person reads it; lists become bullet lists.
  const SPEC_FIELDS = ['objective', 'description', 'context', 'success_criteria', 'deliverables', 'notes', 'spec', 'completion_notes'];
  // Shown elsewhere on the page (the heading, History, Links), or bookkeeping.
  const SKIP_FIELDS = ['id', 'name', 'status', 'transitions', 'depends', 'dependents', 'history', 'commits', 'conflicts', 'links', 'waiting_on'];

  async function renderMission(route) {
    const id = route.arg || '';
    let data;
    try {
      data = await getJson('/api/missions/' + encodeURIComponent(id));
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        return [h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'No mission ' + id + '. '), sentence(err.message), ' '), h('a', { href: routeHref('kanban') }, 'Back to the board')];
      }
      throw err;
    }
    const m = data.mission || {};
    const head = h('div', { class: 'view-head mission-head' },
      h('a', { href: routeHref('kanban'), class: 'back' }, '← Board'),
      h('h1', null, h('span', { class: 'mission-id' }, m.id || id), ' ', m.name || ''),
      statusBadge(m.status));

    const spec = [];
    for (const key of SPEC_FIELDS) {
      const value = m[key];
      if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
      const body = Array.isArray(value)
        ? h('ul', { class: 'text' }, value.map((v) => h('li', null, plain(v))))
        : h('div', { class: 'text' }, plain(value));
      spec.push(h('section', { class: 'prose field-' + slug(key) }, h('h2', null, title(key)), body));
    }
    const facts = h('dl', { class: 'facts' });
    const fact = (key, value) => facts.append(h('dt', null, title(key)), h('dd', null, value));
    if (m.sprint) fact('sprint', [m.sprint, data.sprint_title ? h('span', { class: 'muted' }, ' · ' + data.sprint_title) : null]);
    for (const [key, value] of Object.entries(m)) {
      if (SKIP_FIELDS.includes(key) || SPEC_FIELDS.includes(key) || key === 'sprint') continue;
      if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
      fact(key, valueNode(key, value));
    }
    if (data.time && typeof data.time === 'object') {
      for (const [key, value] of Object.entries(data.time)) {
        if (value !== null && value !== undefined && value !== 0 && typeof value !== 'object') fact('time ' + key, plain(value));
      }
    }
    const waiting = Array.isArray(data.waiting_on) ? data.waiting_on : [];
    return [head, h('div', { class: 'mission-grid' },
      h('div', { class: 'mission-main' },
        spec.length ? spec : h('p', { class: 'muted' }, 'No spec written: no objective, criteria or deliverables yet.'),
        section('History', data.history, historyTable),
        section('Commits', data.commits, commitList),
        section('Conflicts', data.conflicts, genericList)),
      h('aside', { class: 'mission-side' },
        facts,
        waiting.length ? section('Waiting on', waiting, unmetList) : null,
        section('Links', data.links, linkList)))];
  }

  function unmetList(rows) {
    return h('ul', { class: 'links' }, rows.map((u) => h('li', null,
      missionLink(String(u.id)), ' ', u.status ? statusBadge(u.status) : h('span', { class: 'muted' }, 'no such mission'),
      u.via ? h('span', { class: 'muted' }, ' · ' + u.via) : null)));
  }

  function title(key) {
    const text = String(key).replace(/_/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function section(name, items, fn) {
    const list = Array.isArray(items) ? items : [];
    return h('section', { class: 'block block-' + slug(name) },
      h('h2', null, name, ' ', h('span', { class: 'count' }, String(list.length))),
      list.length ? fn(list) : h('p', { class: 'muted' }, 'None.'));
  }

  function historyTable(rows) {
    return h('table', { class: 'history' },
      h('thead', null, h('tr', null, ['When', 'From', 'To', 'By', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map((r) => h('tr', null,
        h('td', null, when(r.at)), h('td', null, r.from ? statusBadge(r.from) : '—'), h('td', null, r.to ? statusBadge(r.to) : '—'),
        h('td', null, r.by || ''), h('td', { class: 'note' }, r.note || '')))));
  }

  function commitList(rows) {
    return h('ol', { class: 'commits' }, rows.map((c) => {
      if (typeof c !== 'object' || c === null) return h('li', null, h('code', null, String(c)));
      const sha = c.short || c.sha || c.hash || c.commit || '';
      const text = c.subject || c.message || c.title || '';
      const by = c.agent || c.by || c.author;
      const files = Array.isArray(c.files) ? c.files.length : 0;
      return h('li', null, sha ? h('code', { title: c.hash || '' }, String(sha).slice(0, 12)) : null, ' ', text,
        c.at ? h('span', { class: 'muted' }, ' · ' + when(c.at)) : null,
        by ? h('span', { class: 'muted' }, ' · ' + by) : null,
        files ? h('span', { class: 'muted' }, ' · ' + (c.files_total || files) + (files === 1 && !c.files_total ? ' file' : ' files')) : null);
    }));
  }

  // A link reads as a sentence: "A2 blocks this" (in) or "this requires A5" (out).
  function linkList(rows) {
    return h('ul', { class: 'links' }, rows.map((l) => {
      if (typeof l !== 'object' || l === null) return h('li', null, plain(l));
      const other = [missionLink(String(l.id || '')), l.name ? ' ' + l.name : '', ' ',
        l.status ? statusBadge(l.status) : h('span', { class: 'muted' }, '(no such mission)')];
      const kind = h('span', { class: 'link-kind' }, String(l.kind || 'links'));
      return l.direction === 'in'
        ? h('li', null, other, ' ', kind, h('span', { class: 'muted' }, ' this'))
        : h('li', null, h('span', { class: 'muted' }, 'this '), kind, ' ', other);
    }));
  }

  function genericList(rows) {
    return h('ul', { class: 'generic' }, rows.map((r) => h('li', null, valueNode('', r))));
  }

  function plain(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function valueNode(key, value) {
    if (Array.isArray(value)) {
      const missionish = /depend|block|mission|after|requires/.test(key);
      return value.map((v, i) => [i ? ', ' : '', missionish && typeof v === 'string' ? missionLink(v) : plain(v)]);
    }
    if (value && typeof value === 'object') {
      return h('dl', { class: 'nested' }, Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))
        .map(([k, v]) => [h('dt', null, title(k)), h('dd', null, typeof v === 'object' ? plain(v) : valueNode(k, v))]));
    }
    if (/(_at|^at|date|start|end|since|until)$/.test(key) && (typeof value === 'number' || /^\d{4}-\d\d-\d\dT/.test(String(value)))) return when(value);
    if (key === 'status') return statusBadge(value);
    return plain(value);
  }

  // ---- Live updates ---------------------------------------------------------------------------

  let refreshTimer = null;

  // Re-fetches the current view after a short pause, so a burst of writes costs one fetch.
  // While a card is being dragged the refresh waits for the drop.
  function refreshSoon(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      if ((state.dragging && state.dragging.moved) || state.asking) {
        state.refreshPending = true;
        return;
      }
      state.refreshPending = false;
      try {
        await loadMeta();
      } catch (_) {
        /* the view's own fetch reports the failure */
      }
      await render(true);
    }, delay === undefined ? 150 : delay);
  }

  function connect() {
    if (!window.EventSource) {
      setLive('off', 'this browser has no live updates');
      return;
    }
    const events = new EventSource('/api/events');
    events.addEventListener('open', () => setLive('on', 'live'));
    events.addEventListener('hello', (e) => {
      setLive('on', 'live');
      const head = headOf(e);
      // A reconnect after a gap: the branch may have moved while we were away.
      if (head && state.head && head !== state.head) refreshSoon();
      if (head) state.head = head;
    });
    events.addEventListener('changed', (e) => {
      const head = headOf(e);
      if (head) state.head = head;
      refreshSoon();
    });
    events.addEventListener('error', () => setLive('off', 'reconnecting'));
  }

  function headOf(event) {
    try {
      const data = JSON.parse(event.data);
      return data && data.head ? String(data.head) : null;
    } catch (_) {
      return null;
    }
  }

  function setLive(kind, text) {
    live.className = 'live ' + kind;
    live.textContent = text;
    live.title = 'Live updates: ' + text;
    document.body.setAttribute('data-live', kind);
  }

  // ---- Start ----------------------------------------------------------------------------------

  picker.addEventListener('change', () => {
    state.sprint = picker.value || null;
    const params = {};
    for (const [k, v] of state.route.query) if (k !== 'sprint') params[k] = v;
    location.hash = routeHref(state.route.name === 'mission' ? 'kanban' : state.route.name, params);
  });

  window.addEventListener('hashchange', () => {
    hush();
    render(false).then(() => view.focus({ preventScroll: true }));
  });

  async function start() {
    try {
      await loadMeta();
    } catch (err) {
      clear(view);
      view.append(failure(err));
      view.setAttribute('aria-busy', 'false');
      connect();
      return;
    }
    await render(false);
    connect();
  }

  start();
})();
