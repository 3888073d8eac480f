#!/work/venv/bin/python
"""Maintainer script: small random-weight Hugging Face ViT-family models exported to ONNX as users
export them today, with the eager PyTorch references, for @vit/runtime's tests.

Run with the torch 2.x virtualenv (torch 2.13 CPU, transformers 5, onnx, onnxscript, onnxruntime):
    nice /work/venv/bin/python tools/onnx-export-fixtures/make_fixtures.py [family ...]
Writes packages/runtime/fixtures/onnx-export/<family>/
    refs.npz                 input [2,3,32,32] and eager taps: attention-<l> [B,H,T,T] (output_attentions,
                             attn_implementation="eager"), block-<l> (output_hidden_states), attnIn-<l>,
                             mlpIn-<l>, attnSkip-<l>, mlpSkip-<l> (forward hooks on the two norms),
                             attnBranch-<l> = mlpSkip − attnSkip, mlpBranch-<l> = block − mlpSkip
    expected.json            L, H, D, T, P, grid, patch, image size (from the config, not the graph)
    <variant>/model.onnx (+ model.onnx.data)   the exported graph
Variants:
    dynamo        torch.onnx.export(model, (x,), path, dynamo=True) and nothing else (default SDPA
                  attention, opset 20 with Gelu/LayerNormalization ops, weights in model.onnx.data)
    dynbatch      the same with dynamic_shapes (batch axis dynamic)                 [vit only]
    opset23       ... dynamo=True, opset_version=23 (the exporter emits ONNX Attention)
    msft-mha      the opset23 graph with each Attention replaced by com.microsoft.MultiHeadAttention,
    msft-attention  ... by com.microsoft.Attention with a packed QKV projection (onnx.helper surgery,
                  one file, weights inside; onnxruntime's transformer optimizer does not fuse the
                  attention of transformers 5's graphs)                               [vit only]
The models use default (SDPA) attention for export; the references come from an eager-attention
copy with the same state dict. Families: vit, deit (CLS + distillation token), dinov2reg (4 registers,
LayerScale), clip (vision tower), beit (relative position bias: torch 2.13's dynamo exporter fails on
it in the decomposition step, so it has no fixture). torchvision 0.28 of /work/venv does not import
(operator torchvision::nms missing), so tvpatch.py tells transformers it is absent.
"""
import collections
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import tvpatch  # noqa: E402,F401  (torchvision of this venv does not import)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import transformers as tf  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'runtime', 'fixtures', 'onnx-export')
B, S, PATCH, D, L, H = 2, 32, 8, 32, 2, 4


def families():
    common = dict(image_size=S, patch_size=PATCH, num_hidden_layers=L, num_attention_heads=H, hidden_size=D, intermediate_size=2 * D)
    return {
        'vit': (lambda: tf.ViTModel(tf.ViTConfig(**common), add_pooling_layer=False), 1, ('layernorm_before', 'layernorm_after')),
        'deit': (lambda: tf.DeiTModel(tf.DeiTConfig(**common), add_pooling_layer=False), 2, ('layernorm_before', 'layernorm_after')),
        'dinov2reg': (
            lambda: tf.Dinov2WithRegistersModel(tf.Dinov2WithRegistersConfig(**{**common, 'mlp_ratio': 2}, num_register_tokens=4, layerscale_value=0.5)),
            5,
            ('norm1', 'norm2'),
        ),
        'clip': (lambda: tf.CLIPVisionModel(tf.CLIPVisionConfig(**common)), 1, ('layer_norm1', 'layer_norm2')),
        'beit': (
            lambda: tf.BeitModel(tf.BeitConfig(**common, use_relative_position_bias=True, use_absolute_position_embeddings=False, layer_scale_init_value=0.5), add_pooling_layer=False),
            1,
            ('layernorm_before', 'layernorm_after'),
        ),
    }


def layers_of(model):
    """The blocks: the first ModuleList named ...layer / ...layers."""
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.ModuleList) and name.split('.')[-1] in ('layer', 'layers'):
            return list(mod)
    raise RuntimeError('no layers')


