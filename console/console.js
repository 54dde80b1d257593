/**
 * The supsync web console: the synchronization status of this site's software update point and of
 * every site below it, live progress, SyncNow (delta or full), the upstream connection test, the run
 * history, the updates the site holds (searched and paged), the settings (changed by an admin), the
 * sync manager's status messages and the tail of wsyncmgr.log, all through the site's REST API with
 * a token the admin pastes.
 *
 * The token stays in this tab's sessionStorage and goes only to this site's API. Nothing here
 * writes markup from data: every value is set as text.
 */
const API = new URL('../api/v1/', window.location.href);
const TOKEN_KEY = 'supsync.token';
/**
 * How often the page asks again: while a sync waits (or runs and its event stream cannot be read),
 * while it runs and its progress comes over the stream (the history, messages and log only), and
 * otherwise.
 */
const BUSY_MS = 1000;
const FOLLOWING_MS = 5000;
const IDLE_MS = 10_000;
/** The child sites are asked through this site, each a network call away: less often. */
const HIERARCHY_MS = 30_000;

const STATE_TEXT = {
  6701: 'Synchronization started',
  6702: 'Synchronization completed',
  6703: 'Synchronization failed',
  6704: 'In progress: synchronizing from the upstream',
  6705: 'In progress: synchronizing the site database',
};
const LINK_TEXT = { 0: 'Healthy', 1: 'Degraded', 2: 'Error' };
const SEVERITY_TEXT = { I: 'Information', W: 'Warning', E: 'Error' };
const PHASE_TEXT = {
  connecting: 'Connecting to the upstream',
  categories: 'Synchronizing categories',
  updates: 'Synchronizing updates',
  'site-database': 'Applying supersedence, expiry and cleanup',
};

const ROLE_RANK = { read: 0, operator: 1, admin: 2 };

const byId = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

const authorization = () => ({ authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` });

/** One call to the site's API with the token; an error answer becomes an ApiError with its code. */
async function api(path, init = {}) {
  const headers = authorization();
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(new URL(path, API), { ...init, headers });
  } catch (err) {
    throw new ApiError(0, 'SERVER_UNREACHABLE', err instanceof Error ? err.message : String(err));
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, body?.message ?? res.statusText);
  return body;
}

const time = (iso) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '');

/** "0d00h03m53s", as wsyncmgr.log's "Sync time". */
function duration(fromIso, toIso) {
  if (!fromIso || !toIso) return '';
  let s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const two = (n) => String(n).padStart(2, '0');
  return `${d}d${two(Math.floor(s / 3600))}h${two(Math.floor((s % 3600) / 60))}m${two(s % 60)}s`;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function row(cells, className) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  if (className) tr.className = className;
  return tr;
}

function stateClass(state) {
  if (state === 6702 || state === 'succeeded') return 'state-ok';
  if (state === 6703 || state === 'failed') return 'state-failed';
  return 'state-running';
}

/**
 * One row of the status table: a site's SMS_SUPSyncStatus, or why it could not be read. `parent`
 * is the status of the site above (a child behind its parent's catalog version is flagged, as
 * ConfigMgr's clients only use a SUP at the version their policy asks for).
 */
function statusRow(label, status, failure, className, parent) {
  if (status === null) {
    const empty = (n) => Array.from({ length: n }, () => cell(''));
    return row([cell(label), ...empty(3), cell(failure, 'state-failed'), ...empty(5)], className);
  }
  const state = status.LastSyncState;
  const version = status.SyncCatalogVersion;
  const behind = parent?.SyncCatalogVersion !== undefined && version < parent.SyncCatalogVersion;
  const error =
    status.LastSyncErrorCode === 0
      ? ''
      : `${status.LastSyncErrorName ?? ''} (0x${(status.LastSyncErrorCode >>> 0).toString(16).toUpperCase()}) ${status.LastSyncErrorMessage ?? ''}`;
  return row(
    [
      cell(label),
      cell(status.WSUSServerName),
      cell(status.WSUSSourceServer),
      behind
        ? cell(`${version} (behind ${parent.SiteCode} at ${parent.SyncCatalogVersion})`, 'number state-failed')
        : cell(version, 'number'),
      cell(
        state === null || state === undefined ? 'Never synchronized' : `${STATE_TEXT[state] ?? 'State'} (${state})`,
        stateClass(state),
      ),
      cell(time(status.LastSyncStateTime)),
      cell(time(status.LastSuccessfulSyncTime)),
      cell(error, 'error'),
      cell(LINK_TEXT[status.ReplicationLinkStatus] ?? ''),
      cell(time(status.NextScheduledSync)),
    ],
    className,
  );
}

/** The child sites below this one, each indented by its depth. */
function childRows(children, parent, depth = 1) {
  return children.flatMap((child) => [
    statusRow(`${'↳ '.repeat(depth)}${child.siteCode}`, child.status, child.statusError ?? 'unknown', 'child', parent),
    ...childRows(child.children ?? [], child.status ?? undefined, depth + 1),
  ]);
}

let children = [];
let ownStatus;
/** The catalog version the form's product and classification options were read at. */
let optionsVersion;
/** The run the settings' next-sync plan was read after. */
let settingsRun;

function renderStatus() {
  if (ownStatus === undefined) return;
  byId('site-name').textContent = `Site ${ownStatus.SiteCode} · ${ownStatus.WSUSServerName}`;
  const body = byId('sup-status').tBodies[0];
  body.replaceChildren(statusRow(ownStatus.SiteCode, ownStatus, null), ...childRows(children, ownStatus));
  const running = ownStatus.Running;
  const queued = ownStatus.Queued;
  byId('progress').hidden = !running && !queued;
  if (running) {
    const pct = running.total > 0 ? Math.floor((running.done * 100) / running.total) : 0;
    byId('progress-phase').textContent = `Run #${running.runId}: ${PHASE_TEXT[running.phase] ?? running.phase}`;
    byId('progress-bar').value = pct;
    const eta = running.etaSeconds === null ? '' : `, ETA in ${running.etaSeconds} s`;
    byId('progress-detail').textContent =
      running.total > 0 ? `processed ${running.done} out of ${running.total} items (${pct}%)${eta}` : '';
  } else if (queued) {
    byId('progress-phase').textContent = `Run #${queued.runId} (${queued.kind}) queued`;
    byId('progress-bar').removeAttribute('value');
    byId('progress-detail').textContent = '';
  }
  if (running && queued) byId('progress-detail').textContent += `; run #${queued.runId} (${queued.kind}) queued next`;
}

