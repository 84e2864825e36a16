"""Plain NumPy code, differentiated by changing one import.

Two programs written as anyone would write them with NumPy:

* the log marginal likelihood of a Gaussian process (Cholesky factor, triangular
  solves, log-determinant), differentiated with respect to its three hyperparameters
  and checked against central differences;
* a phase-retrieval loss with complex numbers and FFTs, whose gradient with respect to a
  complex signal follows JAX's convention (∂f/∂x − i ∂f/∂y), so gradient descent steps
  along its conjugate.

Run: ``python examples/numpy_code.py``.
"""

import numpy

import semigrad as sg
import semigrad.numpy as np  # the only change to the NumPy code below


def gp_log_likelihood(params, x, y):
    """log p(y | x) for a GP with an RBF kernel: params = log(length, signal, noise)."""
    length, signal, noise = np.exp(params)
    d2 = (x[:, None] - x[None, :]) ** 2
    k = signal**2 * np.exp(-0.5 * d2 / length**2) + noise**2 * np.eye(len(x))
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
    return (-0.5 * y @ alpha - np.sum(np.log(np.diagonal(chol)))
            - 0.5 * len(x) * np.log(2 * np.pi))


def phase_loss(z, magnitudes):
    """How far |FFT(z)| is from the measured magnitudes (real, from a complex signal)."""
    return np.sum((np.abs(np.fft.fft(z)) - magnitudes) ** 2)


def main():
    rng = numpy.random.default_rng(0)
    x = numpy.sort(rng.uniform(-3, 3, 25))
    y = numpy.sin(x) + 0.1 * rng.standard_normal(25)
    params = numpy.log([1.0, 1.0, 0.3])
    value, grad = sg.value_and_grad(gp_log_likelihood)(params, x, y)
    numeric = sg.numeric.gradient(lambda p: gp_log_likelihood(p, x, y), params)
    hess = sg.hessian(gp_log_likelihood)(params, x, y)
    print(f"GP log likelihood {float(value):.6f}")
    print(f"  gradient (reverse mode) {numpy.round(grad, 8).tolist()}")
    print(f"  central differences     {numpy.round(numeric, 8).tolist()}"
          f"  (max |diff| {numpy.max(numpy.abs(grad - numeric)):.1e})")
    print(f"  Hessian symmetric to {numpy.max(numpy.abs(hess - hess.T)):.1e}")

    target = rng.standard_normal(16) + 1j * rng.standard_normal(16)
    magnitudes = numpy.abs(numpy.fft.fft(target))
    z = target + 0.3 * (rng.standard_normal(16) + 1j * rng.standard_normal(16))
    loss = sg.value_and_grad(phase_loss)
    first, _ = loss(z, magnitudes)
    for _ in range(200):
        value, g = loss(z, magnitudes)
        z = z - 0.01 * numpy.conj(g)  # JAX's convention: descend along conj(grad)
    print(f"phase retrieval loss {float(first):.4f} -> {float(value):.2e} after 200 steps")
    return grad, numeric, float(first), float(value)


if __name__ == "__main__":
    main()
