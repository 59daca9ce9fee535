#!/usr/bin/env python3
"""A PyTorch replica of lorascope's stage-0 backbone on a PESO dataset's block 0, to try model
changes in minutes before building them into the engine (Docs/Results.md, "Does the model beat
counting?"). It follows Docs/Design.md §1 and §4.3: a Llama decoder (RMSNorm, RoPE, SwiGLU) over
BOS + each item's code tokens, windows packed from the end of each user's train list
(previous + current[:-2]), CE on the target items' code tokens only, AdamW with warm-up and cosine
decay to 0.1 of the peak, gradient clipping at 1. It scores NDCG@5 on the validation item
(current[-2]) of evenly spaced block-0 users with a constrained beam search over the code trie that
never completes a history item (Docs/Design.md §5), the users `Scripts/data/counting_baselines.py`
would pick for the same count.

Options beyond the engine's: --item-tok 1 adds an input-only item token after each item's codes
(an item-level embedding the output never predicts), --itok-drop P zeroes it with probability P
while training; --item-add 1 instead adds an item embedding to every code token's input (zero
while the target's codes are decoded). A test-time tool (torch), never a dependency of lorascope.

  python3 Scripts/experiments/backbone_replica.py --epochs 6 --eval-users 3000 --eval-every 2
"""
import json, math, os, random, sys, time, argparse, collections, glob
import torch, torch.nn as nn, torch.nn.functional as F
p = argparse.ArgumentParser()
p.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Assets', 'Data', 'Video_Games_cl_0.6_0_5_3_0'))
p.add_argument('--d', type=int, default=128); p.add_argument('--layers', type=int, default=4)
p.add_argument('--heads', type=int, default=4); p.add_argument('--ffn', type=int, default=344)
p.add_argument('--drop', type=float, default=0.0)
p.add_argument('--lr', type=float, default=3e-3); p.add_argument('--wd', type=float, default=0.01)
p.add_argument('--epochs', type=int, default=6); p.add_argument('--bs', type=int, default=32)
p.add_argument('--hist', type=int, default=20); p.add_argument('--beam', type=int, default=10)
p.add_argument('--eval-users', type=int, default=6000); p.add_argument('--seed', type=int, default=0)
p.add_argument('--item-tok', type=int, default=0)  # 1: each item = its codes + an item token (input only)
p.add_argument('--item-add', type=int, default=0)  # 1: item embedding added to every code token's input
p.add_argument('--threads', type=int, default=2); p.add_argument('--warm', type=float, default=0.05)
p.add_argument('--eval-every', type=int, default=1); p.add_argument('--itok-drop', type=float, default=0.0)
a = p.parse_args(); print(vars(a), flush=True)
torch.set_num_threads(a.threads); torch.manual_seed(a.seed); random.seed(a.seed)
name = glob.glob(a.data + '/*.block_0.json')[0].rsplit('.all.block_0.json', 1)[0]
blk0 = json.load(open(name + '.all.block_0.json'))
idx = json.load(open(glob.glob(name + '.index*.json')[0]))
L = 4
def code(s): return int(s.split('_')[1].rstrip('>'))
K = max(code(c) for v in idx.values() for c in v) + 1
VC = 3 + L * K                      # code vocabulary (the output)
items = list(idx); iid = {it: i for i, it in enumerate(items)}; NI = len(items)
V = VC + (NI if a.item_tok else 0)  # input vocabulary
toks = {it: [3 + l * K + code(c) for l, c in enumerate(idx[it])] for it in items}
users = [(v['previous_block'] + v['current_block'], len(v['previous_block'])) for v in blk0.values() if len(v['current_block']) >= 3]
S = L + (1 if a.item_tok else 0)  # tokens per item
def item_tokens(it): return toks[it] + ([VC + iid[it]] if a.item_tok else [])
def encode(its):
    t = [1]; ii = [-1]
    for it in its: t += item_tokens(it); ii += [iid[it]] * S
    return t, ii
# training windows, packed as lorascope packs them (Docs/Design.md §4.3)
train = []
for full, npv in users:
    tr = full[:-2]; first = max(npv, 1); end = len(tr) - 1
    while end >= first:
        s = max(0, end - a.hist); train.append((tr[s:end + 1], max(first, s + 1) - s)); end = s
def seq(its, ft):
    t, ii = encode(its); inp = t[:-1]; lab = t[1:]; iin = ii[:-1]
    y = []
    for pp in range(len(lab)):
        j = pp // S  # item index of token pp+1 (token 0 is BOS)
        isc = (pp % S) < L  # token pp+1 is a code token
        y.append(lab[pp] if (j >= ft and isc) else -100)
    return inp, y, iin
