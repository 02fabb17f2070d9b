"""Chapter 05's figures: the 2-D VAE's test negative ELBO, and reconstruction error of
PCA, a plain autoencoder and the VAE on held-out digits, over several seeds.

Not a test. The configuration is the chapter's: binarised 8x8 digits (1,347 train /
450 test), 64-256-2 networks with ReLU, Adam at 2e-3 for 150 epochs.

    python -m benchmarks.vae [--seeds K]

Prints a table, then all figures as JSON on the last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
from sklearn.decomposition import PCA

from dlbook import data, vae


def reconstruction_error(X, R) -> float:
    """Squared error per image, summed over its 64 pixels."""
    return float(np.sum((X - R) ** 2, axis=1).mean())


def decode_probabilities(model: vae.TorchVAE, Z: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.sigmoid(model.decode(torch.tensor(Z, dtype=torch.float32))).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="training runs per model")
    args = parser.parse_args()

    digits = data.load_digits(test_fraction=0.25, seed=0)
    X_train = (digits.X_train > 0.5).astype(float)
    X_test = (digits.X_test > 0.5).astype(float)
    X_test_t = torch.tensor(X_test, dtype=torch.float32)
    pca = PCA(n_components=2).fit(X_train)
    pca_error = reconstruction_error(X_test, pca.inverse_transform(pca.transform(X_test)))

    runs = {"vae": [], "autoencoder": []}
    for seed in range(args.seeds):
        for name, variational in [("vae", True), ("autoencoder", False)]:
            model = vae.TorchVAE(64, 256, 2, activation="relu", variational=variational,
                                 seed=seed)
            start = time.perf_counter()
            vae.train_vae(model, X_train, epochs=150, lr=2e-3, seed=seed)
            seconds = time.perf_counter() - start
            with torch.no_grad():
                codes = model.encode(X_test_t)[0].numpy()
            run = {"train_s": seconds,
                   "recon_error": reconstruction_error(X_test, decode_probabilities(model, codes))}
            if variational:
                run["test_neg_elbo"] = -vae.heldout_elbo(model, X_test, n_samples=10)
            runs[name].append(run)

    def median(name, key):
        return round(statistics.median(r[key] for r in runs[name]), 3)

    figures = {
        "seeds": args.seeds,
        "vae_test_neg_elbo_nats": [round(r["test_neg_elbo"], 3) for r in runs["vae"]],
        "recon_error_per_image": {"pca_2": round(pca_error, 3),
                                  "autoencoder_2d_median": median("autoencoder", "recon_error"),
                                  "vae_2d_median": median("vae", "recon_error")},
        "vae_recon_errors": [round(r["recon_error"], 3) for r in runs["vae"]],
        "vae_train_s_median": median("vae", "train_s"),
        "autoencoder_train_s_median": median("autoencoder", "train_s"),
    }
    print(f"test negative ELBO of the 2-D VAE (nats per image): "
          f"{figures['vae_test_neg_elbo_nats']}")
    print("squared error per held-out image:", figures["recon_error_per_image"])
    print(f"training 150 epochs: VAE {figures['vae_train_s_median']} s, autoencoder "
          f"{figures['autoencoder_train_s_median']} s (medians)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
