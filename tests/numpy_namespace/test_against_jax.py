"""Gradients of complex NumPy code against JAX's, the reference for semigrad's convention.

JAX defines the gradient of a real function of z = x + iy as ∂f/∂x − i ∂f/∂y and the
holomorphic derivative f'(z); semigrad follows it (docs/numpy.md). Every function here
is gauge-invariant (absolute values of singular vectors, not the vectors), so the two
libraries' phase conventions cannot differ. Runs where JAX is installed (the optional
group of ``.ci/run`` installs it).
"""

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

_r = np.random.default_rng(0)


def _c(*shape):
    return _r.standard_normal(shape) + 1j * _r.standard_normal(shape)


_A = _c(4, 4) + 3 * np.eye(4)
_T = _c(5, 3)
_W = _r.standard_normal((4, 4))
_X = _r.standard_normal(8)
_Z = _c(8)

CASES = [
    ("inv", lambda m, a: m.real(m.sum(m.linalg.inv(a) * _W)), _A),
    ("abs-det", lambda m, a: m.abs(m.linalg.det(a)), _A),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1] + m.real(m.linalg.slogdet(a)[0]), _A),
    ("solve", lambda m, a: m.sum(m.abs(m.linalg.solve(a, _W[0] + 1j)) ** 2), _A),
    ("svdvals", lambda m, a: m.sum(m.linalg.svd(a, compute_uv=False) * np.arange(1.0, 4.0)), _T),
    ("svd-U", lambda m, a: m.sum(m.abs(m.linalg.svd(a, full_matrices=False)[0]) ** 2
                                 * np.arange(15.0).reshape(5, 3)), _T),
    ("qr-R", lambda m, a: m.sum(m.abs(m.linalg.qr(a)[1]) * np.arange(9.0).reshape(3, 3)), _T),
    ("qr-Q", lambda m, a: m.sum(m.abs(m.linalg.qr(a)[0]) ** 2 * np.arange(15.0).reshape(5, 3)),
     _T),
    ("pinv", lambda m, a: m.real(m.sum(m.linalg.pinv(a) * np.arange(15.0).reshape(3, 5))), _T),
    ("norm-nuc", lambda m, a: m.linalg.norm(a, "nuc"), _T),
    ("norm-2", lambda m, a: m.linalg.norm(a, 2), _T),
    ("eigvals", lambda m, a: m.sum(m.abs(m.linalg.eigvals(a)) ** 2), _A),
    ("cholesky", lambda m, a: m.sum(m.abs(m.linalg.cholesky(a @ m.conj(a.T) + 3 * np.eye(4)))
                                    * _W), _A),
    ("fft", lambda m, v: m.sum(m.abs(m.fft.fft(v)) * np.arange(8.0)), _Z),
    ("ifft", lambda m, v: m.sum(m.real(m.fft.ifft(v, n=10)) * np.arange(10.0)), _Z),
    ("rfft", lambda m, v: m.sum(m.abs(m.fft.rfft(v, n=12)) ** 1.5), _X),
    ("irfft", lambda m, v: m.sum(m.fft.irfft(v, n=9) ** 2), _Z[:5]),
    ("fft2", lambda m, a: m.sum(m.abs(m.fft.fft2(a)) ** 2 * _W), _A),
    ("angle", lambda m, v: m.sum(m.angle(v) * np.arange(8.0)), _Z),
    ("elementwise", lambda m, v: m.sum(m.abs(m.exp(v) * m.sin(v) / (2.0 + v * v)) ** 2), _Z),
    ("var", lambda m, v: m.var(v) + m.std(v[:4]), _Z),
]