trainseq = [seq(w, ft) for w, ft in train]
print('windows', len(trainseq), 'targets', sum(sum(1 for x in l if x >= 0) for _, l, _ in trainseq) // L, flush=True)
m = a.eval_users; valu = [users[i * len(users) // m] for i in range(m)]
# trie: node ids per level, child table [nodes_l, K] -> node id at level l+1 (or -1)
child = []; nodes = {(): 0}; level_nodes = [{(): 0}]
for l in range(L):
    nxt = {}
    for it in items:
        pf = tuple(toks[it][:l + 1])
        if pf not in nxt: nxt[pf] = len(nxt)
    tab = torch.full((len(level_nodes[l]), K), -1, dtype=torch.long)
    for pf, nid in nxt.items(): tab[level_nodes[l][pf[:-1]], pf[-1] - 3 - l * K] = nid
    child.append(tab); level_nodes.append(nxt)
leaf_of = {tuple(toks[it]): level_nodes[L][tuple(toks[it])] for it in items}

class RMS(nn.Module):
    def __init__(s, d): super().__init__(); s.w = nn.Parameter(torch.ones(d))
    def forward(s, x): return s.w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))
def rope(x, pos):  # x [B,H,T,D], pos [B,T]
    D = x.shape[-1]; inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
    ang = pos[..., None].float() * inv; ang = torch.cat([ang, ang], -1)[:, None]
    c, s = ang.cos(), ang.sin(); x1, x2 = x[..., :D // 2], x[..., D // 2:]
    return x * c + torch.cat([-x2, x1], -1) * s
class Block(nn.Module):
    def __init__(s):
        super().__init__(); d = a.d; s.h = a.heads
        s.n1 = RMS(d); s.n2 = RMS(d)
        s.q = nn.Linear(d, d, bias=False); s.k = nn.Linear(d, d, bias=False); s.v = nn.Linear(d, d, bias=False); s.o = nn.Linear(d, d, bias=False)
        s.g = nn.Linear(d, a.ffn, bias=False); s.u = nn.Linear(d, a.ffn, bias=False); s.dn = nn.Linear(a.ffn, d, bias=False)
    def forward(s, x, pos, mask=None, cache=None):
        B, T, d = x.shape; h = s.n1(x)
        q = s.q(h).view(B, T, s.h, -1).transpose(1, 2); k = s.k(h).view(B, T, s.h, -1).transpose(1, 2); v = s.v(h).view(B, T, s.h, -1).transpose(1, 2)
        q = rope(q, pos); k = rope(k, pos)
        if cache is not None:
            if cache.get('k') is not None: k = torch.cat([cache['k'], k], 2); v = torch.cat([cache['v'], v], 2)
            cache['k'] = k; cache['v'] = v
        if mask is None: y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else: y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None])
        x = x + F.dropout(s.o(y.transpose(1, 2).reshape(B, T, d)), a.drop, s.training)
        h = s.n2(x)
        return x + F.dropout(s.dn(F.silu(s.g(h)) * s.u(h)), a.drop, s.training)
class Model(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(V, a.d); s.blocks = nn.ModuleList([Block() for _ in range(a.layers)])
        s.norm = RMS(a.d); s.head = nn.Linear(a.d, VC, bias=False)
        if a.item_add: s.iemb = nn.Embedding(NI + 1, a.d)
        for mm in s.modules():
            if isinstance(mm, nn.Linear): nn.init.normal_(mm.weight, std=0.02)
            if isinstance(mm, nn.Embedding): nn.init.normal_(mm.weight, std=0.02)
        if a.item_add: nn.init.zeros_(s.iemb.weight)
    def forward(s, x, pos=None, mask=None, caches=None, ii=None):
        if pos is None: pos = torch.arange(x.shape[1])[None].expand(x.shape[0], -1)
        h = s.emb(x)
        if a.item_tok and s.training and a.itok_drop > 0:
            keep = ((x < VC) | (torch.rand(x.shape) >= a.itok_drop)).float()[..., None]
            h = h * keep
        if a.item_add: h = h + s.iemb(ii + 1)
        h = F.dropout(h, a.drop, s.training)
        for i, b in enumerate(s.blocks): h = b(h, pos, mask, None if caches is None else caches[i])
        return s.head(s.norm(h))
model = Model()
print('params', sum(p.numel() for p in model.parameters()), flush=True)
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]; nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': a.wd}, {'params': nodecay, 'weight_decay': 0}], lr=a.lr, betas=(0.9, 0.999))
steps_per_epoch = math.ceil(len(trainseq) / a.bs); total = steps_per_epoch * a.epochs; warm = max(1, int(a.warm * total))
def lr_at(s): return a.lr * (s + 1) / warm if s < warm else a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm))))

