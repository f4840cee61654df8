#!/bin/sh
# Rebuilds the built-in model from scratch (see README.md). Run from the repository root:
#   sh tools/model/pipeline.sh [MINUTES=95]
# Needs: apt-get install -y python3-torch libopenblas0-pthread groff-base; npm install --prefix tools/model
set -eu
MINUTES=${1:-95}
T=tools/model
W=$T/work
OUT=models/semantic-flow-mini-v1-candidate
V0=${V0_DIR:-/work/shared/models/semantic-flow-mini-v0}   # v0 model folder (initial weights, baseline)
node $T/make-tokenizer.mjs $W/tokenizer
node $T/build-corpus.mjs $W
node $T/tokenize.mjs $W
node $T/onnx-to-bins.mjs $V0/onnx/model.onnx $W/v0-weights
OMP_NUM_THREADS=1 /usr/bin/python3 $T/train.py $W/run-v1 --init $W/v0-weights --init-layers 4 \
  --init-positions 128 --layers 8 --positions 512 --minutes "$MINUTES"
node $T/export-onnx.mjs $W/run-v1 $OUT --layers 8 --embd 128 --heads 4 --positions 512
cp $W/run-v1/train_log.json $OUT/train_log.json
node $T/eval-bpb.mjs --out $W/eval/bpb.json "$V0" $OUT
