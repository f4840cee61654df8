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
# v0 (initial weights and the baseline) is the built-in model as first committed; without V0_DIR it is
# taken from the repository's history into $W/v0 (a shallow clone lacks it: fetch it, or set V0_DIR).
V0_COMMIT=c58f1b5ef9aa9f2fc61913751f5f28374d270f75
if [ -n "${V0_DIR:-}" ]; then
  V0=$V0_DIR
  [ -f "$V0/onnx/model.onnx" ] || { echo "pipeline.sh: V0_DIR=$V0 has no onnx/model.onnx (the v0 model folder)" >&2; exit 2; }
else
  V0=$W/v0
  git cat-file -e "$V0_COMMIT" 2>/dev/null || { echo "pipeline.sh: v0 is commit $V0_COMMIT's models/semantic-flow-mini, not in this clone (shallow?): git fetch --unshallow, or set V0_DIR to a v0 model folder" >&2; exit 2; }
  mkdir -p "$V0/onnx"
  for f in config.json generation_config.json tokenizer.json tokenizer_config.json onnx/model.onnx onnx/model_quantized.onnx; do
    git show "$V0_COMMIT:models/semantic-flow-mini/$f" > "$V0/$f"
  done
fi
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
