"""Model files: complex parameters round-trip, and hostile archives are refused cheaply.

``sg.nn.load`` and ``Module.load`` read a ``.npz`` archive member by member:
with a model (or ``like=``) only the parameters' members are opened; every
member read has its ``.npy`` header (dtype, shape, order) checked against the
size the zip directory gives it before any data is read. The hostile archives
below are built by hand in ``tmp_path`` (a member claiming 1.6 GB is a
1.6 MB deflate stream, a member claiming 10^12 elements a few bytes), so each
test runs in milliseconds and would take seconds or all the memory if the
loader read what it should not.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest

import semigrad as sg
import semigrad.nn as nn


class Pair(nn.Module):
    def __init__(self, w, b):
        self.w = nn.Parameter(w)
        self.b = nn.Parameter(b)

    def forward(self, x):
        return x @ self.w + self.b


def npy(array=None, *, header=None, data=b"", **save) -> bytes:
    """The bytes of a .npy file: of ``array``, or ``header`` (a dict) followed by ``data``."""
    f = io.BytesIO()
    if header is None:
        np.lib.format.write_array(f, np.asarray(array), **save)
        return f.getvalue()
    np.lib.format.write_array_header_1_0(f, header)
    return f.getvalue() + data


def write_zip(path, members):
    """A zip archive of ``(name, payload, method, crc, size)`` written byte by byte, so that
    a member can carry a ready-made deflate stream and directory sizes of our choosing."""
    body, directory = bytearray(), bytearray()
    for name, payload, method, crc, size in members:
        n = name.encode()
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc,
                            len(payload), size, len(n), 0) + n + payload
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                                 crc, len(payload), size, len(n), 0, 0, 0, 0, 0, offset) + n
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))
    return path


def stored(name, data: bytes, size=None):
    return name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data) if size is None else size


def zeros_bomb(name, n_float64):
    """A deflated member holding a .npy of ``n_float64`` zeros (8·n bytes uncompressed) in
    about n/1000 bytes: one compressed 16 MB block of zeros, repeated (each block starts
    from a reset compressor, so the copies decompress alike)."""
    header = npy(header={"descr": "<f8", "fortran_order": False, "shape": (n_float64,)})
    block_bytes = 1 << 24
    assert (8 * n_float64) % block_bytes == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(block_bytes)) + c.flush(zlib.Z_FULL_FLUSH)
    stream = head + block * (8 * n_float64 // block_bytes) + c.flush()
    # the CRC is never checked: a loader that got as far as checking it has already failed
    return name, stream, zipfile.ZIP_DEFLATED, 0, len(header) + 8 * n_float64


def model_members(model):
    return [stored(k + ".npy", npy(v)) for k, v in model.state_dict().items()]


@pytest.fixture
def model():
    return Pair(np.arange(6.0).reshape(3, 2), np.ones(2))


@pytest.fixture
def opened(monkeypatch):
    """The names of the archive members opened (headers or data) during the test."""
    names = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        names.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


# ---- complex parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_parameters_round_trip(tmp_path, dtype):
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))).astype(dtype)
    b = np.array([1 - 2j, 3j], dtype)
    model = Pair(w, b)
    path = tmp_path / "complex.npz"
    model.save(path)
    other = Pair(np.zeros((3, 2), dtype), np.zeros(2, dtype)).load(path)
    assert other.w.dtype == dtype and other.b.dtype == dtype
    np.testing.assert_array_equal(other.w.value, w)
    np.testing.assert_array_equal(other.b.value, b)
    loaded = nn.load(path)
    assert loaded["w"].dtype == dtype
    np.testing.assert_array_equal(loaded["b"], b)
    np.testing.assert_array_equal(nn.load(path, like=model)["w"], w)
    fresh = Pair(np.zeros((3, 2), dtype), np.zeros(2, dtype)).load_state_dict(model.state_dict())
    np.testing.assert_array_equal(fresh.w.value, w)
    x = np.ones((1, 3))  # and the loaded model still differentiates
    g = sg.grad(lambda v: sg.real(sg.sum(fresh(v))))(x)
    np.testing.assert_allclose(g, np.real(w.sum(axis=1))[None, :], rtol=1e-6)


def test_complex_values_are_not_cast_into_real_parameters(tmp_path, model):
    state = {"w": np.ones((3, 2)) * 1j, "b": np.ones(2)}
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"complex into real w \(complex128 into float64\)"):
        model.load_state_dict(state)
    nn.save(tmp_path / "c.npz", state)
    with pytest.raises(ValueError, match="complex into real w"):
        model.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(model.w.value, before["w"])
    real_into_complex = Pair(np.zeros((3, 2), complex), np.zeros(2, complex))
    real_into_complex.load_state_dict(before)
    assert real_into_complex.w.dtype == np.complex128


# ---- only the members asked for ---------------------------------------------------------------


def test_module_load_reads_only_its_parameters(tmp_path, model, opened):
    huge = zeros_bomb("huge.npy", 200 * 2**20)  # claims 1.6 GB, 1.6 MB on disk
    path = write_zip(tmp_path / "model.npz", [*model_members(model), huge])
    assert path.stat().st_size < 3 * 2**20
    with pytest.raises(ValueError, match=r"model\.npz: .*unexpected huge"):
        model.load(path)
    with pytest.raises(ValueError, match="unexpected huge"):
        nn.load(path, like=model)
    assert "huge.npy" not in opened and set(opened) <= {"w.npy", "b.npy"}


def test_a_well_formed_file_loads_member_by_member(tmp_path, model, opened):
    path = write_zip(tmp_path / "model.npz", model_members(model))
    loaded = nn.load(path, like=model)
    assert sorted(opened) == ["b.npy", "b.npy", "w.npy", "w.npy"]  # header, then data
    np.testing.assert_array_equal(loaded["w"], model.w.value)
    other = Pair(np.zeros((3, 2)), np.zeros(2)).load(path)
    np.testing.assert_array_equal(other.w.value, model.w.value)


def test_numpy_archives_load_too(tmp_path):
    """np.savez (stored) and np.savez_compressed (deflated), Fortran order, big-endian."""
    arrays = {"f": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
              "big": np.arange(3, dtype=">f4"), "flag": np.array([True, False]),
              "scalar": np.float64(2.5), "empty": np.zeros((0, 4))}
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "a.npz", **arrays)
        loaded = nn.load(tmp_path / "a.npz")
        assert sorted(loaded) == sorted(arrays)
        for k, v in arrays.items():
            assert loaded[k].dtype == np.asarray(v).dtype and loaded[k].shape == np.shape(v)
            np.testing.assert_array_equal(loaded[k], v)
        assert loaded["f"].flags.f_contiguous and loaded["f"].flags.writeable


# ---- hostile members: refused before their data is read -----------------------------------------

HEADER_1E12 = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}

HOSTILE = [  # (what, members of the archive, the member named in the error, message)
    ("a header claiming 10^12 elements",
     [stored("w.npy", npy(header=HEADER_1E12, data=bytes(48)))], "w.npy",
     r"declares shape \(1000000000000,\) of float64 .* but holds"),
    ("an object array",
     [stored("w.npy", npy(np.array([{"x": 1}], dtype=object), allow_pickle=True))], "w.npy",
     "has dtype object"),
    ("a structured dtype",
     [stored("w.npy", npy(np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")])))], "w.npy",
     "has dtype"),
    ("a truncated member (fewer bytes than its header declares)",
     [stored("w.npy", npy(np.arange(4.0))[:-8])], "w.npy", r"declares shape \(4,\)"),
    ("trailing bytes after the data",
     [stored("w.npy", npy(np.arange(4.0)) + b"extra")], "w.npy", "but holds"),
    ("a stored member whose directory claims 1.6 GB",
     [stored("w.npy", npy(np.arange(4.0)), size=1_600_000_000)], "w.npy", "claims 1600000000"),
    ("a deflated member claiming more than deflate can expand to",
     [("w.npy", zlib.compress(npy(np.zeros(4)))[2:-4], zipfile.ZIP_DEFLATED, 0, 10**9)],
     "w.npy", "claims 1000000000 bytes"),
    ("a negative shape",
     [stored("w.npy", npy(header={"descr": "<f8", "fortran_order": False, "shape": (-1,)}))],
     "w.npy", "impossible shape"),
    ("not a .npy file",
     [stored("w.npy", b"just some text, not an array")], "w.npy", "no valid .npy header"),
    ("a bzip2 member",
     [("w.npy", b"BZh9", zipfile.ZIP_BZIP2, 0, 100)], "w.npy", "compression method 12"),
    ("a member twice",
     [stored("w.npy", npy(np.ones(2))), stored("w.npy", npy(np.ones(2)))], "w.npy",
     "appears twice"),
]


@pytest.mark.parametrize("what, members, member, message", HOSTILE,
                         ids=[h[0] for h in HOSTILE])
def test_hostile_members_are_refused_by_name(tmp_path, what, members, member, message):
    path = write_zip(tmp_path / "hostile.npz", members)
    with pytest.raises(ValueError, match=message) as info:
        nn.load(path)
    assert f"member '{member}'" in str(info.value) and "hostile.npz" in str(info.value)


def test_hostile_parameter_members_are_refused_by_name(tmp_path, model):
    lie = npy(header=HEADER_1E12, data=bytes(16))
    path = write_zip(tmp_path / "m.npz", [stored("w.npy", npy(model.w.value)),
                                          stored("b.npy", lie)])
    with pytest.raises(ValueError, match=r"member 'b\.npy' declares shape \(1000000000000,\)"):
        model.load(path)
    objects = npy(np.array([None, None], dtype=object), allow_pickle=True)
    write_zip(path, [stored("w.npy", npy(model.w.value)), stored("b.npy", objects)])
    with pytest.raises(ValueError, match=r"member 'b\.npy' has dtype object"):
        model.load(path)


def test_damaged_data_is_refused_by_name(tmp_path, model):
    name, data, method, crc, size = stored("b.npy", npy(np.ones(2)))
    corrupt = data[:-1] + b"\x01"  # the CRC in the directory no longer matches
    path = write_zip(tmp_path / "m.npz", [stored("w.npy", npy(model.w.value)),
                                          (name, corrupt, method, crc, size)])
    with pytest.raises(ValueError, match=r"member 'b\.npy' is damaged \(.*CRC"):
        model.load(path)
    good = write_zip(tmp_path / "cut.npz", model_members(model)).read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[:200])  # the end (and directory) cut off
    with pytest.raises(ValueError, match="not a .npz archive"):
        model.load(tmp_path / "cut.npz")
