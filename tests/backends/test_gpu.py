"""GPU arrays through the backend seam: CuPy arrays and PyTorch CUDA tensors stay on the device,
and gradients equal NumPy's. Marked ``gpu``: skipped, saying why, where no device is present
(they run where one is)."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(0)
XN = RNG.standard_normal((64, 5))
YN = (XN[:, 0] > 0).astype(float)
W = RNG.standard_normal(5) * 0.3


def logistic(w, x, y):
    z = x @ w
    return snp.mean(snp.logaddexp(0.0, z) - y * z)


def _cupy():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (GPU machines only)")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("CuPy sees no CUDA device")
    except cupy.cuda.runtime.CUDARuntimeError as e:
        pytest.skip(f"no CUDA device for CuPy: {e}")
    return cupy


def _torch_cuda():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch sees no CUDA device")
    return torch


def test_cupy_gradients_stay_on_the_device():
    cupy = _cupy()
    x, y, w = cupy.asarray(XN), cupy.asarray(YN), cupy.asarray(W)
    value, grad = sg.value_and_grad(logistic)(w, x, y)
    assert isinstance(grad, cupy.ndarray)
    want_value, want = sg.value_and_grad(logistic)(W, XN, YN)
    np.testing.assert_allclose(float(value), want_value, rtol=1e-12)
    np.testing.assert_allclose(grad.get(), want, rtol=1e-12, atol=1e-15)
    h = sg.hessian(logistic)(w, x, y)
    np.testing.assert_allclose(h.get(), sg.hessian(logistic)(W, XN, YN), rtol=1e-12,
                               atol=1e-15)


def test_torch_cuda_gradients_stay_on_the_device():
    torch = _torch_cuda()
    dev = torch.device("cuda")
    x, y, w = (torch.tensor(a, device=dev) for a in (XN, YN, W))
    value, grad = sg.value_and_grad(logistic)(w, x, y)
    assert grad.device.type == "cuda"
    want_value, want = sg.value_and_grad(logistic)(W, XN, YN)
    np.testing.assert_allclose(float(value), want_value, rtol=1e-12)
    np.testing.assert_allclose(grad.cpu().numpy(), want, rtol=1e-12, atol=1e-15)


def test_torch_cuda_runs_the_core_table():
    torch = _torch_cuda()
    from backends.test_array_api import CORE_CASES, check_case

    for case in CORE_CASES:
        fn, args = case.values
        if not any(np.iscomplexobj(a) for a in args):
            check_case(fn, args, lambda a: torch.from_numpy(np.array(a)).cuda())
