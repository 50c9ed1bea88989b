// The operator inbox, live: alert transitions arrive on /api/v1/events (the sign-in cookie authenticates it);
// each changed row is fetched as server-rendered HTML from /alerts/rows/{id}; actions go to the REST API.
const table = document.getElementById('inbox');
const body = table.tBodies[0];
const live = document.getElementById('live-status');
const errors = document.getElementById('inbox-error');
const empty = document.getElementById('inbox-empty');
const bulk = document.getElementById('bulk');
const bySeverity = table.dataset.sort === 'severity';

function rowOf(id) {
  return [...body.rows].find(r => r.dataset.alertId === id);
}

function order() {
  const rows = [...body.rows];
  rows.sort((a, b) => (a.dataset.snoozed - b.dataset.snoozed)
    || (bySeverity ? b.dataset.rank - a.dataset.rank : 0)
    || (b.dataset.opened - a.dataset.opened));
  rows.forEach(r => body.appendChild(r));
  empty.hidden = rows.length > 0;
  countSelected();
}

function remove(id) {
  const row = rowOf(id);
  if (row) {
    if (row.contains(document.activeElement)) {
      table.focus();
    }
    row.remove();
  }
  order();
}

async function refresh(id) {
  const response = await fetch('/alerts/rows/' + encodeURIComponent(id), { headers: { Accept: 'text/html' }, redirect: 'manual' });
  if (response.status === 404) {
    remove(id);
    return;
  }
  if (!response.ok) {
    errors.textContent = response.type === 'opaqueredirect'
      ? 'You are signed out: sign in again to keep the inbox up to date.'
      : `Could not update alert ${id}: the server answered ${response.status}.`;
    return;
  }
  const holder = document.createElement('tbody');
  holder.innerHTML = await response.text();
  const fresh = holder.firstElementChild;
  const old = rowOf(id);
  if (old) {
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    const pick = fresh.querySelector('.pick');
    if (pick) {
      pick.checked = old.querySelector('.pick')?.checked ?? false;
    }
    old.replaceWith(fresh);
    if (focused?.name) {
      fresh.querySelector(`[name="${focused.name}"]`)?.focus();
    }
  } else {
    body.prepend(fresh);
  }
  order();
}

async function act(ids, action, comment, minutes) {
  errors.textContent = '';
  for (const id of ids) {
    const payload = action === 'snooze' ? { minutes: Number(minutes), comment } : { comment };
    let response;
    try {
      response = await fetch(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload),
      });
    } catch {
      errors.textContent = `Could not ${action} the alert: the aggregator cannot be reached.`;
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      errors.textContent = `Could not ${action} the alert: ${problem?.detail ?? response.statusText}.`;
      continue;
    }
    if (action === 'resolve') {
      remove(id);
    } else {
      await refresh(id);
    }
  }
}

body.addEventListener('submit', e => {
  e.preventDefault();
  const form = e.target;
  act([form.dataset.id], e.submitter?.value ?? 'acknowledge', form.elements.comment.value.trim(), form.elements.minutes.value);
});

function countSelected() {
  if (!bulk) {
    return;
  }
  const n = body.querySelectorAll('.pick:checked').length;
  document.getElementById('selected-count').textContent = `${n} selected`;
  document.getElementById('select-all').checked = n > 0 && n === body.rows.length;
}

if (bulk) {
  bulk.addEventListener('submit', e => {
    e.preventDefault();
    const ids = [...body.querySelectorAll('.pick:checked')].map(c => c.value);
    if (ids.length === 0) {
      errors.textContent = 'Select one or more alerts first.';
      return;
    }
    act(ids, e.submitter?.value ?? 'acknowledge', bulk.elements.comment.value.trim(), bulk.elements.minutes.value);
  });
  document.getElementById('select-all').addEventListener('change', e => {
    body.querySelectorAll('.pick').forEach(c => { c.checked = e.target.checked; });
    countSelected();
  });
  body.addEventListener('change', e => {
    if (e.target.classList.contains('pick')) {
      countSelected();
    }
  });
}

function ago(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  return m < 1 ? `${s} s` : h < 1 ? `${m} min` : d < 1 ? `${h} h ${m % 60} min` : `${d} d ${h % 24} h`;
}

setInterval(() => {
  const now = Date.now();
  body.querySelectorAll('.lasted').forEach(el => { el.textContent = ago(now - Number(el.dataset.since)); });
}, 30000);

const events = new EventSource('/api/v1/events');
events.onopen = () => { live.textContent = 'Live: new alerts appear here as they happen.'; };
events.onerror = () => {
  live.textContent = events.readyState === EventSource.CLOSED
    ? 'Live updates stopped (signed out or the key was withdrawn): reload the page to sign in again.'
    : 'Live updates interrupted: reconnecting…';
};
events.addEventListener('alert', e => {
  const { alert } = JSON.parse(e.data);
  if (alert.state === 'resolved') {
    remove(alert.id);
  } else {
    refresh(alert.id);
  }
});
order();
table.tabIndex = -1;