function renderRuns(runs) {
  byId('runs').tBodies[0].replaceChildren(
    ...runs.map((r) => {
      const u = r.updates;
      const counts = u
        ? [u.listed, u.downloaded, u.repaired, u.expired, u.removed, u.failed].map((n) => n ?? 0).join(' / ')
        : '';
      return row([
        cell(`#${r.id}`),
        cell(r.state, stateClass(r.state)),
        cell(r.kind),
        cell(r.reason),
        cell(r.requestedBy ? `${r.trigger} (${r.requestedBy})` : r.trigger),
        cell(time(r.startedAt ?? r.queuedAt)),
        cell(duration(r.startedAt, r.finishedAt)),
        cell(counts),
        cell(r.catalogVersion, 'number'),
        cell(r.errorCode ? `${r.errorCode}: ${r.errorMessage ?? ''}` : '', 'error'),
      ]);
    }),
  );
}

function renderMessages(messages) {
  byId('messages').tBodies[0].replaceChildren(
    ...messages.map((m) =>
      row([
        cell(SEVERITY_TEXT[m.severity] ?? m.severity, m.severity === 'E' ? 'state-failed' : undefined),
        cell(m.messageId, 'number'),
        cell(time(m.time)),
        cell(m.runId === undefined ? '' : `#${m.runId}`),
        cell(m.text),
      ]),
    ),
  );
}

const LOG_TYPE_TEXT = { info: 'Information', warning: 'Warning', error: 'Error' };

/** The log's last entries, newest first (the API gives them oldest first, as the file holds them). */
function renderLog(log) {
  byId('log-path').textContent = log.path;
  byId('log').tBodies[0].replaceChildren(
    ...log.items
      .slice()
      .reverse()
      .map((e) =>
        row([
          cell(time(e.time)),
          cell(
            LOG_TYPE_TEXT[e.severity] ?? e.severity,
            e.severity === 'info' ? undefined : `state-${e.severity === 'error' ? 'failed' : 'running'}`,
          ),
          cell(e.message),
        ]),
      ),
  );
}

