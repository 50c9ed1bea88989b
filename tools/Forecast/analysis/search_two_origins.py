import os; exec(open(os.path.join(os.path.dirname(__file__), 'combo.py')).read())
O=[(load_series_at(1,True),load_fc('holdout_origin1.csv',None)),(load_series_at(2,True),load_fc('holdout_origin2.csv',None))]
members=['ets','theta','otm','damped','naive2','sa-damped','arima']
prev={'G':('mean','ets+theta+damped+otm'),'QUARTERLY':('mean','ets+theta'),'MONTHLY':('mean','ets+theta+otm')}
tot={}
for g in ['G','QUARTERLY','MONTHLY']:
    rows=[]
    for k in range(1,6):
        for c in itertools.combinations(members,k):
            if g=='G' and 'sa-damped' in c: continue
            for agg in (['mean'] if k<3 else ['mean','median']):
                rs=[score(S,[fc[m] for m in c],None,agg)[g] for S,fc in O]
                rows.append((np.mean([r[0] for r in rs]),np.mean([r[1] for r in rs]),rs[0][0],rs[1][0],agg,'+'.join(c)))
    rows.sort()
    print(g)
    for r in rows[:6]: print('  %.3f %.3f (o1 %.3f o2 %.3f) %s %s'%r)
    for r in rows:
        if (r[4],r[5])==prev[g]: print('  prev %.3f %.3f (o1 %.3f o2 %.3f) %s %s'%r)
