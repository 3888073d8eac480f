#!/work/venv/bin/python
"""Tests of the zoo's Python tools (scenes, trainer resumption, export round trip):

    /work/venv/bin/python -m unittest tools/zoo/test_zoo_tools.py     # ~2 min on 2 busy cores
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenes as S  # noqa: E402
import train_zoo as T  # noqa: E402
import make_benchmark as MB  # noqa: E402
import export_zoo as E  # noqa: E402


class Scenes(unittest.TestCase):
    def test_place_maps_item_pixel_centres_where_the_keypoint_formula_says(self):
        # one bright pixel at item (px, py) = (5, 20), box side 56 = 2x: the peak of its resampled image sits at
        # the canvas position the SPair writer uses for keypoints (to_canvas), to half a pixel
        item = torch.zeros(1, 1, 28, 28)
        item[0, 0, 20, 5] = 1
        for box in [(3.0, 4.0, 56.0), (10.5, 2.25, 42.0)]:
            g = S.place(item, torch.tensor([box[0]]), torch.tensor([box[1]]), torch.tensor([box[2]]))[0, 0]
            ys, xs = np.nonzero(g.numpy() == g.max().item())
            want = MB.to_canvas(np.array([[5.0, 20.0]]), box)[0]
            self.assertLessEqual(abs(xs.mean() - want[0]), 0.5)
            self.assertLessEqual(abs(ys.mean() - want[1]), 0.5)

    def test_the_mask_is_exactly_the_painted_pixels(self):
        x, _ = S.load_split('t10k')
        gen = torch.Generator().manual_seed(3)
        it = torch.from_numpy(x[:8].copy()).float().div(255).unsqueeze(1)
        bg = S.draw_background(8, gen, x)
        x0, y0, size = S.draw_placement(8, gen)
        tint, _ = S.draw_tints(8, gen)
        img, m = S.composite(bg, it, x0, y0, size, tint)
        g = S.place(it, x0, y0, size)
        painted = tint[:, :, None, None] * (0.35 + 0.65 * g)
        self.assertTrue(torch.equal(img[m[:, None].expand_as(img)], painted[m[:, None].expand_as(img)]))
        self.assertTrue(torch.equal(img[~m[:, None].expand_as(img)], bg[~m[:, None].expand_as(img)]))
        # the item lies inside the canvas and covers 10..47% of its side squared at most
        self.assertTrue(bool(((x0 >= 0) & (y0 >= 0) & (x0 + size <= 64) & (y0 + size <= 64)).all()))
        self.assertTrue(bool((m.sum((1, 2)) > 20).all()))

    def test_a_step_batch_depends_only_on_seed_and_step(self):
        d = T.Data()
        a, _ = d.batch(4, 17, 8)
        b, _ = d.batch(4, 17, 8)
        c, _ = d.batch(4, 18, 8)
        self.assertTrue(torch.equal(a['x'], b['x']))
        self.assertTrue(torch.equal(a['y'], b['y']))
        self.assertFalse(torch.equal(a['x'], c['x']))


class Trainer(unittest.TestCase):
    def run_trainer(self, d, *extra):
        cmd = [sys.executable, '-W', 'ignore', os.path.join(HERE, 'train_zoo.py'), '--dir', d, '--only', 'fs', '--steps', '4', '--bf16', *extra]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def test_a_stopped_run_resumes_to_the_same_weights_as_an_uninterrupted_one(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            self.run_trainer(a)
            out1 = self.run_trainer(b, '--stop-after', '2')
            self.assertIn('stopped at step 2 / 4', out1)
            self.assertFalse(os.path.exists(os.path.join(b, 'fs', 'final.pt')))
            out2 = self.run_trainer(b)
            self.assertIn('resumed at step 2 / 4', out2)
            fa = torch.load(os.path.join(a, 'fs', 'final.pt'), weights_only=False)
            fb = torch.load(os.path.join(b, 'fs', 'final.pt'), weights_only=False)
            for k, v in fa['vit'].items():
                torch.testing.assert_close(fb['vit'][k], v, rtol=0, atol=0, msg=k)
            self.assertEqual(fa['info']['losses'], fb['info']['losses'])
            self.assertIn('finished', self.run_trainer(b))  # a finished method is skipped


class Export(unittest.TestCase):
    def test_uniform_reference_and_knn_on_planted_features(self):
        D = E.grid_distances(8)
        self.assertAlmostEqual(float(D[0, 63]), 2 ** 0.5, places=12)
        self.assertAlmostEqual(float(D[0, 1]), 1 / 7, places=12)
        # planted: test rows are copies of train rows -> each finds its own class
        f = torch.randn(40, 16, generator=torch.Generator().manual_seed(0))
        y = np.arange(40) % 10
        self.assertEqual(E.knn(f, y, f[:20] * 3, y[:20], k=1), 1.0)

    def test_f16_safetensors_hold_the_rounded_weights(self):
        vit = T.ViT()
        with torch.no_grad():
            for p in vit.parameters():
                p.copy_(p.half().float())
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'm.safetensors')
            E.write_safetensors_f16(path, vit)
            with open(path, 'rb') as f:
                n = int.from_bytes(f.read(8), 'little')
                header = json.loads(f.read(n))
                body = f.read()
            for k, t in vit.state_dict().items():
                a, b = header[k]['data_offsets']
                got = np.frombuffer(body[a:b], '<f2').astype(np.float32).reshape(t.shape)
                np.testing.assert_array_equal(got, t.numpy())


if __name__ == '__main__':
    unittest.main()