function renderAlerts(alerts) {
  byId('alerts').replaceChildren(
    ...alerts.map((a) => {
      const div = document.createElement('div');
      div.className = 'alert';
      div.setAttribute('role', 'alert');
      div.textContent = `${a.message} (raised ${time(a.raisedAt)})`;
      return div;
    }),
  );
}

const UPDATES_PAGE = 50;

/** The Any / Yes / No filters of the updates form: GET /updates parameter and label. */
const YES_NO_FILTERS = [
  ['superseded', 'Superseded'],
  ['expired', 'Expired'],
  ['deployed', 'Deployed'],
];

byId('yes-no-filters').replaceChildren(
  ...YES_NO_FILTERS.map(([name, text]) => {
    const select = document.createElement('select');
    select.id = `f-${name}`;
    for (const [value, label] of [
      ['', 'Any'],
      ['true', 'Yes'],
      ['false', 'No'],
    ]) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      select.append(option);
    }
    const wrapper = document.createElement('label');
    wrapper.append(`${text} `, select);
    return wrapper;
  }),
);
let updatesOffset = 0;

/** The filters of the updates form as GET /updates query parameters (empty ones left out). */
function updateFilters() {
  const q = new URLSearchParams();
  const add = (name, id) => {
    const value = byId(id).value.trim();
    if (value !== '') q.set(name, value);
  };
  add('text', 'f-text');
  add('kb', 'f-kb');
  add('productId', 'f-product');
  add('classificationId', 'f-classification');
  add('severity', 'f-severity');
  for (const [name] of YES_NO_FILTERS) add(name, `f-${name}`);
  return q;
}

async function searchUpdates(offset) {
  const q = updateFilters();
  q.set('offset', String(offset));
  q.set('limit', String(UPDATES_PAGE));
  await showResult('updates-summary', 'Searching…', async () => {
    const page = await api(`updates?${q}`);
    updatesOffset = offset;
    const yes = (flag) => (flag ? 'Yes' : '');
    const titled = (u) => {
      const td = document.createElement('td');
      td.append(updateLink(u.CI_UniqueID, u.LocalizedDisplayName));
      return td;
    };
    byId('updates').tBodies[0].replaceChildren(
      ...page.items.map((u) =>
        row([
          cell(u.ArticleID),
          titled(u),
          cell(u.SeverityName),
          cell(u.DatePosted?.slice(0, 10)),
          cell(u.DateRevised?.slice(0, 10)),
          cell(yes(u.IsSuperseded)),
          cell(yes(u.IsExpired)),
          cell(yes(u.IsDeployed)),
        ]),
      ),
    );
    byId('updates-prev').disabled = offset === 0;
    byId('updates-next').disabled = offset + page.items.length >= page.total;
    return page.total === 0
      ? 'No updates match.'
      : `${offset + 1}–${offset + page.items.length} of ${page.total} updates`;
  });
}

/** A button that shows update `id` below the list. */
function updateLink(id, text) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = text;
  button.addEventListener('click', () => showUpdate(id));
  return button;
}

/** The update shown below the list, as GET /updates/{id} last answered. */
let shownUpdate;

