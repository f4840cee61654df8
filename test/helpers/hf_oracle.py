"""Independent oracle for the fixture models: Hugging Face transformers' own model code (PyTorch, CPU,
eager attention) built from the folder's config.json, with the weights read out of its ONNX file,
and the Rust `tokenizers` library and transformers' jinja chat templating for the tokenizer files.
Nothing here shares code with the ONNX builders or the product (test/helpers/hfOracle.ts runs it).

One request per line on stdin, one answer per line on stdout (the process serves many requests, as
importing torch takes seconds). Request:  {"dir": MODEL_DIR, "ids": [[...], ...], "texts": [...], "chats": [{"messages": [...],
                           "add_generation_prompt": bool}], "kv_split": K}
Answer:                   {"logits": {"dims": [B, S, V], "b64": float32 LE}, "tokens": [{"ids", "offsets"}],
                           "chats": [text, ...], "kv_logits": {...}, "versions": {...}}
Token offsets are UTF-16 code units, as JavaScript strings count them. kv_split K: the logits of ids[0]
computed in two passes through HF's own KV cache (first K tokens, then the rest).
"""
import base64, json, os, struct, sys

import numpy as np
import torch
import transformers
import tokenizers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

ONNX_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 10: np.float16}


def fields(buf, start=0, end=None):
    """Protobuf wire-format fields (field number, wire type, value or (start, end))."""
    end = len(buf) if end is None else end
    p = start
    while p < end:
        key, p = varint(buf, p)
        no, wt = key >> 3, key & 7
        if wt == 0:
            v, p = varint(buf, p)
            yield no, wt, v
        elif wt == 2:
            n, p = varint(buf, p)
            yield no, wt, (p, p + n)
            p += n
        elif wt == 5:
            yield no, wt, (p, p + 4)
            p += 4
        elif wt == 1:
            yield no, wt, (p, p + 8)
            p += 8
        else:
            raise ValueError(f"wire type {wt}")


def varint(buf, p):
    v, s = 0, 0
    while True:
        b = buf[p]
        p += 1
        v |= (b & 0x7F) << s
        if b < 0x80:
            return v, p
        s += 7


def onnx_initializers(path):
    """name -> numpy array of every initializer (raw_data, float_data or external data)."""
    buf = open(path, "rb").read()
    out = {}
    for no, wt, v in fields(buf):
        if no != 7 or wt != 2:
            continue
        for gno, gwt, gv in fields(buf, *v):
            if gno != 5 or gwt != 2:
                continue
            dims, dtype, name, raw, floats, external = [], 1, "", None, [], {}
            for tno, twt, tv in fields(buf, *gv):
                if tno == 1:
                    dims += [tv] if twt == 0 else [x for _, _, x in fields_packed(buf, *tv)]
                elif tno == 2:
                    dtype = tv
                elif tno == 8:
                    name = buf[tv[0]:tv[1]].decode()
                elif tno == 9:
                    raw = buf[tv[0]:tv[1]]
                elif tno == 4 and twt == 2:
                    floats += list(struct.unpack(f"<{(tv[1] - tv[0]) // 4}f", buf[tv[0]:tv[1]]))
                elif tno == 13:
                    kv = {k: buf[s:e].decode() for k, (s, e) in ((n, x) for n, _, x in fields(buf, *tv))}
                    external[kv[1]] = kv[2]
            if external:
                with open(os.path.join(os.path.dirname(path), external["location"]), "rb") as f:
                    f.seek(int(external.get("offset", 0)))
                    raw = f.read(int(external["length"]))
            arr = np.frombuffer(raw, dtype=ONNX_DTYPES[dtype]) if raw is not None else np.array(floats, dtype=np.float32)
            out[name] = arr.reshape(dims).copy()
    return out


def fields_packed(buf, start, end):
    p = start
    while p < end:
        v, p = varint(buf, p)
        yield 0, 0, v


def load_model(model_dir):
    config = AutoConfig.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32).eval()
    weights = onnx_initializers(os.path.join(model_dir, "onnx", "model.onnx"))
    state = model.state_dict()
    tied = getattr(config, "tie_word_embeddings", False)
    missing = [k for k in state if k not in weights and not (tied and k == "lm_head.weight") and not k.endswith(".attn.bias") and not k.endswith(".masked_bias")]
    if missing:
        raise ValueError(f"the ONNX file has no weights for {missing[:5]} ({len(missing)} missing)")
    params = ("model.", "lm_head.", "transformer.")
    unused = [k for k in weights if k.startswith(params) and k not in state]
    if unused:
        raise ValueError(f"the ONNX file has weights that {type(model).__name__} does not have: {unused[:5]}")
    with torch.no_grad():
        for k, w in weights.items():
            if k in state:
                if tuple(state[k].shape) != w.shape:
                    raise ValueError(f"{k}: ONNX shape {w.shape}, {type(model).__name__} expects {tuple(state[k].shape)}")
                state[k].copy_(torch.from_numpy(w))
    return model


def utf16_offsets(text, offsets):
    """Python str offsets (code points) -> UTF-16 code units."""
    units = [0]
    for ch in text:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return [[units[s], units[e]] for s, e in offsets]


def encode_logits(t):
    a = t.detach().numpy().astype("<f4")
    return {"dims": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def answer(req, models):
    d = req["dir"]
    res = {"versions": {"torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__}}
    if req.get("ids"):
        if d not in models:
            models[d] = load_model(d)
        model = models[d]
        ids = torch.tensor(req["ids"], dtype=torch.long)
        with torch.no_grad():
            res["logits"] = encode_logits(model(input_ids=ids).logits)
            k = req.get("kv_split")
            if k:
                first = model(input_ids=ids[:1, :k], use_cache=True)
                second = model(input_ids=ids[:1, k:], past_key_values=first.past_key_values, use_cache=True)
                res["kv_logits"] = encode_logits(torch.cat([first.logits, second.logits], dim=1))
    if req.get("texts"):
        tok = tokenizers.Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        res["tokens"] = []
        for text in req["texts"]:
            enc = tok.encode(text, add_special_tokens=False)
            res["tokens"].append({"ids": enc.ids, "offsets": utf16_offsets(text, enc.offsets)})
    if req.get("chats"):
        tok = AutoTokenizer.from_pretrained(d)
        res["chats"] = [tok.apply_chat_template(c["messages"], tokenize=False, add_generation_prompt=c.get("add_generation_prompt", False)) for c in req["chats"]]
    return res


def main():
    torch.set_num_threads(1)
    models = {}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            res = answer(json.loads(line), models)
        except BaseException as e:  # one bad request answers with its error; the process serves on
            res = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
