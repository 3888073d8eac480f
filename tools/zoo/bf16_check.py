#!/work/venv/bin/python
"""Does bfloat16 autocast still learn? For each method: the same batch, the same initial weights, the loss and
the gradient of the backbone in float32 and under bf16 autocast; prints the relative loss difference and the
cosine similarity of the two gradients (1 = same direction). Then a short FS run from the same start in
both modes (same batches) and the mean loss of its last steps.

    /work/venv/bin/python tools/zoo/bf16_check.py [--steps 60]
"""
import argparse
import os
import sys

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_zoo as T  # noqa: E402


def grads(net, batch, gen_seed, bf16):
    gen = torch.Generator().manual_seed(gen_seed)
    net.zero_grad(set_to_none=True)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        loss = net.loss(batch, gen)
    loss.backward()
    g = torch.cat([p.grad.flatten() for p in net.vit.parameters() if p.grad is not None])
    return float(loss), g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--only', nargs='*', default=['fs', 'clip', 'mae', 'beit', 'mocov3', 'dino'])
    args = ap.parse_args()
    torch.set_num_threads(2)
    data = T.Data()
    for m in args.only:
        torch.manual_seed(0)
        net, _ = T.build(m, data)
        batch, _ = data.batch(0, 0, 64)
        state = {k: v.clone() for k, v in net.state_dict().items()}
        l32, g32 = grads(net, batch, 5, False)
        net.load_state_dict(state)
        l16, g16 = grads(net, batch, 5, True)
        cos = float(torch.nn.functional.cosine_similarity(g32, g16, dim=0))
        print(f'{m}: loss fp32 {l32:.4f} bf16 {l16:.4f} (rel. diff {abs(l16 - l32) / abs(l32):.2e}), backbone gradient cosine {cos:.4f}', flush=True)
    # a short FS run in both modes from the same weights and batches
    curves = {}
    for bf16 in ((False, True) if args.steps > 0 else ()):
        torch.manual_seed(0)
        net, _ = T.build('fs', data)
        opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.05)
        losses = []
        for step in range(args.steps):
            batch, gen = data.batch(11, step, 64)
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
                loss = net.loss(batch, gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        curves['bf16' if bf16 else 'fp32'] = losses
        k = max(1, args.steps // 5)
        print(f'fs {args.steps} steps {"bf16" if bf16 else "fp32"}: first {sum(losses[:k]) / k:.4f}, last {sum(losses[-k:]) / k:.4f} (means of {k} steps)', flush=True)


if __name__ == '__main__':
    main()