/** Shows one update's SMS_SoftwareUpdate fields below the list, with its categories by name. */
async function showUpdate(id) {
  const panel = byId('update-details');
  const found = await showResult('update-result', '', async () => {
    shownUpdate = await api(`updates/${encodeURIComponent(id)}`);
    return '';
  });
  if (!found) {
    panel.hidden = false;
    return;
  }
  const u = shownUpdate;
  const names = (type) =>
    u.CategoryInstance_UniqueIDs.filter((c) => c.startsWith(`${type}:`))
      .map((c) => categories.get(c.slice(type.length + 1))?.LocalizedCategoryInstanceName ?? c.slice(type.length + 1))
      .join(', ');
  const fields = [
    ['Update ID', u.CI_UniqueID],
    ['Revision', u.RevisionNumber],
    ['Article IDs', u.ArticleIDs.join(', ')],
    ['Bulletin IDs', u.BulletinIDs.join(', ')],
    ['Severity', u.SeverityName],
    ['Type', `${u.UpdateType}${u.IsBundle ? ', bundle' : ''}${u.IsFeatureUpdate ? ', feature update' : ''}`],
    ['Products', names('Product')],
    ['Classifications', names('UpdateClassification')],
    ['Date released', time(u.DatePosted)],
    ['Date revised', time(u.DateRevised)],
    ['Superseded', u.IsSuperseded ? 'Yes, by:' : 'No'],
    ['Expired', u.IsExpired ? `Yes, since ${time(u.ExpiredAt)}` : 'No'],
    ['Deployed', u.IsDeployed ? 'Yes' : 'No'],
    ['Publication state', u.PublicationState],
    ['Description', u.LocalizedDescription],
  ];
  byId('update-title').textContent = u.LocalizedDisplayName;
  byId('update-fields').replaceChildren(
    ...fields.flatMap(([name, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = String(value ?? '');
      if (name === 'Superseded') for (const by of u.SupersededBy) dd.append(' ', updateLink(by, by));
      return [dt, dd];
    }),
  );
  byId('update-deployed').textContent = u.IsDeployed ? 'Mark not deployed' : 'Mark deployed';
  panel.hidden = false;
}

/** POST /updates/deployed for the update shown, then shows it and its row again. */
async function toggleDeployed() {
  const u = shownUpdate;
  if (u === undefined) return;
  const marked = await showResult('update-result', '', async () => {
    await api('updates/deployed', {
      method: 'POST',
      body: JSON.stringify({ updateIds: [u.CI_UniqueID], deployed: !u.IsDeployed }),
    });
    return '';
  });
  if (marked) await Promise.all([showUpdate(u.CI_UniqueID), searchUpdates(updatesOffset)]);
}

/** Every category the site holds (GET /categories), by id. */
const categories = new Map();

const byName = (a, b) => a.LocalizedCategoryInstanceName.localeCompare(b.LocalizedCategoryInstanceName);

/**
 * The site's categories: the subscribed products and classifications become the options of the
 * updates form, and all of them the subscription picker. Read again when the catalog version moves
 * (the first sync brings them all).
 */
async function loadCategoryOptions() {
  let items;
  try {
    items = (await api('categories')).items;
  } catch {
    return; // The form still works without them; refresh() reports the connection.
  }
  categories.clear();
  for (const c of items) categories.set(c.CategoryId, c);
  for (const [type, id] of [
    ['Product', 'f-product'],
    ['UpdateClassification', 'f-classification'],
  ]) {
    const options = items
      .filter((c) => c.CategoryTypeName === type && c.IsSubscribed)
      .sort(byName)
      .map((c) => {
        const option = document.createElement('option');
        option.value = c.CategoryId;
        option.textContent = c.LocalizedCategoryInstanceName;
        return option;
      });
    const select = byId(id);
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...options);
    select.value = options.some((o) => o.value === chosen) ? chosen : '';
  }
  renderPicker();
}

const settingInput = (name) => byId('settings').querySelector(`input[name="${name}"]`);

function labelled(text, checked, onChange) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = checked;
  box.addEventListener('change', onChange);
  label.append(box, ` ${text}`);
  return { label, box };
}

/**
 * Checkboxes for the subscription, as the SUP component's Products and Classifications pages show
 * them: the classifications, and the products under their company and product family. Ticking them
 * writes the `products` or `classifications` setting above (GUIDs, or `all`), which *Save changes*
 * sends with the rest; editing that setting by hand redraws them.
 */
function renderPicker() {
  const admin = caller !== undefined && ROLE_RANK[caller.role] >= ROLE_RANK.admin;
  const pick = (key, type, containerId, groupOf) => {
    const input = settingInput(key);
    const container = byId(containerId);
    if (input === null) return container.replaceChildren();
    const value = input.value.trim();
    const chosen = new Set(value === 'all' ? [] : value.split(',').map((s) => s.trim().toLowerCase()));
    const boxes = [];
    const write = () => {
      input.value = all.box.checked
        ? 'all'
        : boxes
            .filter((b) => b.box.checked)
            .map((b) => b.id)
            .join(',');
      for (const b of boxes) b.box.disabled = all.box.checked || !admin;
    };
    const all = labelled(`All, including ${key} added later`, value === 'all', write);
    all.box.disabled = !admin;
    const groups = new Map();
    for (const c of [...categories.values()].filter((x) => x.CategoryTypeName === type).sort(byName)) {
      const item = labelled(c.LocalizedCategoryInstanceName, chosen.has(c.CategoryId), write);
      item.label.className = 'pick';
      item.box.disabled = value === 'all' || !admin;
      boxes.push({ id: c.CategoryId, box: item.box });
      const group = groupOf(c);
      groups.set(group, [...(groups.get(group) ?? []), item.label]);
    }
    const nodes = [all.label];
    for (const group of [...groups.keys()].sort()) {
      if (group !== '') {
        const heading = document.createElement('div');
        heading.className = 'pick-group';
        heading.textContent = group;
        nodes.push(heading);
      }
      nodes.push(...(groups.get(group) ?? []));
    }
    container.replaceChildren(...nodes);
  };
  // A product's group: its company and product family, by the parent each category names.
  const parentName = (id) => categories.get(id)?.LocalizedCategoryInstanceName;
  const parentOf = (id) => categories.get(id)?.ParentCategoryId ?? null;
  pick('classifications', 'UpdateClassification', 'pick-classifications', () => '');
  pick('products', 'Product', 'pick-products', (c) => {
    const family = parentName(c.ParentCategoryId);
    const company = parentName(parentOf(c.ParentCategoryId));
    return [company, family].filter((n) => n !== undefined).join(' › ') || 'Other';
  });
}

