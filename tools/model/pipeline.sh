#!/bin/sh
# Rebuilds the built-in model from scratch (see README.md). Run from the repository root:
#   sh tools/model/pipeline.sh [V1_MINUTES=95] [V2_MINUTES=55]
# Needs: apt-get install -y python3-torch libopenblas0-pthread groff-base; npm install --prefix tools/model
# V2_MINUTES=0 skips step 3c (continued training) and ships v1.
set -eu
V1_MINUTES=${1:-95}
V2_MINUTES=${2:-55}
T=tools/model
W=$T/work
OUT=models/semantic-flow-mini
V0=${V0_DIR:-/work/shared/models/semantic-flow-mini-v0}   # v0 model folder (initial weights, baseline)
node $T/make-tokenizer.mjs $W/tokenizer
# v1's corpus: files of packages installed after it was built are left out (no-op where they are absent)
node $T/build-corpus.mjs $W --without-packages $T/v1-absent-packages.txt
node $T/tokenize.mjs $W
node $T/onnx-to-bins.mjs $V0/onnx/model.onnx $W/v0-weights
# 3b. v1: grow v0 to 8 layers / 512 positions and train
OMP_NUM_THREADS=1 /usr/bin/python3 $T/train.py $W/run-v1 --init $W/v0-weights --init-layers 4 \
  --init-positions 128 --layers 8 --positions 512 --minutes "$V1_MINUTES"
SHIP=$W/run-v1
# 3c. v2: continue v1 (same shape, weights read back out of v1's exported fp32 ONNX), lower peak lr,
#     every step 4 x 512 so positions 128-511 train on every step, v0's domain weighted up
if [ "$V2_MINUTES" != 0 ]; then
  node $T/export-onnx.mjs $W/run-v1 $W/v1-model --layers 8 --embd 128 --heads 4 --positions 512
  node $T/onnx-to-bins.mjs $W/v1-model/onnx/model.onnx $W/v1-weights
  OMP_NUM_THREADS=1 /usr/bin/python3 $T/train.py $W/run-v2 --init $W/v1-weights --init-layers 8 \
    --init-positions 512 --layers 8 --positions 512 --lr 1e-3 --warmup 50 --short-every 0 \
    --mix v0=0.65,prose=0.25,code=0.1 --minutes "$V2_MINUTES"
  SHIP=$W/run-v2
fi
node $T/export-onnx.mjs $SHIP $OUT --layers 8 --embd 128 --heads 4 --positions 512
cp $SHIP/train_log.json $OUT/train_log.json
node $T/eval-bpb.mjs --out $W/eval/bpb.json "$V0" $OUT
node $T/eval-bpb.mjs --dtype q8 --sets v0-split --out $W/eval/bpb-q8.json "$V0" $OUT
