"""Export check, PyTorch side: logits of the trained weights for a fixed id sequence, written as
float32 for check-export.mjs to compare with the ONNX model run by transformers.js.

usage: /usr/bin/python3 tools/model/check-export.py WEIGHTS_DIR OUT.bin [--layers 8] [--positions 512]
"""
import argparse, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import GPT2, read_bin

ap = argparse.ArgumentParser()
ap.add_argument('weights'); ap.add_argument('out')
ap.add_argument('--layers', type=int, default=8); ap.add_argument('--positions', type=int, default=512)
ap.add_argument('--embd', type=int, default=128); ap.add_argument('--heads', type=int, default=4)
a = ap.parse_args()
torch.set_num_threads(1)
m = GPT2(positions=a.positions, embd=a.embd, layers=a.layers, heads=a.heads).eval()
with torch.no_grad():
    for name, p in m.hf_names().items():
        p.copy_(read_bin(a.weights, name).view_as(p))
    ids = torch.tensor([[(i * 7919 + 13) % 50257 for i in range(a.positions)]])
    m(ids)[0].numpy().astype('<f4').tofile(a.out)
print('wrote', a.out)