@torch.no_grad()
def evaluate(us, which):
    model.eval(); tot = 0.0; n = 0; W = a.beam
    for i0 in range(0, len(us), 200):
        chunk = us[i0:i0 + 200]; P = []; tg = []; hist_leaves = []
        for full, npv in chunk:
            pos = len(full) + which; hist = full[max(0, pos - a.hist):pos]
            P.append(encode(hist)); tg.append(leaf_of[tuple(toks[full[pos]])]); hist_leaves.append([leaf_of[tuple(toks[h])] for h in hist])
        B = len(P); T = max(len(t) for t, _ in P)
        X = torch.zeros(B, T, dtype=torch.long); II = torch.full((B, T), -1, dtype=torch.long); pad = torch.zeros(B, dtype=torch.long)
        for b, (t, ii) in enumerate(P):
            pad[b] = T - len(t); X[b, T - len(t):] = torch.tensor(t); II[b, T - len(t):] = torch.tensor(ii)
        pos = (torch.arange(T)[None] - pad[:, None]).clamp(min=0)
        valid = torch.arange(T)[None] >= pad[:, None]  # [B,T]
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        mask = causal[None] & valid[:, None, :]; mask = mask | torch.eye(T, dtype=torch.bool)[None]
        caches = [dict() for _ in model.blocks]
        logits = model(X, pos, mask, caches, II)[:, -1]  # [B, VC]
        node = torch.zeros(B, 1, dtype=torch.long); score = torch.zeros(B, 1)
        nextpos = (T - pad)[:, None]  # [B,1]
        kvalid = valid[:, None, :]  # [B,1,Tk]
        for l in range(L):
            lp = F.log_softmax(logits.float(), -1)[:, 3 + l * K: 3 + (l + 1) * K].view(B, -1, K)
            ch = child[l][node]  # [B,nb,K]
            cand = score[..., None] + lp.masked_fill(ch < 0, float('-inf'))
            if l == L - 1:
                for b in range(B):
                    for hl in hist_leaves[b]: cand[b][ch[b] == hl] = float('-inf')
            nb = cand.shape[1]; flat = cand.view(B, -1); top = flat.topk(min(W, flat.shape[1]), -1)
            par = top.indices // K; c = top.indices % K
            score = top.values; node = ch.view(B, -1).gather(1, top.indices)
            if l == L - 1: break
            # advance caches
            sel = (torch.arange(B)[:, None] * nb + par).view(-1)
            for cc in caches: cc['k'] = cc['k'][sel]; cc['v'] = cc['v'][sel]
            tok = (3 + l * K + c).view(-1, 1); Wn = par.shape[1]
            kv = torch.cat([kvalid.expand(B, nb, -1).reshape(B * nb, -1)[sel], torch.ones(B * Wn, 1, dtype=torch.bool)], 1)
            kvalid = kv.view(B, Wn, -1)
            p_ = (nextpos + l).expand(B, Wn).reshape(-1, 1)
            II1 = None
            if a.item_add:  # the target's item is unknown while decoding: no item embedding
                II1 = torch.full((B * Wn, 1), -1, dtype=torch.long)
            logits = model(tok, p_, kv[:, None, :], caches, II1)[:, -1]
        for b in range(B):
            seen = []
            for j in range(node.shape[1]):
                v = node[b, j].item()
                if score[b, j] > float('-inf') and v not in seen: seen.append(v)
            if tg[b] in seen[:5]: tot += 1 / math.log2(seen.index(tg[b]) + 2)
            n += 1
    model.train(); return tot / n

step = 0; t0 = time.time(); best = (-1, 0)
rng = random.Random(a.seed)
for ep in range(a.epochs):
    order = list(range(len(trainseq))); rng.shuffle(order)
    for i in range(0, len(order), a.bs * 16):
        grp = sorted(order[i:i + a.bs * 16], key=lambda j: len(trainseq[j][0]))
        batches = [grp[k:k + a.bs] for k in range(0, len(grp), a.bs)]; rng.shuffle(batches)
        for bt in batches:
            T = max(len(trainseq[j][0]) for j in bt)
            X = torch.zeros(len(bt), T, dtype=torch.long); Y = torch.full((len(bt), T), -100); II = torch.full((len(bt), T), -1, dtype=torch.long)
            for b, j in enumerate(bt):
                x, y, ii = trainseq[j]; X[b, :len(x)] = torch.tensor(x); Y[b, :len(y)] = torch.tensor(y); II[b, :len(ii)] = torch.tensor(ii)
            if a.item_add:  # a code token of the item being predicted must not see that item's id
                II = II.masked_fill(Y >= 0, -1)
            for g in opt.param_groups: g['lr'] = lr_at(step)
            loss = F.cross_entropy(model(X, ii=II).view(-1, VC), Y.view(-1))
            opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); step += 1
    msg = f'ep {ep+1} loss {loss.item():.3f} t {time.time()-t0:.0f}s'
    if (ep + 1) % a.eval_every == 0 or ep + 1 == a.epochs:
        te = time.time(); vn = evaluate(valu, -2); msg += f' val_ndcg5 {vn:.4f} (eval {time.time()-te:.0f}s)'
        if vn > best[0]: best = (vn, ep + 1)
    print(msg, flush=True)
print(f'best epoch {best[1]} val {best[0]:.4f} total {time.time()-t0:.0f}s', flush=True)