/** The settings as last read, to send only what the admin changed. */
let savedSettings = {};

const settingInputs = () => [...byId('settings').querySelectorAll('input')];
const settingsEdited = () => settingInputs().some((input) => input.value !== savedSettings[input.name]);

function describePlan(plan) {
  return `Next synchronization: ${plan.kind} (${plan.reason}).`;
}

/** The settings in the `config set` vocabulary; the values an admin is editing are left alone. */
async function loadSettings() {
  try {
    const answer = await api('settings');
    byId('next-sync').textContent = describePlan(answer.nextSync);
    if (settingsEdited()) return;
    savedSettings = answer.settings;
    byId('settings').tBodies[0].replaceChildren(
      ...Object.entries(answer.settings).map(([key, value]) => {
        const input = document.createElement('input');
        input.name = key;
        input.value = value;
        input.setAttribute('aria-label', key);
        if (key === 'products' || key === 'classifications') input.addEventListener('change', renderPicker);
        const valueCell = document.createElement('td');
        valueCell.append(input);
        return row([cell(key), valueCell, cell(answer.help?.[key])]);
      }),
    );
    applyRole();
    renderPicker();
  } catch (err) {
    byId('next-sync').textContent = err.message;
  }
}

/** Sends the changed settings together (all or none apply); says what the next sync becomes. */
async function saveSettings() {
  await showResult('settings-result', '', async () => {
    const changes = Object.fromEntries(
      settingInputs()
        .filter((input) => input.value !== savedSettings[input.name])
        .map((input) => [input.name, input.value]),
    );
    if (Object.keys(changes).length === 0) return 'Nothing changed.';
    const answer = await api('settings', { method: 'PATCH', body: JSON.stringify(changes) });
    // The site's own spelling of each value (GUIDs for titles, for instance).
    savedSettings = answer.settings;
    for (const input of settingInputs()) input.value = answer.settings[input.name] ?? input.value;
    renderPicker();
    const full = answer.becameFull ? ' This change makes the next synchronization full.' : '';
    byId('next-sync').textContent = describePlan(answer.nextSync);
    return `Saved ${answer.changed.join(', ') || 'nothing new'}. ${describePlan(answer.nextSync)}${full}`;
  });
}

/** Whose token this is ({ name, role }): the controls its role may not use are disabled. */
let caller;

function applyRole() {
  const may = (role) => caller !== undefined && ROLE_RANK[caller.role] >= ROLE_RANK[role];
  byId('caller').textContent = caller === undefined ? '' : `${caller.name} (${caller.role})`;
  for (const id of ['sync-delta', 'sync-full', 'upstream-test', 'sync-stop']) {
    byId(id).disabled = !may('operator');
    byId(id).title = may('operator') ? '' : 'Needs an operator or admin token';
  }
  byId('update-deployed').disabled = !may('operator');
  byId('update-deployed').title = may('operator') ? '' : 'Needs an operator or admin token';
  byId('settings-save').disabled = !may('admin');
  byId('settings-save').title = may('admin') ? '' : 'Needs an admin token';
  for (const input of settingInputs()) input.readOnly = !may('admin');
}

function setConnection(text, bad = false) {
  const el = byId('connection');
  el.textContent = text;
  el.className = bad ? 'error' : '';
}

let timer;
let hierarchyTimer;