@pytest.mark.parametrize("name, f, arg", CASES, ids=[c[0] for c in CASES])
def test_gradient_equals_jax(name, f, arg):
    ours = sg.grad(lambda v: f(snp, v))(arg)
    theirs = np.asarray(jax.grad(lambda v: f(jnp, v))(jnp.asarray(arg)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12 * np.max(np.abs(theirs)))


def test_holomorphic_derivatives_equal_jax():
    def f(m, v):
        return m.sum(m.exp(v) * m.sin(v) / (2.0 + v * v))

    ours = sg.grad(lambda v: f(snp, v), holomorphic=True)(_Z)
    theirs = np.asarray(jax.grad(lambda v: f(jnp, v), holomorphic=True)(jnp.asarray(_Z)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    jac = sg.jacfwd(lambda a: snp.linalg.inv(a), holomorphic=True)(_A[:2, :2])
    jac_jax = jax.jacfwd(jnp.linalg.inv, holomorphic=True)(jnp.asarray(_A[:2, :2]))
    np.testing.assert_allclose(jac, np.asarray(jac_jax), rtol=1e-12)


def test_hermitian_eigen_directional_derivatives_equal_jax():
    # The two libraries read different triangles (JAX symmetrises), so compare directional
    # derivatives along Hermitian directions, where both read the same matrix.
    m = _c(4, 4)
    h = m @ m.conj().T + np.diag([1.0, 2.0, 3.0, 4.0])
    d = _c(4, 4)
    d = d + d.conj().T

    def f(mod, a):
        w, v = mod.linalg.eigh(a)
        return mod.sum(w * np.arange(1.0, 5.0)) + mod.sum(mod.abs(v) ** 2 * _W)

    _, ours = sg.jvp(lambda a: f(snp, a), (h,), (d,))
    _, theirs = jax.jvp(lambda a: f(jnp, a), (jnp.asarray(h),), (jnp.asarray(d),))
    np.testing.assert_allclose(ours, float(theirs), rtol=1e-10)


# ---- semigrad.scipy.special against jax.scipy.special: values, gradients, second derivatives

_SPECIAL = [
    ("gammaln", (0.5, 4.0)), ("digamma", (0.5, 4.0)), ("erf", (-2.0, 2.0)),
    ("erfc", (-2.0, 2.0)), ("erfinv", (-0.9, 0.9)), ("ndtr", (-3.0, 3.0)),
    ("ndtri", (0.05, 0.95)), ("log_ndtr", (-6.0, 3.0)), ("expit", (-4.0, 4.0)),
    ("logit", (0.05, 0.95)), ("entr", (0.1, 3.0)), ("i0", (-2.0, 2.0)), ("i1", (-2.0, 2.0)),
    ("i0e", (0.2, 3.0)), ("i1e", (0.2, 3.0)), ("gamma", (0.5, 4.0)),
]


@pytest.mark.parametrize("name, domain", _SPECIAL, ids=[n for n, _ in _SPECIAL])
def test_special_functions_against_jax(name, domain):
    import jax.scipy.special as jsp

    import semigrad.scipy.special as sps

    # 8 points: not x = 0, where JAX's i0 and i1 (written through exp(|x|)) give the kink's
    # one-sided slope (i0'(0) = 1 in JAX; I1(0) = 0 is semigrad's, and the true value).
    x = np.linspace(*domain, 8)
    ours, theirs = getattr(sps, name), getattr(jsp, name)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-10, atol=1e-12)
    g = sg.grad(lambda v: sg.sum(ours(v)))(x)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(theirs(v)))(x), rtol=1e-9,
                               atol=1e-12)
    h = sg.grad(lambda v: sg.sum(sg.grad(lambda u: sg.sum(ours(u)))(v)))(x)
    h_jax = jax.grad(lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(theirs(u)))(v)))(x)
    np.testing.assert_allclose(h, h_jax, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "rel_entr", "betaln"])
def test_two_argument_special_functions_against_jax(name):
    import jax.scipy.special as jsp

    import semigrad.scipy.special as sps

    x, y = np.linspace(0.3, 2.0, 5), np.linspace(0.5, 3.0, 5)
    ours, theirs = getattr(sps, name), getattr(jsp, name)
    np.testing.assert_allclose(ours(x, y), theirs(x, y), rtol=1e-10)
    for k in (0, 1):
        g = sg.grad(lambda a, b: sg.sum(ours(a, b)), argnums=k)(x, y)
        np.testing.assert_allclose(g, jax.grad(lambda a, b: jnp.sum(theirs(a, b)), argnums=k)(
            x, y), rtol=1e-9)



