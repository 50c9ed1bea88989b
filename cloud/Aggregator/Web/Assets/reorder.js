// The reorder list from GET /api/v1/recommendations (issue 12, item 6), rendered from whatever fields its rows
// carry. Until that endpoint exists it answers 404 and this view says so.
const holder = document.getElementById('reorder');
const query = new URLSearchParams(location.search);
for (const name of ['store', 'sku']) {
  document.getElementById(name).value = query.get(name) ?? '';
}
const api = new URLSearchParams();
for (const name of ['store', 'sku']) {
  if (query.get(name)) {
    api.set(name, query.get(name));
  }
}

function say(text, cls) {
  holder.replaceChildren(Object.assign(document.createElement('p'), { textContent: text, className: cls }));
}

function cell(value) {
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

try {
  const response = await fetch('/api/v1/recommendations' + (api.size ? '?' + api : ''), { headers: { Accept: 'application/json' } });
  if (response.status === 404) {
    const problem = await response.json().catch(() => null);
    say(problem?.detail ?? 'Reorder recommendations are not available yet on this aggregator: the forecasting run has not been installed. This view lists them once it is.', 'empty');
  } else if (!response.ok) {
    const problem = await response.json().catch(() => null);
    say(`Could not load recommendations: ${problem?.detail ?? response.statusText} (${response.status}).`, 'error');
  } else {
    const rows = await response.json();
    if (!Array.isArray(rows) || rows.length === 0) {
      say('Nothing to reorder now.', 'empty');
    } else {
      const columns = [...new Set(rows.flatMap(r => Object.keys(r)))];
      const table = document.createElement('table');
      table.className = 'grid';
      const head = table.createTHead().insertRow();
      for (const c of columns) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = c;
        head.appendChild(th);
      }
      const tbody = table.createTBody();
      for (const r of rows) {
        const tr = tbody.insertRow();
        for (const c of columns) {
          tr.insertCell().textContent = cell(r[c]);
        }
      }
      const csv = Object.assign(document.createElement('a'), { href: '/api/v1/recommendations?' + new URLSearchParams([...api, ['format', 'csv']]), textContent: 'Download as CSV' });
      holder.replaceChildren(Object.assign(document.createElement('p'), { textContent: `${rows.length} recommendations.` }), csv, table);
    }
  }
} catch {
  say('Could not load recommendations: the aggregator cannot be reached.', 'error');
}
