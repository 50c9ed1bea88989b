// The reorder list from GET /api/v1/recommendations, sorted by the API by predicted stock-out date: what a buyer
// decides on, in words, with the CSV link for the full rows. An aggregator without that endpoint answers 404 and
// this view says so.
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
      // What a buyer decides on, in words; the full row (intervals, lead time, service level, run) is in the CSV.
      const fixed = (v, d = 1) => (v === null || v === undefined ? '—' : Number(v).toFixed(d));
      const columns = [
        ['Store', r => r.storeId],
        ['SKU', r => r.sku],
        ['Reorder now', r => (r.reorderNow ? 'yes' : 'no')],
        ['Runs out', r => r.predictedStockoutDate ?? `not within ${r.horizonDays} days`],
        ['On hand', r => fixed(r.onHand, 0)],
        ['Demand per day', r => `${fixed(r.forecastPerDay, 2)} (${fixed(r.forecastLow, 2)}–${fixed(r.forecastHigh, 2)})`],
        ['Reorder point', r => fixed(r.reorderPoint)],
        ['Safety stock', r => fixed(r.safetyStock)],
        ['Order up to', r => fixed(r.orderUpTo)],
        ['Order quantity', r => `${fixed(r.orderQuantity, 0)}` + (r.packSize > 1 ? ` (packs of ${r.packSize})` : '')],
        ['Based on', r => `${r.method}, ${r.demandSource === 'pos' ? 'sales' : r.demandSource === 'shelfCounts' ? 'shelf counts' : 'no history'}, ${r.historyDays} days` + (r.censoredDays ? `, ${r.censoredDays} out-of-stock days treated` : '')],
        ['Note', r => r.fallback ?? ''],
      ];
      const table = document.createElement('table');
      table.className = 'grid';
      const head = table.createTHead().insertRow();
      for (const [name] of columns) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = name;
        head.appendChild(th);
      }
      const tbody = table.createTBody();
      for (const r of rows) {
        const tr = tbody.insertRow();
        if (r.reorderNow) {
          tr.className = 'reorder-now';
        }
        for (const [, value] of columns) {
          tr.insertCell().textContent = cell(value(r));
        }
      }
      const csv = Object.assign(document.createElement('a'), { href: '/api/v1/recommendations?' + new URLSearchParams([...api, ['format', 'csv']]), textContent: 'Download as CSV' });
      holder.replaceChildren(Object.assign(document.createElement('p'), { textContent: `${rows.length} recommendations.` }), csv, table);
    }
  }
} catch {
  say('Could not load recommendations: the aggregator cannot be reached.', 'error');
}