# The incomplete gamma and beta functions and zeta, differentiated in their variable (x, or
# zeta's q) to second order, the shapes fixed; gammainc's shape a below, to first order.
_VARIABLE = [
    ("gammainc", (np.array([0.5, 2.5, 9.0]),), (0.05, 12.0)),
    ("gammaincc", (np.array([0.5, 2.5, 9.0]),), (0.05, 12.0)),
    ("betainc", (np.array([0.5, 2.5, 9.0]), np.array([3.0, 0.7, 1.5])), (0.02, 0.98)),
    ("zeta", (np.array([1.5, 3.0, 7.0]),), (0.3, 4.0)),
]


@pytest.mark.parametrize("name, shapes, domain", _VARIABLE, ids=[n for n, _, _ in _VARIABLE])
def test_incomplete_gamma_beta_and_zeta_against_jax(name, shapes, domain):
    import jax.scipy.special as jsp

    import semigrad.scipy.special as sps

    x = np.linspace(*domain, 7)[:, None]
    ours = lambda v: getattr(sps, name)(*shapes, v)  # noqa: E731
    theirs = lambda v: getattr(jsp, name)(*shapes, v)  # noqa: E731
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-10, atol=1e-300)
    g = sg.grad(lambda v: sg.sum(ours(v)))(x)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(theirs(v)))(x), rtol=1e-9)
    h = sg.grad(lambda v: sg.sum(sg.grad(lambda u: sg.sum(ours(u)))(v)))(x)
    h_jax = jax.grad(lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(theirs(u)))(v)))(x)
    np.testing.assert_allclose(h, h_jax, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_in_its_shape_against_jax(name):
    import jax.scipy.special as jsp

    import semigrad.scipy.special as sps

    a, x = np.geomspace(0.1, 50.0, 7)[:, None], np.geomspace(1e-3, 100.0, 9)
    ours, theirs = getattr(sps, name), getattr(jsp, name)
    g = sg.grad(lambda s: sg.sum(ours(s, x)))(a)
    g_jax = jax.grad(lambda s: jnp.sum(theirs(s, x)))(a)
    np.testing.assert_allclose(g, g_jax, rtol=1e-8, atol=1e-12)
    # and the mixed second derivative, ∂²/∂a∂x
    h = sg.grad(lambda s: sg.sum(sg.grad(lambda v: sg.sum(ours(s, v)))(x)))(a)
    h_jax = jax.grad(lambda s: jnp.sum(jax.grad(lambda v: jnp.sum(theirs(s, v)))(x)))(a)
    np.testing.assert_allclose(h, h_jax, rtol=1e-8, atol=1e-12)


# ---- semigrad.scipy.stats' distribution functions against jax.scipy.stats (JAX has the gamma
# and beta CDFs, and Poisson's; t's only as densities)

_DISTRIBUTIONS = [
    ("gamma", (2.5, 0.1, 1.3), np.linspace(0.3, 9.0, 6)),
    ("beta", (2.5, 1.5, -0.1, 1.2), np.linspace(0.05, 1.0, 6)),
]


@pytest.mark.parametrize("name, args, x", _DISTRIBUTIONS, ids=[n for n, _, _ in _DISTRIBUTIONS])
def test_distribution_functions_against_jax(name, args, x):
    import jax.scipy.stats as jst

    from semigrad.scipy import stats as st

    for method in ("cdf", "logcdf", "sf", "logsf"):
        ours, theirs = getattr(getattr(st, name), method), getattr(getattr(jst, name), method)
        np.testing.assert_allclose(ours(x, *args), theirs(x, *args), rtol=1e-9)
        # the point, loc and scale, and gamma's shape a (beta's shapes are differentiated by
        # neither library)
        for k in (0, len(args) - 1, len(args), *((1,) if name == "gamma" else ())):
            g = sg.grad(lambda *a, f=ours: sg.sum(f(*a)), argnums=k)(x, *args)
            g_jax = jax.grad(lambda *a, f=theirs: jnp.sum(f(*a)), argnums=k)(x, *args)
            np.testing.assert_allclose(g, g_jax, rtol=1e-8)


def test_poisson_cdf_against_jax():
    import jax.scipy.stats as jst

    from semigrad.scipy import stats as st

    k = np.array([0, 1, 3, 7])
    np.testing.assert_allclose(st.poisson.cdf(k, 2.5), jst.poisson.cdf(k, 2.5), rtol=1e-12)
    np.testing.assert_allclose(sg.grad(lambda mu: sg.sum(st.poisson.cdf(k, mu)))(2.5),
                               jax.grad(lambda mu: jnp.sum(jst.poisson.cdf(k, mu)))(2.5),
                               rtol=1e-10)

# ---- semigrad.scipy.integrate.odeint against jax.experimental.ode.odeint (both adjoint) ------


def test_odeint_gradients_against_jax():
    pytest.importorskip("scipy")
    from jax.experimental.ode import odeint as jax_odeint

    from semigrad.scipy.integrate import odeint

    t = np.linspace(0.0, 2.0, 5)
    y0 = np.array([1.0, -0.5])
    w = np.array([[0.3, -1.2], [1.1, -0.2]])

    def loss(mod, solve, y, tt, ww):
        return mod.sum(solve(lambda s, u, m: mod.tanh(m @ s), y, tt, ww) ** 2)

    def ours(y, tt, ww):
        return loss(snp, lambda f, y, tt, m: odeint(f, y, tt, args=(m,), rtol=1e-11,
                                                     atol=1e-11), y, tt, ww)

    def theirs(y, tt, ww):
        return loss(jnp, lambda f, y, tt, m: jax_odeint(f, y, tt, m, rtol=1e-11, atol=1e-11),
                    y, tt, ww)

    np.testing.assert_allclose(ours(y0, t, w), theirs(y0, t, w), rtol=1e-8)
    g = sg.grad(ours, argnums=(0, 1, 2))(y0, t, w)
    g_jax = jax.grad(theirs, argnums=(0, 1, 2))(y0, t, w)
    for a, b in zip(g, g_jax):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    h = sg.hessian(ours)(y0, t, w)  # forward over reverse: JAX's odeint has no forward mode
    h_jax = jax.jacrev(jax.grad(theirs))(y0, t, w)
    np.testing.assert_allclose(h, h_jax, rtol=1e-6, atol=1e-8)


# ---- semigrad.scipy.linalg against jax.scipy.linalg: values and gradients (real and complex)

_lr = np.random.default_rng(21)
_LA = _lr.standard_normal((4, 4)) + 4 * np.eye(4)
_LC = _LA + 1j * _lr.standard_normal((4, 4))
_LB = _lr.standard_normal((4, 2))
_LW = _lr.standard_normal((4, 4))
_LPIV = _lr.standard_normal((4, 4))  # partial pivoting swaps its rows
_LCHOL = np.tril(_LA) + 0.5 * np.triu(_lr.standard_normal((4, 4)), 1)  # junk above: unread
_LG = _lr.standard_normal((4, 4))
_LSPD = _LG @ _LG.T + np.eye(4)


def _weighted(m, x, w=_LW):
    """A real scalar that sees every entry (real and imaginary parts) of x."""
    w = w[: x.shape[-2], : x.shape[-1]]
    return m.sum(m.real(x) * w + m.imag(x) * w[::-1])


# (name, f(linalg module, numpy module, x) -> real scalar, x)
_LINALG = [
    ("solve_triangular-lower", lambda sl, m, a: _weighted(
        m, sl.solve_triangular(a, _LB, lower=True)), _LA),
    ("solve_triangular-T-unit", lambda sl, m, a: _weighted(
        m, sl.solve_triangular(a, _LB, trans="T", unit_diagonal=True)), _LA),
    ("solve_triangular-C-complex", lambda sl, m, a: _weighted(
        m, sl.solve_triangular(a, _LB + 1j, trans="C", lower=True)), _LC),
    ("solve_triangular-b", lambda sl, m, b: _weighted(
        m, sl.solve_triangular(_LC, b, trans=1)), _LB + 2j),
    ("cho_solve-c", lambda sl, m, c: _weighted(m, sl.cho_solve((c, True), _LB)), _LCHOL),
    ("cho_solve-b", lambda sl, m, b: _weighted(
        m, sl.cho_solve((np.triu(_LA), False), b)), _LB),
    ("lu_factor", lambda sl, m, a: _weighted(m, sl.lu_factor(a)[0]), _LPIV),
    ("lu_factor-complex", lambda sl, m, a: _weighted(m, sl.lu_factor(a)[0]), _LC),
    *[(f"lu_solve-trans{t}", lambda sl, m, a, t=t: _weighted(
        m, sl.lu_solve(sl.lu_factor(a), _LB, trans=t)), _LPIV) for t in (0, 1, 2)],
    ("lu_solve-complex", lambda sl, m, a: _weighted(
        m, sl.lu_solve(sl.lu_factor(a), _LB, trans=2)), _LC),
    ("expm", lambda sl, m, a: _weighted(m, sl.expm(a)), 0.3 * _LA),
    ("expm-complex", lambda sl, m, a: _weighted(m, sl.expm(a)), 0.3 * _LC),
    ("block_diag", lambda sl, m, a: _weighted(
        m, sl.block_diag(a[:2], a[3, :2], a[1, 1]) ** 2, np.arange(28.0).reshape(4, 7)), _LA),
]


@pytest.mark.parametrize("name, f, arg", _LINALG, ids=[c[0] for c in _LINALG])
def test_scipy_linalg_against_jax(name, f, arg):
    import jax.scipy.linalg as jsl

    import semigrad.scipy.linalg as slin

    np.testing.assert_allclose(f(slin, snp, arg), f(jsl, jnp, jnp.asarray(arg)), rtol=1e-10)
    ours = sg.grad(lambda v: f(slin, snp, v))(arg)
    theirs = np.asarray(jax.grad(lambda v: f(jsl, jnp, v))(jnp.asarray(arg)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * np.max(np.abs(theirs)))


def test_scipy_linalg_values_equal_jax():
    import jax.scipy.linalg as jsl

    import semigrad.scipy.linalg as slin

    def same(ours, theirs):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10, atol=1e-12)

    for trans in (0, 1, 2):
        same(slin.solve_triangular(_LC, _LB, trans=trans, lower=True),
             jsl.solve_triangular(_LC, _LB, trans=trans, lower=True))
    for lower in (False, True):
        c = slin.cho_factor(_LSPD, lower=lower)
        same(c[0], jsl.cho_factor(_LSPD, lower=lower)[0])  # zeros in the other triangle
        same(slin.cho_solve(c, _LB), jsl.cho_solve(jsl.cho_factor(_LSPD, lower=lower), _LB))
    lu, piv = slin.lu_factor(_LPIV)
    lu_j, piv_j = jsl.lu_factor(_LPIV)
    same(lu, lu_j)
    np.testing.assert_array_equal(piv, piv_j)
    same(slin.lu_solve((lu, piv), _LB[:, 0]), jsl.lu_solve((lu_j, piv_j), _LB[:, 0]))
    same(slin.expm(np.stack([_LA, _LC]) * 0.3), jsl.expm(np.stack([_LA, _LC]) * 0.3))
    same(slin.sqrtm(_LSPD), jsl.sqrtm(_LSPD))
    same(slin.block_diag(1.0, [2.0, 3.0], _LB), jsl.block_diag(1.0, jnp.array([2.0, 3.0]), _LB))


def test_sqrtm_directional_derivatives_equal_jax():
    # JAX cannot differentiate its sqrtm (a Schur decomposition): for a symmetric positive-
    # definite matrix it equals V sqrt(W) Vᵀ from eigh, which JAX differentiates; compare along
    # symmetric directions (JAX's eigh symmetrises its input).
    import semigrad.scipy.linalg as slin

    def jax_sqrtm(a):
        w, v = jnp.linalg.eigh(a)
        return (v * jnp.sqrt(w)) @ v.T

    d = _LG + _LG.T
    _, ours = sg.jvp(slin.sqrtm, (_LSPD,), (d,))
    _, theirs = jax.jvp(jax_sqrtm, (jnp.asarray(_LSPD),), (jnp.asarray(d),))
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9, atol=1e-12)
    w = _LW + _LW.T  # a symmetric cotangent pairs the symmetric parts of the two gradients
    g = sg.grad(lambda a: sg.sum(slin.sqrtm(a) * w))(_LSPD)
    g_jax = np.asarray(jax.grad(lambda a: jnp.sum(jax_sqrtm(a) * w))(jnp.asarray(_LSPD)))
    np.testing.assert_allclose(g + g.T, g_jax + g_jax.T, rtol=1e-9, atol=1e-12)
