"""The runs behind chapter 06's GAN trainer widget (``dlbook.widgets.gan_ring_trainer``).

Not a test. Trains the chapter's recipe on the ring of eight Gaussians for 1,000 steps
(``TRAINER_STEPS``) at every combination of the widget's controls
(``dlbook.gan_torch.TRAINER_OPTIONS``: both players' learning rates, discriminator steps
per generator step, latent space), seed 0, and keeps what the widget draws: 2,500
samples (float16), both losses at every generator step, the ring metrics of the
samples and the seconds each run took. The widget draws from the saved runs, so it
responds in the static book, and on Colab without a minute of training per setting.

    python -m benchmarks.gan_trainer_runs [--save code/dlbook/assets/gan_trainer_runs.npz]

Prints one line per run and, last, a JSON summary (runs, minutes, modes per run).
"""
from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np

from dlbook import gan_torch

N_SAMPLES = 2500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", help="the .npz file to write")
    args = parser.parse_args()
    options = gan_torch.TRAINER_OPTIONS
    settings = list(itertools.product(*options.values()))
    samples, losses, modes, high_quality, seconds = [], [], [], [], []
    for setting in settings:
        chosen = dict(zip(options, setting))
        config = gan_torch.GANConfig(steps=gan_torch.TRAINER_STEPS, **chosen)
        start = time.perf_counter()
        run = gan_torch.train_gan(config, seed=0)
        seconds.append(time.perf_counter() - start)
        drawn = run.sample(N_SAMPLES)
        metrics = gan_torch.ring_metrics(drawn)
        samples.append(drawn.astype(np.float16))
        losses.append(run.losses.astype(np.float32))
        modes.append(metrics["modes"])
        high_quality.append(metrics["high_quality"])
        print(f"{chosen}: {metrics['modes']}/8 modes, {metrics['high_quality']:.1%} high "
              f"quality, {seconds[-1]:.1f} s", flush=True)
    if args.save:
        np.savez_compressed(args.save,
                            settings=[json.dumps(dict(zip(options, s))) for s in settings],
                            samples=np.stack(samples), losses=np.stack(losses),
                            modes=np.array(modes), high_quality=np.array(high_quality),
                            seconds=np.array(seconds))
    print(json.dumps({"runs": len(settings), "minutes": round(sum(seconds) / 60, 2),
                      "modes": modes}))


if __name__ == "__main__":
    main()
