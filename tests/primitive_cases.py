"""The primitive table: every primitive with inputs in its domain (shared by the tests of
the primitives, higher order, semirings and symbolic export).
"""

import numpy as np
import pytest

import semigrad as sg
import semigrad.numpy as snp  # registers semigrad.primitives.numpy_elementwise
import semigrad.numpy.linalg as sla  # registers semigrad.primitives.linalg

try:  # registers semigrad.scipy.special's primitives (SciPy computes their values)
    import scipy  # noqa: F401

    import semigrad.scipy.linalg as slin
    import semigrad.scipy.special as sps
except ImportError:  # pragma: no cover - SciPy is a test dependency
    sps = slin = None
from semigrad.primitives import structural as S

rng = np.random.default_rng(42)


def normal(*shape):
    return rng.standard_normal(shape)


def uniform(lo, hi, *shape):
    return rng.uniform(lo, hi, shape)


def away_from_zero(*shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 1.5, shape)


def distinct(*shape):
    """Values whose pairwise gaps are large compared with the difference step."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


W32 = normal(3, 2)
MASK = np.array([[True, False, True], [False, True, True]])

# primitive -> list of (label, function, args)
CASES = {
    "add": [("bcast", lambda x, y: x + y, (normal(2, 3), normal(3)))],
    "subtract": [("bcast", lambda x, y: x - y, (normal(2, 1), normal(1, 3)))],
    "multiply": [("bcast", lambda x, y: x * y, (normal(2, 3), normal(2, 1)))],
    "divide": [("bcast", lambda x, y: x / y, (normal(3), away_from_zero(2, 3)))],
    "negative": [("vec", lambda x: -x, (normal(4),))],
    "reciprocal": [("vec", sg.reciprocal, (away_from_zero(4),))],
    "power": [
        ("both", lambda x, y: x**y, (uniform(0.5, 2.0, 2, 3), normal(3))),
        ("const", lambda x: x**3, (normal(4),)),
        ("base", lambda y: 2.0**y, (normal(3),)),
    ],
    "square": [("vec", sg.square, (normal(4),))],
    "sqrt": [("vec", sg.sqrt, (uniform(0.2, 3.0, 4),))],
    "abs": [("vec", sg.abs, (away_from_zero(5),))],
    "exp": [("mat", sg.exp, (normal(2, 3),))],
    "log": [("vec", sg.log, (uniform(0.2, 3.0, 4),))],
    "log1p": [("vec", sg.log1p, (uniform(-0.5, 3.0, 4),))],
    "expm1": [("vec", sg.expm1, (normal(4),))],
    "sin": [("vec", sg.sin, (normal(4),))],
    "cos": [("vec", sg.cos, (normal(4),))],
    "tan": [("vec", sg.tan, (uniform(-1.0, 1.0, 4),))],
    "tanh": [("vec", sg.tanh, (normal(4),))],
    "sigmoid": [("vec", sg.sigmoid, (3 * normal(5),))],
    "relu": [("vec", sg.relu, (away_from_zero(5),))],
    "maximum": [("bcast", sg.maximum, (distinct(2, 3), distinct(3) + 0.1))],
    "minimum": [("bcast", sg.minimum, (distinct(2, 3), distinct(3) + 0.1))],
    "where": [("bcast", lambda x, y: sg.where(MASK, x, y), (normal(2, 3), normal(3)))],
    "clip": [("vec", lambda x: sg.clip(x, -0.5, 0.5), (distinct(6) * 0.5 + 0.05,))],
    "astype": [("f32->f64", lambda x: sg.astype(x, np.float64) * 1.5,
                (normal(3).astype(np.float32),))],
    "identity": [("vec", sg.primitives.elementwise.identity, (normal(3),))],
    "conj": [("vec", lambda x: sg.conj(x) * x, (normal(3),))],
    "real": [("vec", lambda x: sg.real(x) * x, (normal(3),))],
    "reshape": [("mat", lambda x: sg.reshape(x, (3, 2)) * W32, (normal(2, 3),))],
    "transpose": [("3d", lambda x: sg.transpose(x, (2, 0, 1)) ** 2, (normal(2, 3, 4),))],
    "broadcast_to": [("lead+one", lambda x: sg.broadcast_to(x, (2, 4, 3)) ** 2, (normal(4, 1),))],
    "sum": [
        ("all", lambda x: sg.sum(x**2), (normal(2, 3),)),
        ("axis", lambda x: sg.sum(x**2, axis=(0, 2), keepdims=True), (normal(2, 3, 4),)),
    ],
    "getitem": [
        ("slice", lambda x: x[1:, ::2] ** 2, (normal(3, 5),)),
        ("repeats", lambda x: x[[0, 0, 2]] ** 2, (normal(3, 2),)),
        ("mask", lambda x: x[MASK] ** 2, (normal(2, 3),)),
        ("int+newaxis", lambda x: x[1, None, ...] ** 2, (normal(3, 2),)),
        ("split-advanced", lambda x: x[[0, 1], :, [1, 1]] ** 2, (normal(2, 3, 4),)),
    ],
    "scatter_add": [(
        "repeats",
        lambda x: S.scatter_add(x, np.array([0, 2, 0]), idx=(S.SLOT, slice(None)), in_shape=(4, 2),
                                out_ndim=2, adv_move=0, unique=False) ** 2,
        (normal(3, 2),),
    )],
    "concatenate": [(
        "axis1",
        lambda x, y: sg.concatenate([x, y], axis=1) ** 2,
        (normal(2, 3), normal(2, 2)),
    )],
    "max": [("axis", lambda x: sg.max(x, axis=1), (distinct(3, 4),))],
    "min": [("all", lambda x: sg.min(x), (distinct(3, 4),))],
    "logsumexp": [("axis", lambda x: sg.logsumexp(x, axis=-1), (normal(3, 4),))],
    "prod": [
        ("axis", lambda x: sg.prod(x, axis=0), (uniform(0.5, 1.5, 3, 2),)),
        ("one zero", lambda x: sg.prod(x * np.array([1.0, 0.0, 1.0])), (normal(3),)),
    ],
    "einsum": [
        ("matmul", lambda a, b: a @ b, (normal(2, 3), normal(3, 4))),
        ("batched", lambda a, b: a @ b, (normal(2, 2, 3), normal(3, 2))),
        ("vec-mat", lambda a, b: a @ b, (normal(3), normal(3, 2))),
        ("trace", lambda a: sg.einsum("ii->", a), (normal(3, 3),)),
        ("diag", lambda a: sg.einsum("ii->i", a), (normal(3, 3),)),
        ("bcast", lambda a, b: sg.einsum("i,j->ij", a, b), (normal(2), normal(3))),
        ("sum-out", lambda a, b: sg.einsum("ij,k->ik", a, b), (normal(2, 3), normal(2))),
        ("three", lambda a, b, c: sg.einsum("ij,jk,kl->il", a, b, c),
         (normal(2, 3), normal(3, 2), normal(2, 2))),
    ],
    "arcsin": [("vec", snp.arcsin, (uniform(-0.8, 0.8, 4),))],
    **({} if sps is None else {
        "polygamma": [("n1", lambda x: sps.polygamma(1, x), (uniform(0.5, 3.0, 4),))],
        "digamma": [("vec", sps.digamma, (uniform(0.5, 3.0, 4),))],
        "gammaln": [("vec", sps.gammaln, (uniform(0.5, 3.0, 4),))],
        "gamma": [("vec", sps.gamma, (uniform(0.5, 3.0, 4),))],
        "rgamma": [("vec", sps.rgamma, (uniform(0.5, 3.0, 4),))],
        "betaln": [("bcast", sps.betaln, (uniform(0.5, 3.0, 2, 3), uniform(0.5, 3.0, 3)))],
        "beta": [("bcast", sps.beta, (uniform(0.5, 3.0, 2, 3), uniform(0.5, 3.0, 3)))],
        "erf": [("vec", sps.erf, (normal(4),))],
        "erfc": [("vec", sps.erfc, (normal(4),))],
        "erfinv": [("vec", sps.erfinv, (uniform(-0.8, 0.8, 4),))],
        "erfcinv": [("vec", sps.erfcinv, (uniform(0.2, 1.8, 4),))],
        "ndtr": [("vec", sps.ndtr, (normal(4),))],
        "ndtri": [("vec", sps.ndtri, (uniform(0.1, 0.9, 4),))],
        "log_ndtr": [("vec", sps.log_ndtr, (normal(4) - 1.0,))],
        "expit": [("vec", sps.expit, (normal(4),))],
        "logit": [("vec", sps.logit, (uniform(0.1, 0.9, 4),))],
        "xlogy": [("bcast", sps.xlogy, (normal(2, 3), uniform(0.5, 3.0, 3)))],
        "xlog1py": [("bcast", sps.xlog1py, (normal(2, 3), uniform(0.0, 3.0, 3)))],
        "entr": [("vec", sps.entr, (uniform(0.1, 2.0, 4),))],
        "rel_entr": [("bcast", sps.rel_entr, (uniform(0.1, 2.0, 2, 3), uniform(0.1, 2.0, 3)))],
        "i0": [("vec", sps.i0, (normal(4),))],
        "i1": [("vec", sps.i1, (normal(4),))],
        "i0e": [("vec", sps.i0e, (away_from_zero(4),))],
        "i1e": [("vec", sps.i1e, (away_from_zero(4),))],
    }),
    "arccos": [("vec", snp.arccos, (uniform(-0.8, 0.8, 4),))],
    "arctan": [("vec", snp.arctan, (normal(4),))],
    "arctan2": [("bcast", snp.arctan2, (away_from_zero(2, 3), away_from_zero(3)))],
    "sinh": [("vec", snp.sinh, (normal(4),))],
    "cosh": [("vec", snp.cosh, (normal(4),))],
    "arcsinh": [("vec", snp.arcsinh, (normal(4),))],
    "arccosh": [("vec", snp.arccosh, (uniform(1.3, 3.0, 4),))],
    "arctanh": [("vec", snp.arctanh, (uniform(-0.8, 0.8, 4),))],
    "exp2": [("vec", snp.exp2, (normal(4),))],
    "log2": [("vec", snp.log2, (uniform(0.2, 3.0, 4),))],
    "log10": [("vec", snp.log10, (uniform(0.2, 3.0, 4),))],
    "cbrt": [("vec", snp.cbrt, (away_from_zero(4),))],
    "sinc": [("vec", snp.sinc, (away_from_zero(4),))],
    "logaddexp": [("bcast", snp.logaddexp, (normal(2, 3), normal(3)))],
    "logaddexp2": [("bcast", snp.logaddexp2, (normal(2, 3), normal(3)))],
    "hypot": [("bcast", snp.hypot, (away_from_zero(2, 3), away_from_zero(3)))],
    "fmax": [("bcast", snp.fmax, (distinct(2, 3), distinct(3) + 0.1))],
    "fmin": [("bcast", snp.fmin, (distinct(2, 3), distinct(3) + 0.1))],
    "remainder": [("bcast", snp.remainder, (uniform(0.1, 0.9, 2, 3) + 3.0,
                                            uniform(1.1, 1.4, 3)))],
    "fmod": [("bcast", snp.fmod, (-uniform(0.1, 0.9, 2, 3) - 3.0, uniform(1.1, 1.4, 3)))],
    "nan_to_num": [("vec", lambda x: snp.nan_to_num(x) ** 2, (normal(4),))],
    "cumsum": [
        ("axis0", lambda x: snp.cumsum(x, axis=0) ** 2, (normal(3, 2),)),
        ("flat", lambda x: snp.cumsum(x) ** 2, (normal(2, 2),)),
    ],
    # zero derivative: checked through a product whose other factor carries it
    "floor": [("vec", lambda x: snp.floor(x) * x, (uniform(0.1, 0.9, 4) + np.arange(4) - 2,))],
    "ceil": [("vec", lambda x: snp.ceil(x) * x, (uniform(0.1, 0.9, 4) + np.arange(4) - 2,))],
    "trunc": [("vec", lambda x: snp.trunc(x) * x, (uniform(0.1, 0.9, 4) + np.arange(4) - 2,))],
    "rint": [("vec", lambda x: snp.rint(x) * x, (uniform(0.1, 0.4, 4) + np.arange(4) - 2,))],
    "round": [("vec", lambda x: snp.round(x, 1) * x, (uniform(0.01, 0.04, 4) + np.arange(4),))],
}

# The incomplete gamma and beta functions, Student's t and zeta (semigrad.scipy.special), in
# their variable (the shapes are constants: a second derivative in gammainc's a is refused, the
# first is checked in tests/scipy_namespace): a separate generator, so the draws above stay put.
_srng = np.random.default_rng(17)
_SHAPE = _srng.uniform(0.6, 3.0, (2, 1))  # broadcast against the variable's (3,)
_SA, _SB = _srng.uniform(0.6, 3.0, 4), _srng.uniform(0.6, 3.0, 4)
if sps is not None:
    CASES.update({
        "gammainc": [("x", lambda x: sps.gammainc(_SA, x), (_srng.uniform(0.2, 3.0, 4),)),
                     ("bcast", lambda x: sps.gammainc(_SHAPE, x), (_srng.uniform(0.2, 3.0, 3),))],
        "gammaincc": [("x", lambda x: sps.gammaincc(_SA, x), (_srng.uniform(0.2, 3.0, 4),))],
        # ∂gammainc/∂a, differentiable in x (gammainc's a-derivative, first order: test_special)
        "gammainc_da": [("x", lambda x: sps._gammainc_da(_SA, x),
                         (_srng.uniform(0.2, 3.0, 4),))],
        "gammaincinv": [("y", lambda y: sps.gammaincinv(_SA, y), (_srng.uniform(0.1, 0.9, 4),))],
        "gammainccinv": [("y", lambda y: sps.gammainccinv(_SA, y),
                          (_srng.uniform(0.1, 0.9, 4),))],
        "betainc": [("x", lambda x: sps.betainc(_SA, _SB, x), (_srng.uniform(0.1, 0.9, 4),)),
                    ("bcast", lambda x: sps.betainc(_SHAPE, 2.0, x),
                     (_srng.uniform(0.1, 0.9, 3),))],
        "betaincc": [("x", lambda x: sps.betaincc(_SA, _SB, x), (_srng.uniform(0.1, 0.9, 4),))],
        "betaincinv": [("y", lambda y: sps.betaincinv(_SA, _SB, y),
                        (_srng.uniform(0.1, 0.9, 4),))],
        "betainccinv": [("y", lambda y: sps.betainccinv(_SA, _SB, y),
                         (_srng.uniform(0.1, 0.9, 4),))],
        "stdtr": [("t", lambda t: sps.stdtr(2 * _SA, t), (_srng.normal(0.0, 2.0, 4),))],
        "stdtrit": [("p", lambda p: sps.stdtrit(2 * _SA, p), (_srng.uniform(0.1, 0.9, 4),))],
        "zeta": [("q", lambda q: sps.zeta(1.5 + _SA, q), (_srng.uniform(0.5, 3.0, 4),))],
    })

# Linear algebra (semigrad.primitives.linalg): its own generator, so the draws above stay put.
_lrng = np.random.default_rng(7)
_LA = _lrng.standard_normal((3, 3)) + 3 * np.eye(3)  # well conditioned
_G = _lrng.standard_normal((3, 3))
_SPD = _G @ _G.T + 3 * np.eye(3) + np.diag([0.0, 2.0, 4.0])  # distinct eigenvalues
CASES.update({
    "inv": [("mat", sla.inv, (_LA,))],
    "det": [("mat", sla.det, (_LA,))],
    "solve": [
        ("vec", sla.solve, (_LA, _lrng.standard_normal(3))),
        ("mat", sla.solve, (_LA, _lrng.standard_normal((3, 2)))),
    ],
    "cholesky": [("spd", sla.cholesky, (_SPD,))],
    "eigvalsh": [("spd", sla.eigvalsh, (_SPD,))],
    "eigh_vectors": [("spd", lambda a: sla.eigh(a)[1], (_SPD,))],
})

# New linear-algebra primitives: a separate generator, so the draws above stay put.
_nrng = np.random.default_rng(11)
_NA = _nrng.standard_normal((3, 3)) + 3 * np.eye(3)
_TALL = _nrng.standard_normal((4, 3)) + np.vstack([np.diag([3.0, 2.0, 1.0]), np.zeros((1, 3))])
_WIDE = _TALL.T[:2] + 0.1
# A general matrix with distinct real eigenvalues 1, 2.5, 4 (P diag P⁻¹, P well conditioned).
_P = np.eye(3) + 0.3 * np.random.default_rng(5).standard_normal((3, 3))
_EIG = _P @ np.diag([1.0, 2.5, 4.0]) @ np.linalg.inv(_P)
CASES.update({
    "slogdet_logabs": [
        ("mat", lambda a: sla.slogdet(a)[1], (_NA,)),
        ("neg", lambda a: sla.slogdet(a)[1], (-_NA,)),
    ],
    "svdvals": [("tall", sla.svdvals, (_TALL,)), ("wide", sla.svdvals, (_WIDE,))],
    "qr_r": [
        ("tall", lambda a: sla.qr(a)[1], (_TALL,)),
        ("square", lambda a: sla.qr(a)[1], (_NA,)),
    ],
    "qr_q": [
        ("tall", lambda a: sla.qr(a)[0], (_TALL,)),
        ("square", lambda a: sla.qr(a)[0], (_NA,)),
    ],
    "svd_u": [
        ("tall", lambda a: sla.svd(a, full_matrices=False).U, (_TALL,)),
        ("wide", lambda a: sla.svd(a, full_matrices=False).U, (_WIDE,)),
        ("square", lambda a: sla.svd(a).U, (_NA,)),
    ],
    "svd_vh": [
        ("tall", lambda a: sla.svd(a, full_matrices=False).Vh, (_TALL,)),
        ("wide", lambda a: sla.svd(a, full_matrices=False).Vh, (_WIDE,)),
        ("square", lambda a: sla.svd(a).Vh, (_NA,)),
    ],
    # general matrices; real eigenvalues here (the semiring tables need real graphs)
    "eigvals": [("real-spectrum", sla.eigvals, (_EIG,)),
                ("stack", lambda a: sla.eigvals(a) ** 2, (np.stack([_EIG, _EIG.T + np.eye(3)]),))],
    "eig_vectors": [("real-spectrum", lambda a: sla.eig(a)[1], (_EIG,))],
    "pinv": [
        ("tall", sla.pinv, (_TALL,)),
        ("wide", sla.pinv, (_WIDE,)),
        # rank 1 along the whole path b cᵀ, so the rank stays constant
        ("rank1", lambda b, c: sla.pinv(b @ c), (_TALL[:, :1], _WIDE[:1])),
    ],
})

# The discrete Fourier transform (semigrad.primitives.fft): its own generator. Real inputs to
# real outputs through complex intermediates (so no semiring or SymPy checks; see NO_SEMIRING).
_frng = np.random.default_rng(13)
_FW = _frng.standard_normal((5, 3)) + 1j * _frng.standard_normal((5, 3))
_FW2 = _frng.standard_normal(3) + 1j * _frng.standard_normal(3)
CASES.update({
    "fft": [
        ("c2c-pad", lambda x: sg.real(snp.fft.fft(x, n=5, axis=0) * _FW),
         (_frng.standard_normal((4, 3)),)),
        ("r2c-c2r", lambda x: snp.fft.irfft(snp.fft.rfft(x, norm="ortho") * _FW2, n=5),
         (_frng.standard_normal((2, 4)),)),
        ("2d-abs", lambda x: sg.abs(snp.fft.fft2(x, s=(3, 3))), (_frng.standard_normal((3, 4)),)),
    ],
})

# semigrad.scipy.linalg's primitives: their own generator, so the draws above stay put.
_qrng = np.random.default_rng(17)
_QA = _qrng.standard_normal((3, 3)) + 3 * np.eye(3)
_QB = _qrng.standard_normal((3, 2))
_QV = _qrng.standard_normal(3)
_QG = _qrng.standard_normal((3, 3))
_QSPD = _QG @ _QG.T + np.eye(3)
_PIVOT = np.array([[0.5, 2.0, 1.0], [3.0, 1.0, -1.0], [1.0, -2.0, 4.0]])  # pivots rows
if slin is not None:
    CASES.update({
        "solve_triangular": [
            ("lower-vec", lambda a, b: slin.solve_triangular(a, b, lower=True), (_QA, _QV)),
            ("upper-T-unit-mat", lambda a, b: slin.solve_triangular(
                a, b, trans="T", unit_diagonal=True), (_QA, _QB)),
            ("C-stack", lambda a, b: slin.solve_triangular(a, b, trans=2, lower=True),
             (np.stack([_QA, _QA.T]), _QV)),
        ],
        "lu_factor": [
            ("pivoted", lambda a: slin.lu_factor(a)[0], (_PIVOT,)),
            ("solve-T", lambda a, b: slin.lu_solve(slin.lu_factor(a), b, trans=1), (_PIVOT, _QV)),
        ],
        "expm": [("mat", slin.expm, (0.5 * _QA,))],
        "solve_sylvester": [("rect", slin.solve_sylvester,
                             (_QA, _qrng.standard_normal((2, 2)) + 2 * np.eye(2), _QB[:, :2]))],
        "sqrtm": [("spd", slin.sqrtm, (_QSPD,)), ("general", slin.sqrtm, (_QA,))],
    })

W33 = normal(3, 3) * 0.5

# Primitives whose rule is not a structured Jacobian (no scalar edges, no SymPy form):
# checked for gradients here, left out of the semiring and symbolic tables.
OPAQUE = {
    "checkpoint": [
        ("args", sg.checkpoint(lambda h: sg.tanh(h) * h), (normal(2, 3),)),
        ("closure", lambda x: sg.checkpoint(lambda h: sg.sin(h @ W33))(x) * x, (normal(2, 3),)),
    ],
}



def cnormal(*shape):
    return normal(*shape) + 1j * normal(*shape)


def cdistinct(*shape):
    return distinct(*shape) + 1j * distinct(*shape)[::-1]


_SPD_C = (lambda m: m @ m.conj().T + 3 * np.eye(3))(cnormal(3, 3))

# Complex inputs (JAX's convention: reverse rules are transposes for Re(u·v); see
# semigrad.primitives.complex). Functions end in a real or complex value alike: check_grads
# pairs outputs and inputs with Re(u·v). Every primitive that NumPy defines for complex
# values has a case; the real-only ones (ordering, arctan2, hypot, cbrt, ...) have none.
COMPLEX_CASES = {
    "add": [("mixed", lambda x, z: x + z, (normal(2, 3), cnormal(3)))],
    "subtract": [("bcast", lambda x, z: x - z, (cnormal(2, 1), cnormal(1, 3)))],
    "multiply": [("mixed", lambda x, z: x * z, (normal(2, 3), cnormal(2, 1)))],
    "divide": [("bcast", lambda x, z: x / z, (cnormal(3), cnormal(2, 3)))],
    "negative": [("vec", lambda z: -z, (cnormal(4),))],
    "reciprocal": [("vec", sg.reciprocal, (cnormal(4),))],
    "power": [
        ("both", lambda x, y: x**y, (cnormal(2, 3), cnormal(3) * 0.5)),
        ("const", lambda z: z**3, (cnormal(4),)),
        ("real-base", lambda y: 2.0**y, (cnormal(3),)),
    ],
    "square": [("vec", sg.square, (cnormal(4),))],
    "sqrt": [("vec", sg.sqrt, (cnormal(4) + 2.0,))],
    "abs": [("vec", sg.abs, (cnormal(5),))],
    "exp": [("mat", sg.exp, (cnormal(2, 3),))],
    "log": [("vec", sg.log, (cnormal(4) + 2.0,))],
    "log1p": [("vec", sg.log1p, (cnormal(4) * 0.3,))],
    "expm1": [("vec", sg.expm1, (cnormal(4),))],
    "sin": [("vec", sg.sin, (cnormal(4),))],
    "cos": [("vec", sg.cos, (cnormal(4),))],
    "tan": [("vec", sg.tan, (cnormal(4) * 0.5,))],
    "tanh": [("vec", sg.tanh, (cnormal(4) * 0.5,))],
    "where": [("mixed", lambda x, z: sg.where(MASK, x, z), (normal(2, 3), cnormal(3)))],
    "astype": [
        ("c64->c128", lambda z: sg.astype(z, np.complex128) * 1.5,
         (cnormal(3).astype(np.complex64),)),
        ("c128->f64", lambda z: sg.astype(z * z, np.float64), (cnormal(3),)),
    ],
    "identity": [("vec", sg.primitives.elementwise.identity, (cnormal(3),))],
    "einsum": [
        ("matmul", lambda a, b: a @ b, (cnormal(2, 3), cnormal(3, 4))),
        ("mixed", lambda a, b: sg.einsum("ij,j->i", a, b), (normal(2, 3), cnormal(3))),
        ("trace", lambda a: sg.einsum("ii->", a), (cnormal(3, 3),)),
    ],
    "reshape": [("mat", lambda z: sg.reshape(z, (3, 2)) ** 2, (cnormal(2, 3),))],
    "transpose": [("mat", lambda z: z.T**2, (cnormal(2, 3),))],
    "broadcast_to": [("row", lambda z: sg.broadcast_to(z, (2, 3)) ** 2, (cnormal(3),))],
    "sum": [("axis", lambda z: sg.sum(z**2, axis=0), (cnormal(2, 3),))],
    "getitem": [("repeats", lambda z: z[[0, 0, 2]] ** 2, (cnormal(3, 2),))],
    "scatter_add": [(
        "repeats",
        lambda z: S.scatter_add(z, np.array([0, 2, 0]), idx=(S.SLOT, slice(None)), in_shape=(4, 2),
                                out_ndim=2, adv_move=0, unique=False) ** 2,
        (cnormal(3, 2),),
    )],
    "concatenate": [("mixed", lambda x, z: sg.concatenate([x, z]) ** 2,
                     (normal(2), cnormal(3)))],
    "conj": [("vec", lambda z: sg.conj(z) * z, (cnormal(4),))],
    "real": [("vec", lambda z: sg.real(z * z), (cnormal(4),))],
    "imag": [("vec", lambda z: sg.imag(z * z), (cnormal(4),))],
    "angle": [("vec", sg.angle, (cnormal(4),))],
    "arcsin": [("vec", snp.arcsin, (cnormal(4) * 0.4,))],
    "arccos": [("vec", snp.arccos, (cnormal(4) * 0.4,))],
    "arctan": [("vec", snp.arctan, (cnormal(4) * 0.4,))],
    "sinh": [("vec", snp.sinh, (cnormal(4),))],
    "cosh": [("vec", snp.cosh, (cnormal(4),))],
    "arcsinh": [("vec", snp.arcsinh, (cnormal(4) * 0.4,))],
    "arccosh": [("vec", snp.arccosh, (cnormal(4) + 3.0,))],
    "arctanh": [("vec", snp.arctanh, (cnormal(4) * 0.4,))],
    "exp2": [("vec", snp.exp2, (cnormal(4),))],
    "log2": [("vec", snp.log2, (cnormal(4) + 2.0,))],
    "log10": [("vec", snp.log10, (cnormal(4) + 2.0,))],
    "sinc": [("vec", snp.sinc, (cnormal(4) * 0.5 + 0.3,))],
    "cumsum": [("axis", lambda z: snp.cumsum(z, axis=1) ** 2, (cnormal(2, 3),))],
    "prod": [("axis", lambda z: sg.prod(z, axis=1), (cnormal(2, 3),))],
    "inv": [("mat", sla.inv, (cnormal(3, 3) + 3 * np.eye(3),))],
    "det": [("mat", sla.det, (cnormal(3, 3),))],
    "solve": [("vec", sla.solve, (cnormal(3, 3) + 3 * np.eye(3), cnormal(3)))],
    "slogdet_logabs": [("mat", lambda a: sla.slogdet(a)[1], (cnormal(3, 3),))],
    "logdet": [("sign", lambda a: sla.slogdet(a)[0], (cnormal(3, 3),)),
               ("stack", lambda a: sg.primitives.linalg.logdet(a), (cnormal(2, 3, 3),))],
    "cholesky": [("hermitian", sla.cholesky, (_SPD_C,)),
                 ("lower-only", sla.cholesky, (np.tril(_SPD_C) + np.triu(cnormal(3, 3), 1),))],
    "eigvalsh": [("hermitian", sla.eigvalsh, (_SPD_C,))],
    "eigh_vectors": [("hermitian", lambda a: sla.eigh(a)[1], (_SPD_C,))],
    "svdvals": [("tall", sla.svdvals, (cnormal(4, 3),)), ("wide", sla.svdvals, (cnormal(2, 3),))],
    "svd_u": [("tall", lambda a: sla.svd(a, full_matrices=False).U, (cnormal(4, 3),)),
              ("wide", lambda a: sla.svd(a, full_matrices=False).U, (cnormal(2, 3),))],
    "svd_vh": [("tall", lambda a: sla.svd(a, full_matrices=False).Vh, (cnormal(4, 3),)),
               ("square", lambda a: sla.svd(a).Vh, (cnormal(3, 3),)),
               ("wide", lambda a: sla.svd(a, full_matrices=False).Vh, (cnormal(2, 3),))],
    "pinv": [("tall", sla.pinv, (cnormal(4, 3),)), ("wide", sla.pinv, (cnormal(2, 3),))],
    "qr_r": [("tall", lambda a: sla.qr(a)[1], (cnormal(4, 3),)),
             ("wide", lambda a: sla.qr(a)[1], (cnormal(2, 3),))],
    "qr_q": [("tall", lambda a: sla.qr(a)[0], (cnormal(4, 3),))],
    "eigvals": [("complex-matrix", sla.eigvals, (cnormal(3, 3),)),
                ("real-matrix-complex-spectrum", sla.eigvals, (np.array(
                    [[0.0, 1.0, 0.3], [-2.0, 0.1, 0.0], [0.5, 0.0, 1.0]]),))],
    "eig_vectors": [("complex-matrix", lambda a: sla.eig(a)[1], (cnormal(3, 3),)),
                    ("real-matrix-complex-spectrum", lambda a: sla.eig(a)[1], (np.array(
                        [[0.0, 1.0, 0.3], [-2.0, 0.1, 0.0], [0.5, 0.0, 1.0]]),))],
}

_fc = _frng.standard_normal((2, 3, 4)) + 1j * _frng.standard_normal((2, 3, 4))
COMPLEX_CASES.update({
    "fft": [
        ("c2c-inverse", lambda z: snp.fft.ifftn(z[0], s=(2, 5), axes=(0, 1)), (_fc,)),
        ("c2r-even", lambda z: snp.fft.irfft(z[0], n=6, norm="ortho"), (_fc,)),
        ("c2r-odd-2d", lambda z: snp.fft.irfft2(z, s=(3, 5)), (_fc,)),
    ],
})

if slin is not None:
    _SC = cnormal(3, 3) + 3 * np.eye(3)
    COMPLEX_CASES.update({
        "solve_triangular": [
            ("C-lower", lambda a, b: slin.solve_triangular(a, b, trans="C", lower=True),
             (_SC, cnormal(3))),
            ("T-real-a", lambda a, b: slin.solve_triangular(a, b, trans=1), (_QA, cnormal(3, 2))),
        ],
        "lu_factor": [("mat", lambda a: slin.lu_factor(a)[0], (_SC,)),
                      ("solve-C", lambda a, b: slin.lu_solve(slin.lu_factor(a), b, trans=2),
                       (_SC, cnormal(3)))],
        "expm": [("mat", slin.expm, (0.5 * cnormal(3, 3),))],
        "solve_sylvester": [("mixed", slin.solve_sylvester,
                             (_SC, normal(2, 2) + 2 * np.eye(2), cnormal(3, 2)))],
        "sqrtm": [("mat", slin.sqrtm, (_SC,)),
                  # a negative eigenvalue: SciPy's principal root of this real matrix is complex
                  ("real-input-complex-root", slin.sqrtm, (np.array([[1.0, 2.0], [3.0, 4.0]]),))],
    })

COMPLEX_TABLE = [
    pytest.param(fn, args, id=f"{name}-{label}")
    for name, cases in COMPLEX_CASES.items()
    for label, fn, args in cases
]

# Zero derivative everywhere: their outputs never require grad.
NON_DIFFERENTIABLE = {
    "sign", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_not", "logical_and", "logical_or", "stop_gradient",
}

# Complex intermediates even in their real cases: semiring sweeps and path analyses refuse
# them (tests/test_semirings.py leaves these out).
NO_SEMIRING = {"fft"}

TABLE = [
    pytest.param(fn, args, id=f"{name}-{label}")
    for name, cases in CASES.items()
    for label, fn, args in cases
]
