"""Dask through the backend seam: gradients of losses over chunked data are lazy Dask arrays,
forward and backward one task graph, computed on a local cluster of worker processes (started
and closed here) and equal to NumPy's to 1e-12."""

from __future__ import annotations

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

RNG = np.random.default_rng(0)
XN = RNG.standard_normal((400, 5))
YN = (XN @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + RNG.standard_normal(400) > 0).astype(float)
X = da.from_array(XN, chunks=(100, 5))
Y = da.from_array(YN, chunks=100)


def logistic(w, x, y):
    z = x @ w
    return snp.mean(snp.logaddexp(0.0, z) - y * z)


def mlp(params, x, y):
    h = snp.tanh(x @ params["w1"] + params["b1"])
    return snp.mean((h @ params["w2"] - y) ** 2)


PARAMS = {"w1": RNG.standard_normal((5, 8)) * 0.5, "b1": np.zeros(8),
          "w2": RNG.standard_normal(8) * 0.5}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_gradients_are_lazy_and_one_graph(client):
    value, grad = sg.value_and_grad(logistic)(np.zeros(5), X, Y)
    assert isinstance(value, da.Array) and isinstance(grad, da.Array)
    value, grad = dask.compute(value, grad)  # forward and backward in one graph
    want_value, want_grad = sg.value_and_grad(logistic)(np.zeros(5), XN, YN)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12, atol=1e-15)
    assert len(client.scheduler_info()["workers"]) == 2


def test_mlp_gradients_on_the_cluster(client):
    grads = sg.grad(mlp)(PARAMS, X, Y)
    assert all(isinstance(g, da.Array) for g in grads.values())
    computed = dict(zip(grads, dask.compute(*grads.values())))
    want = sg.grad(mlp)(PARAMS, XN, YN)
    for k in PARAMS:
        np.testing.assert_allclose(computed[k], want[k], rtol=1e-12, atol=1e-15)
    # second derivatives through the same seam
    h = sg.hessian(logistic)(np.full(5, 0.1), X, Y)
    np.testing.assert_allclose(np.asarray(h.compute()), sg.hessian(logistic)(np.full(5, 0.1),
                                                                              XN, YN),
                               rtol=1e-12, atol=1e-15)


def test_an_optimiser_steps_on_lazy_gradients(client):
    params = {k: v.copy() for k, v in PARAMS.items()}
    local = {k: v.copy() for k, v in PARAMS.items()}
    opt, opt_local = sg.optim.Adam(params, lr=0.05), sg.optim.Adam(local, lr=0.05)
    for _ in range(3):
        opt.step(sg.grad(mlp)(params, X, Y))  # computed once per step, parameters local
        opt_local.step(sg.grad(mlp)(local, XN, YN))
    for k in PARAMS:
        assert type(params[k]) is np.ndarray
        np.testing.assert_allclose(params[k], local[k], rtol=1e-12, atol=1e-15)


def test_eager_tensors_over_dask_data(client):
    w = sg.Tensor(np.zeros(5), requires_grad=True)
    loss = logistic(w, X, Y)
    loss.backward()
    assert isinstance(w.grad, da.Array)
    np.testing.assert_allclose(w.grad.compute(), sg.grad(logistic)(np.zeros(5), XN, YN),
                               rtol=1e-12, atol=1e-15)


def test_two_libraries_in_one_operation_are_named():
    xp = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="two array libraries, (dask and array_api_strict|"
                                        "array_api_strict and dask)"):
        sg.grad(lambda w: snp.sum(w * X[:3, 0]))(xp.asarray([1.0, 2.0, 3.0]))