/**
 * The run whose event stream (GET /runs/{id}/events) the page reads: its id, the latest progress
 * it sent, and how to stop reading. A run whose stream could not be read is not tried again; the
 * page then asks for the status every second instead.
 */
let followed;
let unfollowable;

/** Splits one server-sent event block into its name and parsed data. */
function parseEvent(block) {
  let event = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  return { event, data: data === '' ? undefined : JSON.parse(data) };
}

function onRunEvent(follow, { event, data }) {
  if (event === 'run') follow.progress = data.progress ?? undefined;
  else if (event === 'phase')
    follow.progress = { runId: data.runId, phase: data.phase, done: 0, total: data.total, etaSeconds: null };
  else if (event === 'progress') follow.progress = data;
  else return;
  if (ownStatus?.Running?.runId === follow.runId && follow.progress !== undefined) {
    ownStatus.Running = follow.progress;
    renderStatus();
  }
  // A new phase has new lines in the log and may have new status messages.
  if (event === 'phase') void refresh();
}

/**
 * Reads the progress of run `runId` as the server sends it, through fetch (EventSource cannot send
 * the token), until the run finishes; then asks for everything again.
 */
async function follow(runId) {
  if (followed?.runId === runId || unfollowable === runId) return;
  followed?.controller.abort();
  const current = { runId, controller: new AbortController(), progress: undefined };
  followed = current;
  let finished = false;
  try {
    const res = await fetch(new URL(`runs/${runId}/events`, API), {
      headers: authorization(),
      signal: current.controller.signal,
    });
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        finished ||= event.event === 'finished';
        onRunEvent(current, event);
      }
    }
  } catch {
    // Aborted (signed out, or another run to follow) or cut off: the status polling carries on.
  }
  if (followed !== current) return;
  followed = undefined;
  if (!finished) unfollowable = runId;
  void refresh();
}

/** Whether a refresh is on its way, and whether another was asked for meanwhile (run once after it). */
let refreshing = false;
let refreshAgain = false;

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    await refreshOnce();
  } finally {
    refreshing = false;
  }
  if (refreshAgain) {
    refreshAgain = false;
    await refresh();
  }
}

async function refreshOnce() {
  clearTimeout(timer);
  try {
    const [statuses, runs, messages, alerts, log] = await Promise.all([
      api('status'),
      api('runs?limit=20'),
      api('status-messages?limit=30'),
      api('alerts?active=true'),
      api('log?lines=100'),
    ]);
    ownStatus = statuses[0];
    const running = ownStatus?.Running;
    if (running) {
      // While its stream is read, the bar shows the stream's progress: a status answer may predate it.
      if (followed?.runId === running.runId && followed.progress !== undefined) ownStatus.Running = followed.progress;
      void follow(running.runId);
    }
    if (ownStatus !== undefined && ownStatus.SyncCatalogVersion !== optionsVersion) {
      optionsVersion = ownStatus.SyncCatalogVersion;
      void loadCategoryOptions();
    }
    // What the next sync will be changes with each run (the first is full, then delta).
    const lastRun = `${ownStatus?.LastRunId}/${ownStatus?.LastSyncState}`;
    if (lastRun !== settingsRun) {
      settingsRun = lastRun;
      void loadSettings();
    }
    renderStatus();
    renderRuns(runs.items);
    renderMessages(messages.items);
    renderAlerts(alerts.items);
    renderLog(log);
    setConnection(`Connected · updated ${new Date().toLocaleTimeString()}`);
    const streaming = running && followed?.runId === running.runId;
    timer = setTimeout(refresh, streaming ? FOLLOWING_MS : running || ownStatus?.Queued ? BUSY_MS : IDLE_MS);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut(`Signed out: ${err.message}`);
    setConnection(`Not connected: ${err.message}`, true);
    timer = setTimeout(refresh, IDLE_MS);
  }
}

/** Every site below this one, asked of each (slow when a child does not answer): on its own timer. */
async function refreshHierarchy() {
  clearTimeout(hierarchyTimer);
  try {
    children = (await api('hierarchy')).children;
    renderStatus();
  } catch {
    // The status table keeps the last answer; refresh() reports the connection.
  }
  hierarchyTimer = setTimeout(refreshHierarchy, HIERARCHY_MS);
}

/**
 * Runs `work` and says what came of it in the line `id` (a section's result or summary line): the
 * text `work` returns, or its error, marked as one. `pending` is shown meanwhile. Resolves to
 * whether `work` succeeded.
 */