def references(model, x, norms):
    """Eager taps with output_attentions / output_hidden_states and hooks on the two norms."""
    rec = collections.defaultdict(dict)
    hooks = []
    for i, layer in enumerate(layers_of(model)):
        for key, name in zip(('1', '2'), norms):
            def hook(_m, inp, out, i=i, key=key):
                rec[i]['in' + key] = inp[0].detach().clone()
                rec[i]['out' + key] = out.detach().clone()
            hooks.append(getattr(layer, name).register_forward_hook(hook))
    with torch.no_grad():
        o = model(x, output_attentions=True, output_hidden_states=True)
    for h in hooks:
        h.remove()
    refs = {'input': x.numpy()}
    for i in range(L):
        l = i + 1
        block = o.hidden_states[l]
        refs[f'attention-{l}'] = o.attentions[i].numpy()
        refs[f'block-{l}'] = block.numpy()
        refs[f'attnIn-{l}'] = rec[i]['out1'].numpy()
        refs[f'mlpIn-{l}'] = rec[i]['out2'].numpy()
        refs[f'attnSkip-{l}'] = rec[i]['in1'].numpy()
        refs[f'mlpSkip-{l}'] = rec[i]['in2'].numpy()
        refs[f'attnBranch-{l}'] = (rec[i]['in2'] - rec[i]['in1']).numpy()
        refs[f'mlpBranch-{l}'] = (block - rec[i]['in2']).numpy()
    return refs


def ops(path):
    m = onnx.load(path, load_external_data=False)
    c = collections.Counter((n.domain + '.' if n.domain else '') + n.op_type for n in m.graph.node)
    ext = sum(1 for t in m.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL)
    opset = [(o.domain, o.version) for o in m.opset_import]
    dims = [[d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim] for i in m.graph.input]
    return f'opset {opset}, input {dims}, {ext}/{len(m.graph.initializer)} initializers external, ops {dict(c)}'


def export(model, x, d, **kw):
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    path = os.path.join(d, 'model.onnx')
    torch.onnx.export(model, (x,), path, dynamo=True, **kw)
    print(f'  {os.path.relpath(d, OUT)}: {ops(path)}', flush=True)
    return path


def msft(src, d, kind):
    """com.microsoft attention built with onnx.helper from the opset-23 export.

    onnxruntime.transformers.optimizer (model_type 'vit' or 'bert') does not fuse the attention of
    transformers 5's eager ViT graph (it fuses SkipLayerNormalization and BiasGelu only), so each
    ONNX Attention node of the opset-23 export, with the head split/merge around it, is replaced by
      kind 'mha'        com.microsoft.MultiHeadAttention(q, k, v) on the 3-D projections, or
      kind 'attention'  com.microsoft.Attention(x, [Wq|Wk|Wv], [bq|bk|bv]) (packed QKV projection).
    The model is saved as one file (weights inside).
    """
    from onnx import helper, numpy_helper
    m = onnx.load(src)
    g = m.graph
    prod = {o: n for n in g.node for o in n.output}
    cons = collections.defaultdict(list)
    for n in g.node:
        for i in n.input:
            cons[i].append(n)
    inits = {t.name: t for t in g.initializer}
    drop = set()
    for att in [n for n in g.node if n.op_type == 'Attention']:
        def unhead(t):
            tr = prod[t]
            rs = prod[tr.input[0]]
            assert tr.op_type == 'Transpose' and rs.op_type == 'Reshape'
            return rs.input[0]
        q3, k3, v3 = (unhead(t) for t in att.input[:3])
        tr = cons[att.output[0]][0]
        rs = cons[tr.output[0]][0]
        assert tr.op_type == 'Transpose' and rs.op_type == 'Reshape'
        drop.update([id(tr), id(rs)])
        scale = [a.f for a in att.attribute if a.name == 'scale']
        if kind == 'mha':
            new = helper.make_node('MultiHeadAttention', [q3, k3, v3], [rs.output[0]], domain='com.microsoft', num_heads=H, name=att.name + '_mha',
                                   **({'scale': scale[0]} if scale else {}))
        else:
            ws, bs, xs = [], [], set()
            for t in (q3, k3, v3):
                add = prod[t]
                mm = prod[add.input[0]]
                assert add.op_type == 'Add' and mm.op_type == 'MatMul'
                xs.add(mm.input[0])
                ws.append(numpy_helper.to_array(inits[mm.input[1]]))
                bs.append(numpy_helper.to_array(inits[add.input[1]]))
            assert len(xs) == 1
            wname, bname = att.name + '.qkv_weight', att.name + '.qkv_bias'
            g.initializer.extend([numpy_helper.from_array(np.concatenate(ws, 1), wname), numpy_helper.from_array(np.concatenate(bs, 0), bname)])
            new = helper.make_node('Attention', [xs.pop(), wname, bname], [rs.output[0]], domain='com.microsoft', num_heads=H, name=att.name + '_attention',
                                   **({'scale': scale[0]} if scale else {}))
        att.CopyFrom(new)
    keep = [n for n in g.node if id(n) not in drop]
    # Drop dead nodes and initializers.
    outs = {o.name for o in g.output}
    while True:
        used = {i for n in keep for i in n.input} | outs
        live = [n for n in keep if any(o in used for o in n.output)]
        if len(live) == len(keep):
            break
        keep = live
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in keep for i in n.input}
    live_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live_inits)
    del g.value_info[:]
    m.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    path = os.path.join(d, 'model.onnx')
    onnx.save(m, path, save_as_external_data=False)
    print(f'  {os.path.relpath(d, OUT)}: {ops(path)}', flush=True)


