"""The cost model reads the claims of the theory off recorded graphs."""

import numpy as np

import semigrad as sg


def logistic(a):
    return lambda x: sg.sum(sg.log1p(sg.exp(a @ x))) + 0.5 * sg.sum(x * x)


def test_cheap_gradient_principle():
    for n in (10, 100):
        a = np.random.default_rng(n).standard_normal((30, n))
        c = sg.cost(logistic(a), np.ones(n), order=1)
        assert c["gradient"].flops <= 4 * c["forward"].flops
        assert c["gradient"].operations <= 3 * c["forward"].operations


def test_hessian_costs_about_n_gradients_and_order_three_n_hessians():
    ratios = {}
    for n in (20, 80):
        a = np.random.default_rng(n).standard_normal((30, n))
        c = sg.cost(logistic(a), np.ones(n), order=3)
        ratios[n] = (c["hessian"].flops / c["gradient"].flops,
                     c["order 3"].flops / c["hessian"].flops)
        # one batched sweep per order: the number of primitive calls does not grow with n
        assert c["order 3"].operations == sg.cost(logistic(a[:, :5]), np.ones(5), order=3)[
            "order 3"].operations
    # quadrupling n multiplies each ratio by about four (O(n·m), O(n²·m))
    for k in range(2):
        assert 3.0 < ratios[80][k] / ratios[20][k] < 4.5


def test_flops_of_a_contraction():
    g = sg.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones((3, 4)))
    assert sg.cost(lambda a, b: a @ b, np.ones((2, 3)), np.ones((3, 4)), order=0)[
        "forward"] == sg.Cost(1, 2 * 2 * 3 * 4)
    assert len(g) == 1


def test_primitives_may_declare_their_flops():
    import semigrad.numpy as snp

    fwd = sg.cost(lambda x: snp.fft.fft(x), np.ones((3, 1024)), order=0)["forward"]
    assert fwd.operations == 1 and fwd.flops == 3 * 5 * 1024 * 10  # 5 N log2 N per transform
    det = sg.cost(lambda a: snp.linalg.det(a), np.eye(50) + 0.1, order=0)["forward"]
    assert det.flops == 50 ** 3
