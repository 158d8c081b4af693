"""
Issue 12 study: does blending the autoencoder default with the PCA default score help on the tune half?
Offline, from the per-row test scores of two bench/peers/run-latentflow.ts result files (c-base and lf-pca,
same splits). Each score is divided by its median over the scored rows (an unlabeled statistic; a product
blend would use the training rows) or ranked, then combined.

Run: .cache/bench-venv/bin/python bench/studies/blend-pca.py
"""
import json, numpy as np, pyarrow.parquet as pq, statistics as st
from sklearn.metrics import roc_auc_score, average_precision_score
base='.cache/bench-results/tune3/'
rs={}
for f in ['scale-base-std.json','pca.json']:
  for r in json.load(open(base+f))['results']: rs[(r['dataset'],r['seed'],r['method'])]=r
data='.cache/bench-data/tune3'
res={}
for (ds,seed,m),r in sorted(rs.items()):
  if m!='c-base': continue
  y=pq.read_table(f'{data}/{ds}/seed-{seed}/test.parquet')['label'].to_numpy()
  a=np.array(r['scores'],float); b=np.array(rs[(ds,seed,'lf-pca')]['scores'],float)
  # normalise each by its median over the scored rows (an unlabeled statistic; the product would use training rows)
  an=a/np.median(a); bn=b/np.median(b)
  ra=np.argsort(np.argsort(a))/len(a); rb=np.argsort(np.argsort(b))/len(b)
  for name,s in [('ae',a),('pca',b),('med-blend',0.5*an+0.5*bn),('med-0.25pca',0.75*an+0.25*bn),('rank-blend',ra+rb),('max-med',np.maximum(an,bn))]:
    res.setdefault(name,{}).setdefault(ds,[]).append((roc_auc_score(y,s),average_precision_score(y,s)))
sets=sorted({k for v in res.values() for k in v})
print('method', ' '.join(s[:8] for s in sets))
for name,v in res.items():
  aucs=[st.mean(x[0] for x in v[s]) for s in sets]; aps=[st.mean(x[1] for x in v[s]) for s in sets]
  print(f'{name:12s}', ' '.join(f'{x:.3f}' for x in aucs), f'| mean {st.mean(aucs):.3f} ap {st.mean(aps):.3f}')
