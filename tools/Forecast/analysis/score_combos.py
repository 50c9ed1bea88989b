"""Scores named combinations of dumped holdout forecasts at the two origins, per category.

usage (from the repository root, M3=path of m3_long.csv if not ../shared/data/forecasting/m3_long.csv):
  tools/edgeinv forecast eval --data $M3 --methods ets-aicw,dotm,theta --holdout --holdout-origins 1 --dump o1.csv
  tools/edgeinv forecast eval --data $M3 --methods ets-aicw,dotm,theta --holdout --holdout-origins 2 --dump o2.csv
  python3 tools/Forecast/analysis/score_combos.py o1.csv o2.csv ets-aicw+dotm+theta median:ets-aicw+dotm+theta ...
a+b is the mean of a and b; median:a+b+c their median. Prints sMAPE/MASE per origin and category.
"""
import os; exec(open(os.path.join(os.path.dirname(__file__), 'combo.py')).read())
origins=[(load_series_at(k+1), load_fc(path, None)) for k, path in enumerate(sys.argv[1:3])]
periods=['ALL','YEARLY','QUARTERLY','MONTHLY','OTHER']
print('%-36s %-6s ' % ('combination', 'origin') + ' '.join('%15s' % p for p in periods))
for name in sys.argv[3:]:
    agg='median' if name.startswith('median:') else 'mean'
    members=name.split(':')[-1].split('+')
    for k, (series, fc) in enumerate(origins):
        r=score(series, [fc[m] for m in members], None, agg)
        print('%-36s %-6d ' % (name, k+1) + ' '.join('%7.2f / %5.3f' % r[p] for p in periods))
