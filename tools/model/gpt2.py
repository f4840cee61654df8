"""GPT-2 in plain PyTorch (Debian python3-torch 1.13, run with /usr/bin/python3).

Same computation as Hugging Face GPT2LMHeadModel: pre-LayerNorm blocks, gelu_new MLP, lm_head tied
to the token embedding. Parameters carry the HF names and the Conv1D [in, out] layout, and are
saved/loaded as DIR/<hf-name>.bin (float32 little-endian), the files make-gpt2.mjs --weights reads.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


class Block(nn.Module):
    def __init__(self, embd, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(embd, eps=1e-5)
        self.ln_2 = nn.LayerNorm(embd, eps=1e-5)
        # y = x @ W + b with W stored [in, out] (HF Conv1D)
        self.attn_w = nn.Parameter(torch.empty(embd, 3 * embd))
        self.attn_b = nn.Parameter(torch.zeros(3 * embd))
        self.attn_proj_w = nn.Parameter(torch.empty(embd, embd))
        self.attn_proj_b = nn.Parameter(torch.zeros(embd))
        self.fc_w = nn.Parameter(torch.empty(embd, 4 * embd))
        self.fc_b = nn.Parameter(torch.zeros(4 * embd))
        self.mlp_proj_w = nn.Parameter(torch.empty(4 * embd, embd))
        self.mlp_proj_b = nn.Parameter(torch.zeros(embd))

    def forward(self, h, causal):
        B, S, E = h.shape
        hd = E // self.heads
        q, k, v = (self.ln_1(h) @ self.attn_w + self.attn_b).split(E, dim=2)
        q, k, v = (t.view(B, S, self.heads, hd).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        probs = scores.masked_fill(~causal[:S, :S], -1e9).softmax(-1)
        h = h + (probs @ v).transpose(1, 2).reshape(B, S, E) @ self.attn_proj_w + self.attn_proj_b
        return h + gelu_new(self.ln_2(h) @ self.fc_w + self.fc_b) @ self.mlp_proj_w + self.mlp_proj_b


class GPT2(nn.Module):
    def __init__(self, vocab=50257, positions=512, embd=128, layers=4, heads=4):
        super().__init__()
        self.shape = dict(vocab=vocab, positions=positions, embd=embd, layers=layers, heads=heads)
        self.wte = nn.Embedding(vocab, embd)
        self.wpe = nn.Embedding(positions, embd)
        self.h = nn.ModuleList(Block(embd, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(embd, eps=1e-5)
        self.register_buffer('causal', torch.ones(positions, positions, dtype=torch.bool).tril(), persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:  # GPT-2 init; residual projections scaled down by depth
                std = 0.02 / math.sqrt(2 * layers) if name.endswith('proj_w') else 0.02
                nn.init.normal_(p, std=std)

    def forward(self, ids):
        h = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))[None]
        for block in self.h:
            h = block(h, self.causal)
        return self.ln_f(h) @ self.wte.weight.T

    def hf_names(self):
        d = {'transformer.wte.weight': self.wte.weight, 'transformer.wpe.weight': self.wpe.weight,
             'transformer.ln_f.weight': self.ln_f.weight, 'transformer.ln_f.bias': self.ln_f.bias}
        for i, b in enumerate(self.h):
            d.update(block_names(b, f'transformer.h.{i}'))
        return d

    def save(self, out):
        os.makedirs(out, exist_ok=True)
        for name, p in self.hf_names().items():
            p.detach().numpy().astype('<f4').tofile(os.path.join(out, name + '.bin'))


def block_names(b, prefix):
    return {f'{prefix}.ln_1.weight': b.ln_1.weight, f'{prefix}.ln_1.bias': b.ln_1.bias,
            f'{prefix}.ln_2.weight': b.ln_2.weight, f'{prefix}.ln_2.bias': b.ln_2.bias,
            f'{prefix}.attn.c_attn.weight': b.attn_w, f'{prefix}.attn.c_attn.bias': b.attn_b,
            f'{prefix}.attn.c_proj.weight': b.attn_proj_w, f'{prefix}.attn.c_proj.bias': b.attn_proj_b,
            f'{prefix}.mlp.c_fc.weight': b.fc_w, f'{prefix}.mlp.c_fc.bias': b.fc_b,
            f'{prefix}.mlp.c_proj.weight': b.mlp_proj_w, f'{prefix}.mlp.c_proj.bias': b.mlp_proj_b}


def read_bin(d, name):
    return torch.from_numpy(np.fromfile(os.path.join(d, name + '.bin'), dtype='<f4'))


@torch.no_grad()
def grow_from(m, src, src_layers, src_positions):
    """Initialise m from a smaller checkpoint (DIR of .bin files) without changing its function:
    - wte, ln_f copied; wpe rows [0, src_positions) copied, later rows tile the second half of the
      source table (positions src_positions/2 .. src_positions-1), so long-range rows start out as
      "far from the start" positions with the same local structure;
    - source block j goes to block j * (L // src_layers); the blocks in between are new, with zero
      output projections (attn c_proj and mlp c_proj), i.e. they start as the identity."""
    m.wte.weight.copy_(read_bin(src, 'transformer.wte.weight').view_as(m.wte.weight))
    m.ln_f.weight.copy_(read_bin(src, 'transformer.ln_f.weight'))
    m.ln_f.bias.copy_(read_bin(src, 'transformer.ln_f.bias'))
    wpe = read_bin(src, 'transformer.wpe.weight').view(src_positions, -1)
    half = src_positions // 2
    for p in range(m.wpe.weight.shape[0]):
        m.wpe.weight[p] = wpe[p] if p < src_positions else wpe[half + (p - src_positions) % half]
    L = len(m.h)
    assert L % src_layers == 0
    step = L // src_layers
    for i, b in enumerate(m.h):
        if i % step == 0:
            for name, p in block_names(b, f'transformer.h.{i // step}').items():
                p.copy_(read_bin(src, name).view_as(p))
        else:
            for p in (b.attn_proj_w, b.attn_proj_b, b.mlp_proj_w, b.mlp_proj_b):
                p.zero_()
    return m
