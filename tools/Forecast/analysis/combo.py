import os
import csv, sys, itertools, numpy as np
from collections import defaultdict
DATA=os.environ.get('M3', '../shared/data/forecasting/m3_long.csv')
def load_series(holdout=True):
    tr=defaultdict(list); te=defaultdict(list); per={}
    for r in csv.DictReader(open(DATA)):
        per[r['id']]=r['period']
        (tr if r['part']=='train' else te)[r['id']].append(float(r['y']))
    out={}
    for i in per:
        H=len(te[i]); x=tr[i]
        if holdout:
            if len(x)<=H+3: continue
            x,y=x[:-H],x[-H:]
        else: y=te[i]
        m={'MONTHLY':12,'QUARTERLY':4}.get(per[i],1)
        sc=np.mean(np.abs(np.diff(np.array(x)[::1][0:],n=0)[m:]-np.array(x)[:-m]))
        out[i]=(per[i],np.array(y),sc)
    return out
def load_series_at(origin, group_nonseasonal=False):
    """Training parts with the horizon `origin` horizons back held out (as `eval --holdout --holdout-origins`):
    id -> (period, actuals, MASE scale); YEARLY and OTHER become 'G' when group_nonseasonal."""
    tr=defaultdict(list); te=defaultdict(list); per={}
    for r in csv.DictReader(open(DATA)):
        per[r['id']]=r['period']; (tr if r['part']=='train' else te)[r['id']].append(float(r['y']))
    out={}
    for i in per:
        H=len(te[i]); x=tr[i]
        if len(x)<=origin*H+3: continue
        end=len(x)-(origin-1)*H; y=x[end-H:end]; x=x[:end-H]
        m={'MONTHLY':12,'QUARTERLY':4}.get(per[i],1)
        sc=np.mean(np.abs(np.array(x[m:])-np.array(x[:-m])))
        p='G' if group_nonseasonal and per[i] in ('YEARLY','OTHER') else per[i]
        out[i]=(p,np.array(y),sc)
    return out
def load_fc(path, series):
    fc=defaultdict(dict)
    for r in csv.DictReader(open(path)):
        fc[r['method']].setdefault(r['id'],[]).append(float(r['forecast']))
    return {k:{i:np.array(v) for i,v in d.items()} for k,d in fc.items()}
def load_r(path, name, fc):
    d={}
    for r in csv.DictReader(open(path)):
        d.setdefault(r['id'],[]).append(float(r['forecast']) if r['forecast'].strip() not in ('NA','') else np.nan)
    fc[name]={i:np.array(v) for i,v in d.items()}
def smape(y,f):
    den=np.abs(y)+np.abs(f); return np.mean(np.where(den>0,200*np.abs(y-f)/np.where(den>0,den,1),0))
def score(series, fcs, ids=None, agg='mean'):
    res=defaultdict(lambda:[[],[]])
    for i,(p,y,sc) in series.items():
        if ids is not None and i not in ids: continue
        F=np.array([f[i] for f in fcs])
        f=F.mean(0) if agg=='mean' else np.median(F,0)
        s=smape(y,f); ma=np.mean(np.abs(y-f))/sc
        for k in (p,'ALL'): res[k][0].append(s); res[k][1].append(ma)
    return {k:(np.mean(v[0]),np.nanmean(v[1])) for k,v in res.items()}  # MASE is undefined (NaN) for histories shorter than the lag, as in the C# evaluator
