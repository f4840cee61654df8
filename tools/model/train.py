"""Step 3: train the GPT-2 on the token files of tokenize.mjs, one CPU thread, for a fixed
wall-clock budget (cosine learning-rate schedule over that budget), then save HF-named .bin weights.

usage: OMP_NUM_THREADS=1 /usr/bin/python3 tools/model/train.py OUT_DIR [--minutes 90]
         [--init DIR --init-layers 4 --init-positions 128]   grow from a smaller checkpoint (v0)
         [--layers 8 --embd 128 --heads 4 --positions 512] [--lr 2.5e-3]
         [--mix v0=0.55,prose=0.3,code=0.15] [--tokens tools/model/work/tokens] [--short-every 4]
         [--warmup 100] [--min-lr-frac 0.1]
Continued training (same shape): --init DIR --init-layers 8 --init-positions 512 loads DIR as is
(e.g. weights read back out of an exported model.onnx by onnx-to-bins.mjs).
Each step is 2048 tokens: 4 x 512, except every --short-every-th step, which is 16 x 128
(--short-every 0: always 4 x 512, so that positions 128-511 get every step). Sequences are drawn
from the categories' train files with the --mix probabilities. Writes OUT_DIR/train_log.json and,
every --save-every minutes, a checkpoint to OUT_DIR (so a stopped run still leaves weights).
"""
import argparse, json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import GPT2, grow_from

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--tokens', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'work', 'tokens'))
ap.add_argument('--minutes', type=float, default=90)
ap.add_argument('--max-steps', type=int, default=0)
ap.add_argument('--init'); ap.add_argument('--init-layers', type=int, default=4); ap.add_argument('--init-positions', type=int, default=128)
ap.add_argument('--layers', type=int, default=8); ap.add_argument('--embd', type=int, default=128)
ap.add_argument('--heads', type=int, default=4); ap.add_argument('--positions', type=int, default=512)
ap.add_argument('--lr', type=float, default=2.5e-3); ap.add_argument('--warmup', type=int, default=100)
ap.add_argument('--mix', default='v0=0.55,prose=0.3,code=0.15')
ap.add_argument('--eval-every', type=int, default=200); ap.add_argument('--save-every', type=float, default=15)
ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--short-every', type=int, default=4, help='every Nth step is 16 x 128 (0: never)')
ap.add_argument('--min-lr-frac', type=float, default=0.1, help='cosine schedule ends at lr * this')
a = ap.parse_args()

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
torch.manual_seed(a.seed)
rng = np.random.RandomState(a.seed)
V = 50257

mix = {k: float(v) for k, v in (kv.split('=') for kv in a.mix.split(','))}
load = lambda name: np.fromfile(os.path.join(a.tokens, name + '.bin'), dtype=np.uint16).astype(np.int64)
train = {k: load(k + '.train') for k in mix}
val = {'v0-split': load('val-v0.v0'), 'new-prose': load('val-new.prose'), 'new-code': load('val-new.code')}
cats, probs = list(mix), np.array([mix[k] for k in mix]) / sum(mix.values())

m = GPT2(vocab=V, positions=a.positions, embd=a.embd, layers=a.layers, heads=a.heads)
if a.init:
    grow_from(m, a.init, a.init_layers, a.init_positions)
n_params = sum(p.numel() for p in m.parameters())
print(json.dumps(dict(params=n_params, train_tokens={k: len(v) for k, v in train.items()},
                      val_tokens={k: len(v) for k, v in val.items()})), flush=True)

decay = [p for p in m.parameters() if p.dim() == 2]
no_decay = [p for p in m.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                        lr=a.lr, betas=(0.9, 0.95))


def sample(data, n, ctx, r):
    ix = r.randint(0, len(data) - ctx - 1, n)
    x = np.stack([data[i:i + ctx] for i in ix])
    y = np.stack([data[i + 1:i + 1 + ctx] for i in ix])
    return torch.from_numpy(x), torch.from_numpy(y)


def batch(step):
    short = a.short_every > 0 and step % a.short_every == a.short_every - 1
    n, ctx = (16, 128) if short else (4, a.positions)
    picks = rng.choice(len(cats), n, p=probs)
    xs, ys = zip(*(sample(train[cats[c]], 1, ctx, rng) for c in picks))
    return torch.cat(xs), torch.cat(ys)


@torch.no_grad()
def evaluate(seqs=8):
    """mean loss (nats/token) over fixed random 512-token windows of each validation set"""
    m.eval()
    res = {}
    for k, data in val.items():
        x, y = sample(data, seqs, min(a.positions, len(data) - 2), np.random.RandomState(123))
        res[k] = round(sum(F.cross_entropy(m(x[i:i + 4]).view(-1, V), y[i:i + 4].reshape(-1)).item()
                           for i in range(0, seqs, 4)) / (seqs // 4), 4)
    m.train()
    return res


budget = a.minutes * 60
log = []
t0 = time.time()
rec = dict(step=0, sec=0, val=evaluate())
log.append(rec); print(json.dumps(rec), flush=True)
step, last_save, tokens = 0, time.time(), 0
while True:
    el = time.time() - t0
    if el > budget or (a.max_steps and step >= a.max_steps):
        break
    lr = a.lr * min(1.0, (step + 1) / a.warmup) * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, el / budget))))
    for g in opt.param_groups:
        g['lr'] = lr
    x, y = batch(step)
    loss = F.cross_entropy(m(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()
    step += 1
    tokens += x.numel()
    if step % 25 == 0:
        rec = dict(step=step, sec=round(time.time() - t0), lr=round(lr, 6), train_loss=round(loss.item(), 4))
        if step % a.eval_every == 0:
            rec['val'] = evaluate()
        log.append(rec); print(json.dumps(rec), flush=True)
    if time.time() - last_save > a.save_every * 60:
        m.save(a.out); last_save = time.time()

final = evaluate(16)
summary = dict(args=vars(a), params=n_params, steps=step, tokens_seen=tokens, train_sec=round(time.time() - t0),
               final_val=final, log=log)
print(json.dumps(dict(final_val=final, steps=step, tokens_seen=tokens, sec=summary['train_sec'])), flush=True)
m.save(a.out)
json.dump(summary, open(os.path.join(a.out, 'train_log.json'), 'w'), indent=1)
