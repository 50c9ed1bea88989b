import os; exec(open(os.path.join(os.path.dirname(__file__), 'combo.py')).read())
def load_series_o(k):
    tr=defaultdict(list); te=defaultdict(list); per={}
    for r in csv.DictReader(open(DATA)):
        per[r['id']]=r['period']; (tr if r['part']=='train' else te)[r['id']].append(float(r['y']))
    out={}
    for i in per:
        H=len(te[i]); x=tr[i]
        if len(x)<=k*H+3: continue
        end=len(x)-(k-1)*H; y=x[end-H:end]; x=x[:end-H]
        m={'MONTHLY':12,'QUARTERLY':4}.get(per[i],1)
        sc=np.mean(np.abs(np.array(x[m:])-np.array(x[:-m])))
        out[i]=('G' if per[i] in ('YEARLY','OTHER') else per[i],np.array(y),sc)
    return out
O=[(load_series_o(1),load_fc('holdout_origin1.csv',None)),(load_series_o(2),load_fc('holdout_origin2.csv',None))]
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