async function showResult(id, pending, work) {
  const line = byId(id);
  line.className = '';
  line.textContent = pending;
  try {
    line.textContent = await work();
    return true;
  } catch (err) {
    line.textContent = err.message;
    line.className = 'error';
    return false;
  }
}

async function requestSync(full) {
  await showResult('action-result', '', async () => {
    const a = await api('sync', { method: 'POST', body: JSON.stringify({ full }) });
    return a.coalesced
      ? `Joined sync #${a.runId} (${a.kind}), which is ${a.state}`
      : `Sync #${a.runId} ${a.state} (${a.kind})`;
  });
  await refresh();
}

/**
 * Stops the running sync at its next safe point, or the queued one when none runs
 * (POST /runs/{id}/cancel), as WSUS's *Stop Synchronization* does.
 */
async function stopSync() {
  const runId = ownStatus?.Running?.runId ?? ownStatus?.Queued?.runId;
  if (runId === undefined) return;
  await showResult('action-result', '', async () => {
    const run = await api(`runs/${runId}/cancel`, { method: 'POST', body: '{}' });
    return run.state === 'cancelled' ? `Sync #${runId} cancelled` : `Sync #${runId} stops at its next safe point`;
  });
  await refresh();
}

/** The first exchange of a sync with the upstream, once (POST /upstream/test), and what came of it. */
async function testUpstream() {
  await showResult('action-result', 'Testing the upstream connection…', async () => {
    const c = await api('upstream/test', { method: 'POST', body: '{}' });
    if (!c.ok)
      throw new Error(
        `Upstream ${c.upstreamUrl} failed after ${c.elapsedMs} ms: ${c.error?.code}: ${c.error?.message}`,
      );
    const protocol = c.protocolVersion === undefined ? '' : `protocol ${c.protocolVersion}, `;
    return `Upstream ${c.upstreamUrl} answered in ${c.elapsedMs} ms (${protocol}${c.maxUpdatesPerRequest} updates per request)`;
  });
}

function showConsole(signedIn) {
  byId('sign-in').hidden = signedIn;
  byId('console').hidden = !signedIn;
  byId('sign-out').hidden = !signedIn;
}

function signOut(why = '') {
  clearTimeout(timer);
  clearTimeout(hierarchyTimer);
  followed?.controller.abort();
  followed = undefined;
  unfollowable = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  children = [];
  ownStatus = undefined;
  caller = undefined;
  byId('caller').textContent = '';
  optionsVersion = undefined;
  settingsRun = undefined;
  savedSettings = {};
  byId('settings').tBodies[0].replaceChildren();
  byId('settings-result').textContent = '';
  byId('site-name').textContent = '';
  byId('updates').tBodies[0].replaceChildren();
  byId('updates-summary').textContent = '';
  byId('update-details').hidden = true;
  shownUpdate = undefined;
  categories.clear();
  renderPicker();
  setConnection('');
  byId('sign-in-error').textContent = why;
  showConsole(false);
}

async function start() {
  try {
    caller = await api('tokens/current');
  } catch (err) {
    signOut(
      err instanceof ApiError && err.status === 401
        ? `This site did not accept that token (${err.code}).`
        : err.message,
    );
    return;
  }
  byId('sign-in-error').textContent = '';
  applyRole();
  showConsole(true);
  await Promise.all([refresh(), refreshHierarchy(), searchUpdates(0)]);
}

byId('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, byId('token').value.trim());
  byId('token').value = '';
  await start();
});
byId('sign-out').addEventListener('click', () => signOut());
byId('settings-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void saveSettings();
});
byId('updates-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void searchUpdates(0);
});
byId('updates-prev').addEventListener('click', () => searchUpdates(Math.max(0, updatesOffset - UPDATES_PAGE)));
byId('updates-next').addEventListener('click', () => searchUpdates(updatesOffset + UPDATES_PAGE));
byId('sync-delta').addEventListener('click', () => requestSync(false));
byId('sync-full').addEventListener('click', () => requestSync(true));
byId('upstream-test').addEventListener('click', () => testUpstream());
byId('sync-stop').addEventListener('click', () => stopSync());
byId('update-deployed').addEventListener('click', () => toggleDeployed());

if (sessionStorage.getItem(TOKEN_KEY)) void start();
else showConsole(false);