def main(selected, only_msft=False):
    fams = families()
    for name in selected or fams:
        make, prefix, norms = fams[name]
        print(name, flush=True)
        torch.manual_seed(0)
        model = make().eval()
        # Non-trivial norms and biases (random init leaves them 1 and 0).
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if 'norm' in pname or pname.endswith('bias'):
                    p.add_(0.1 * torch.randn_like(p))
        eager = make().eval()
        eager.load_state_dict(model.state_dict())
        eager.set_attn_implementation('eager')
        x = torch.randn(B, 3, S, S, generator=torch.Generator().manual_seed(1))
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        refs = references(eager, x, norms)
        with torch.no_grad():
            sd = model(x, output_hidden_states=True).hidden_states
        print('  sdpa vs eager', max(float((a - torch.from_numpy(refs[f'block-{l}'])).abs().max()) for l, a in enumerate(sd[1:], 1)))
        np.savez(os.path.join(d, 'refs.npz'), **refs)
        g = S // PATCH
        json.dump({'layers': L, 'heads': H, 'dim': D, 'tokens': prefix + g * g, 'prefixTokens': prefix, 'grid': [g, g],
                   'patch': PATCH, 'imageSize': [S, S], 'batch': B}, open(os.path.join(d, 'expected.json'), 'w'))
        for variant, kw in (('dynamo', {}), ('opset23', {'opset_version': 23})):
            try:
                export(model, x, os.path.join(d, variant), **kw)
            except Exception as e:  # noqa: BLE001
                print(f'  {variant}: FAILED {type(e).__name__}: {str(e).splitlines()[0][:300]}', flush=True)
        if not any(os.path.isdir(os.path.join(d, v)) for v in ('dynamo', 'opset23')):
            # BEiT: torch 2.13's dynamo exporter fails in its decomposition step; keep no orphan references.
            print(f'  {name}: no export succeeded, fixture removed', flush=True)
            shutil.rmtree(d)
            continue
        if name == 'vit':
            try:
                batch = torch.export.Dim('batch', min=1)
                export(model, x, os.path.join(d, 'dynbatch'), dynamic_shapes={'pixel_values': {0: batch}})
            except Exception as e:  # noqa: BLE001
                print(f'  dynbatch: FAILED {type(e).__name__}: {str(e).splitlines()[0][:300]}', flush=True)
            for kind in ('mha', 'attention'):
                try:
                    msft(os.path.join(d, 'opset23', 'model.onnx'), os.path.join(d, f'msft-{kind}'), kind)
                except Exception as e:  # noqa: BLE001
                    print(f'  msft-{kind}: FAILED {type(e).__name__}: {str(e).splitlines()[0][:300]}', flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
