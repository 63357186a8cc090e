"""Pure-Python BLS12-381 arithmetic for the reference backend, on plain ``int``.

py-ecc (which the reference backend uses for (de)compression and the SSWU map) represents every
field element as an object and evaluates the Miller loop in full F_p^12 with a generic final
exponentiation: about 0.3 s per pairing here. BBS needs products of two pairings and
multi-scalar multiplications, so this module supplies exactly those, written for speed in
plain Python and checked against py-ecc in ``tests/unit/bbs/test_reference_arithmetic.py``:

- G1 and G2 in Jacobian coordinates (a = 0 formulas: dbl-2009-l, add-2007-bl), wNAF scalar
  multiplication and Straus (interleaved wNAF) multi-scalar multiplication;
- the tower F_p2 = F_p[u]/(u^2+1), F_p6 = F_p2[v]/(v^3-(u+1)), F_p12 = F_p6[w]/(w^2-v);
- the optimal ate Miller loop in homogeneous projective coordinates on the M-type twist
  (Costello-Lange-Naehrig, eprint 2010/354, Alg. 26-27, with sparse "014" line products),
  shared by all pairs of a product, and ONE final exponentiation whose hard part uses
  3*(p^4-p^2+1)/r = (x-1)^2 (x+p) (x^2+p^2-1) + 3 (Hayashida-Hayasaka-Teruya, eprint 2020/875);
  multiplying the exponent by 3, which is prime to r, keeps "== 1" exact.

Not constant time (Python integers are not): the reference backend exists to cross-check the
native one and to run where no native library is installed.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "B1",
    "B2",
    "G2_GEN",
    "Fp2",
    "Fp12",
    "Jac1",
    "Jac2",
    "P",
    "R",
    "X",
    "g1_add",
    "g1_eq",
    "g1_from_affine",
    "g1_is_inf",
    "g1_msm",
    "g1_mul",
    "g1_neg",
    "g1_to_affine",
    "g2_from_affine",
    "g2_is_inf",
    "g2_mul",
    "g2_neg",
    "g2_to_affine",
    "pairing_product_is_one",
]

P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
#: The BLS parameter x (negative for BLS12-381).
X = -0xD201000000010000
_ABS_X = -X
B1 = 4

Fp2 = tuple[int, int]
Fp6 = tuple[Fp2, Fp2, Fp2]
Fp12 = tuple[Fp6, Fp6]
Jac1 = tuple[int, int, int]
Jac2 = tuple[Fp2, Fp2, Fp2]

B2: Fp2 = (4, 4)  # 4(u + 1)
_INF1: Jac1 = (1, 1, 0)
_ZERO2: Fp2 = (0, 0)
_ONE2: Fp2 = (1, 0)
_INF2: Jac2 = (_ONE2, _ONE2, _ZERO2)

G2_GEN: tuple[Fp2, Fp2] = (
    (
        0x024AA2B2F08F0A91260805272DC51051C6E47AD4FA403B02B4510B647AE3D1770BAC0326A805BBEFD48056C8C121BDB8,
        0x13E02B6052719F607DACD3A088274F65596BD0D09920B61AB5DA61BBDC7F5049334CF11213945D57E5AC7D055D042B7E,
    ),
    (
        0x0CE5D527727D6E118CC9CDC6DA2E351AADFD9BAA8CBDD3A76D429A695160D12C923AC9CC3BACA289E193548608B82801,
        0x0606C4A02EA734CC32ACD2B02BC28B99CB3E287E85A763AF267492AB572E99AB3F370D275CEC1DA1AAA9075FF05F79BE,
    ),
)


# ---------------------------------------------------------------------------- G1 (Jacobian)
def g1_from_affine(x: int, y: int) -> Jac1:
    return (x, y, 1)


def g1_is_inf(p: Jac1) -> bool:
    return p[2] == 0


def g1_to_affine(p: Jac1) -> tuple[int, int] | None:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def g1_neg(p: Jac1) -> Jac1:
    return (p[0], -p[1] % P, p[2])


def g1_eq(p: Jac1, q: Jac1) -> bool:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0 or z2 == 0:
        return z1 == z2 == 0
    z1s, z2s = z1 * z1 % P, z2 * z2 % P
    return (x1 * z2s - x2 * z1s) % P == 0 and (y1 * z2s * z2 - y2 * z1s * z1) % P == 0


def _g1_dbl(p: Jac1) -> Jac1:
    x, y, z = p
    if z == 0:
        return p
    a = x * x % P
    b = y * y % P
    c = b * b % P
    d = 2 * ((x + b) ** 2 - a - c) % P
    e = 3 * a
    x3 = (e * e - 2 * d) % P
    y3 = (e * (d - x3) - 8 * c) % P
    z3 = 2 * y * z % P
    return (x3, y3, z3)


def g1_add(p: Jac1, q: Jac1) -> Jac1:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - u1) % P
    rr = (s2 - s1) % P
    if h == 0:
        return _g1_dbl(p) if rr == 0 else _INF1
    i = 4 * h * h % P
    j = h * i % P
    rr = 2 * rr
    v = u1 * i % P
    x3 = (rr * rr - j - 2 * v) % P
    y3 = (rr * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) ** 2 - z1z1 - z2z2) * h % P
    return (x3, y3, z3)


def _wnaf(k: int, w: int) -> list[int]:
    """Width-w NAF digits of k >= 0, least significant first (odd digits |d| < 2^(w-1))."""
    digits = []
    full, half = 1 << w, 1 << (w - 1)
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits


def _g1_odd_multiples(p: Jac1, count: int) -> list[Jac1]:
    twice = _g1_dbl(p)
    table = [p]
    for _ in range(count - 1):
        table.append(g1_add(table[-1], twice))
    return table


def g1_msm(points: Sequence[Jac1], scalars: Sequence[int], w: int = 5) -> Jac1:
    """sum(k_i * P_i) by Straus' method with one wNAF table per point (scalars in [0, r))."""
    tables = []
    nafs = []
    for pt, k in zip(points, scalars, strict=True):
        k %= R
        if k == 0 or pt[2] == 0:
            continue
        tables.append(_g1_odd_multiples(pt, 1 << (w - 2)))
        nafs.append(_wnaf(k, w))
    if not nafs:
        return _INF1
    acc = _INF1
    for bit in range(max(map(len, nafs)) - 1, -1, -1):
        acc = _g1_dbl(acc)
        for naf, table in zip(nafs, tables, strict=True):
            if bit < len(naf) and (d := naf[bit]):
                acc = g1_add(acc, table[d >> 1] if d > 0 else g1_neg(table[(-d) >> 1]))
    return acc


def g1_mul(p: Jac1, k: int) -> Jac1:
    """k * P for any k >= 0 (not reduced mod r, so that r * P can test subgroup membership)."""
    if k == 0 or p[2] == 0:
        return _INF1
    table = _g1_odd_multiples(p, 8)
    acc = _INF1
    for d in reversed(_wnaf(k, 5)):
        acc = _g1_dbl(acc)
        if d:
            acc = g1_add(acc, table[d >> 1] if d > 0 else g1_neg(table[(-d) >> 1]))
    return acc


# ---------------------------------------------------------------------------- F_p2
def _f2_add(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def _f2_sub(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def _f2_neg(a: Fp2) -> Fp2:
    return (-a[0] % P, -a[1] % P)


def _f2_mul(a: Fp2, b: Fp2) -> Fp2:
    a0, a1 = a
    b0, b1 = b
    t0 = a0 * b0
    t1 = a1 * b1
    return ((t0 - t1) % P, ((a0 + a1) * (b0 + b1) - t0 - t1) % P)


def _f2_sqr(a: Fp2) -> Fp2:
    a0, a1 = a
    return ((a0 + a1) * (a0 - a1) % P, 2 * a0 * a1 % P)


def _f2_muls(a: Fp2, s: int) -> Fp2:
    return (a[0] * s % P, a[1] * s % P)


def _f2_mul_nr(a: Fp2) -> Fp2:
    """Multiply by the non-residue u + 1."""
    a0, a1 = a
    return ((a0 - a1) % P, (a0 + a1) % P)


def _f2_inv(a: Fp2) -> Fp2:
    a0, a1 = a
    t = pow(a0 * a0 + a1 * a1, -1, P)
    return (a0 * t % P, -a1 * t % P)


def _f2_conj(a: Fp2) -> Fp2:
    return (a[0], -a[1] % P)


def _f2_pow(a: Fp2, e: int) -> Fp2:
    out = _ONE2
    base = a
    while e:
        if e & 1:
            out = _f2_mul(out, base)
        base = _f2_sqr(base)
        e >>= 1
    return out


# ---------------------------------------------------------------------------- G2 (Jacobian over F_p2)
def g2_from_affine(x: Fp2, y: Fp2) -> Jac2:
    return (x, y, _ONE2)


def g2_is_inf(p: Jac2) -> bool:
    return p[2] == _ZERO2


def g2_to_affine(p: Jac2) -> tuple[Fp2, Fp2] | None:
    x, y, z = p
    if z == _ZERO2:
        return None
    zi = _f2_inv(z)
    zi2 = _f2_sqr(zi)
    return _f2_mul(x, zi2), _f2_mul(y, _f2_mul(zi2, zi))


def g2_neg(p: Jac2) -> Jac2:
    return (p[0], _f2_neg(p[1]), p[2])


def _g2_dbl(p: Jac2) -> Jac2:
    x, y, z = p
    if z == _ZERO2:
        return p
    a = _f2_sqr(x)
    b = _f2_sqr(y)
    c = _f2_sqr(b)
    d = _f2_muls(_f2_sub(_f2_sub(_f2_sqr(_f2_add(x, b)), a), c), 2)
    e = _f2_muls(a, 3)
    x3 = _f2_sub(_f2_sqr(e), _f2_muls(d, 2))
    y3 = _f2_sub(_f2_mul(e, _f2_sub(d, x3)), _f2_muls(c, 8))
    z3 = _f2_muls(_f2_mul(y, z), 2)
    return (x3, y3, z3)


def _g2_add(p: Jac2, q: Jac2) -> Jac2:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == _ZERO2:
        return q
    if z2 == _ZERO2:
        return p
    z1z1 = _f2_sqr(z1)
    z2z2 = _f2_sqr(z2)
    u1 = _f2_mul(x1, z2z2)
    u2 = _f2_mul(x2, z1z1)
    s1 = _f2_mul(_f2_mul(y1, z2), z2z2)
    s2 = _f2_mul(_f2_mul(y2, z1), z1z1)
    h = _f2_sub(u2, u1)
    rr = _f2_sub(s2, s1)
    if h == _ZERO2:
        return _g2_dbl(p) if rr == _ZERO2 else _INF2
    i = _f2_muls(_f2_sqr(h), 4)
    j = _f2_mul(h, i)
    rr = _f2_muls(rr, 2)
    v = _f2_mul(u1, i)
    x3 = _f2_sub(_f2_sub(_f2_sqr(rr), j), _f2_muls(v, 2))
    y3 = _f2_sub(_f2_mul(rr, _f2_sub(v, x3)), _f2_muls(_f2_mul(s1, j), 2))
    z3 = _f2_mul(_f2_sub(_f2_sub(_f2_sqr(_f2_add(z1, z2)), z1z1), z2z2), h)
    return (x3, y3, z3)


def g2_mul(p: Jac2, k: int) -> Jac2:
    """k * Q for any k >= 0 (wNAF, width 5)."""
    if k == 0 or p[2] == _ZERO2:
        return _INF2
    twice = _g2_dbl(p)
    table = [p]
    for _ in range(7):
        table.append(_g2_add(table[-1], twice))
    acc = _INF2
    for d in reversed(_wnaf(k, 5)):
        acc = _g2_dbl(acc)
        if d:
            acc = _g2_add(acc, table[d >> 1] if d > 0 else g2_neg(table[(-d) >> 1]))
    return acc


# ---------------------------------------------------------------------------- F_p6, F_p12
def _f6_add(a: Fp6, b: Fp6) -> Fp6:
    return (_f2_add(a[0], b[0]), _f2_add(a[1], b[1]), _f2_add(a[2], b[2]))


def _f6_sub(a: Fp6, b: Fp6) -> Fp6:
    return (_f2_sub(a[0], b[0]), _f2_sub(a[1], b[1]), _f2_sub(a[2], b[2]))


def _f6_neg(a: Fp6) -> Fp6:
    return (_f2_neg(a[0]), _f2_neg(a[1]), _f2_neg(a[2]))


def _f6_mul(a: Fp6, b: Fp6) -> Fp6:
    a0, a1, a2 = a
    b0, b1, b2 = b
    t0 = _f2_mul(a0, b0)
    t1 = _f2_mul(a1, b1)
    t2 = _f2_mul(a2, b2)
    c0 = _f2_add(_f2_mul_nr(_f2_sub(_f2_sub(_f2_mul(_f2_add(a1, a2), _f2_add(b1, b2)), t1), t2)), t0)
    c1 = _f2_add(_f2_sub(_f2_sub(_f2_mul(_f2_add(a0, a1), _f2_add(b0, b1)), t0), t1), _f2_mul_nr(t2))
    c2 = _f2_add(_f2_sub(_f2_sub(_f2_mul(_f2_add(a0, a2), _f2_add(b0, b2)), t0), t2), t1)
    return (c0, c1, c2)


def _f6_mul_by_v(a: Fp6) -> Fp6:
    return (_f2_mul_nr(a[2]), a[0], a[1])


def _f6_mul_by_01(a: Fp6, c0: Fp2, c1: Fp2) -> Fp6:
    a0, a1, a2 = a
    t0 = _f2_mul(a0, c0)
    t1 = _f2_mul(a1, c1)
    r0 = _f2_add(_f2_mul_nr(_f2_mul(a2, c1)), t0)
    r1 = _f2_sub(_f2_sub(_f2_mul(_f2_add(c0, c1), _f2_add(a0, a1)), t0), t1)
    r2 = _f2_add(_f2_mul(a2, c0), t1)
    return (r0, r1, r2)


def _f6_mul_by_1(a: Fp6, c1: Fp2) -> Fp6:
    return (_f2_mul_nr(_f2_mul(a[2], c1)), _f2_mul(a[0], c1), _f2_mul(a[1], c1))


def _f6_inv(a: Fp6) -> Fp6:
    a0, a1, a2 = a
    t0 = _f2_sub(_f2_sqr(a0), _f2_mul_nr(_f2_mul(a1, a2)))
    t1 = _f2_sub(_f2_mul_nr(_f2_sqr(a2)), _f2_mul(a0, a1))
    t2 = _f2_sub(_f2_sqr(a1), _f2_mul(a0, a2))
    norm = _f2_add(_f2_mul(a0, t0), _f2_mul_nr(_f2_add(_f2_mul(a2, t1), _f2_mul(a1, t2))))
    ni = _f2_inv(norm)
    return (_f2_mul(t0, ni), _f2_mul(t1, ni), _f2_mul(t2, ni))


_F6_ONE: Fp6 = (_ONE2, _ZERO2, _ZERO2)
_F6_ZERO: Fp6 = (_ZERO2, _ZERO2, _ZERO2)
F12_ONE: Fp12 = (_F6_ONE, _F6_ZERO)


def _f12_mul(a: Fp12, b: Fp12) -> Fp12:
    a0, a1 = a
    b0, b1 = b
    t0 = _f6_mul(a0, b0)
    t1 = _f6_mul(a1, b1)
    c1 = _f6_sub(_f6_sub(_f6_mul(_f6_add(a0, a1), _f6_add(b0, b1)), t0), t1)
    return (_f6_add(t0, _f6_mul_by_v(t1)), c1)


def _f12_sqr(a: Fp12) -> Fp12:
    a0, a1 = a
    ab = _f6_mul(a0, a1)
    c0 = _f6_sub(_f6_sub(_f6_mul(_f6_add(a0, a1), _f6_add(a0, _f6_mul_by_v(a1))), ab), _f6_mul_by_v(ab))
    return (c0, _f6_add(ab, ab))


def _f12_conj(a: Fp12) -> Fp12:
    return (a[0], _f6_neg(a[1]))


def _f12_inv(a: Fp12) -> Fp12:
    a0, a1 = a
    t = _f6_inv(_f6_sub(_f6_mul(a0, a0), _f6_mul_by_v(_f6_mul(a1, a1))))
    return (_f6_mul(a0, t), _f6_neg(_f6_mul(a1, t)))


def _f12_mul_by_014(a: Fp12, c0: Fp2, c1: Fp2, c4: Fp2) -> Fp12:
    """a * (c0 + c1*v + c4*v*w): the sparse product with a line value."""
    aa = _f6_mul_by_01(a[0], c0, c1)
    bb = _f6_mul_by_1(a[1], c4)
    o = _f2_add(c1, c4)
    r1 = _f6_sub(_f6_sub(_f6_mul_by_01(_f6_add(a[1], a[0]), c0, o), aa), bb)
    r0 = _f6_add(_f6_mul_by_v(bb), aa)
    return (r0, r1)


# Frobenius: (sum a_i w^i)^p = sum conj(a_i) * gamma_i * w^i with gamma_i = (u+1)^(i(p-1)/6);
# w^i sits in c0 = (w^0, w^2, w^4) and c1 = (w^1, w^3, w^5).
_GAMMA = [_f2_pow((1, 1), i * (P - 1) // 6) for i in range(6)]


def _f12_frob(a: Fp12) -> Fp12:
    (a0, a2, a4), (a1, a3, a5) = a
    g = _GAMMA
    return (
        (_f2_conj(a0), _f2_mul(_f2_conj(a2), g[2]), _f2_mul(_f2_conj(a4), g[4])),
        (_f2_mul(_f2_conj(a1), g[1]), _f2_mul(_f2_conj(a3), g[3]), _f2_mul(_f2_conj(a5), g[5])),
    )


def _f12_exp_abs_x(a: Fp12) -> Fp12:
    """a^|x| (square-and-multiply over the 64-bit |x|, which has only six set bits)."""
    out = a
    for bit in bin(_ABS_X)[3:]:
        out = _f12_sqr(out)
        if bit == "1":
            out = _f12_mul(out, a)
    return out


def _f12_exp_x(a: Fp12) -> Fp12:
    """a^x for a in the cyclotomic subgroup (x < 0, and there the inverse is the conjugate)."""
    return _f12_conj(_f12_exp_abs_x(a))


def _final_exponentiation_is_one(f: Fp12) -> bool:
    # Easy part: f^((p^6 - 1)(p^2 + 1)), after which f is in the cyclotomic subgroup.
    f = _f12_mul(_f12_conj(f), _f12_inv(f))
    f = _f12_mul(_f12_frob(_f12_frob(f)), f)
    # Hard part, times 3: (x-1)^2 (x+p) (x^2+p^2-1) + 3.
    a = _f12_mul(_f12_exp_x(f), _f12_conj(f))  # f^(x-1)
    a = _f12_mul(_f12_exp_x(a), _f12_conj(a))  # f^((x-1)^2)
    b = _f12_mul(_f12_exp_x(a), _f12_frob(a))  # ^(x+p)
    c = _f12_mul(_f12_mul(_f12_exp_x(_f12_exp_x(b)), _f12_frob(_f12_frob(b))), _f12_conj(b))  # ^(x^2+p^2-1)
    out = _f12_mul(c, _f12_mul(_f12_sqr(f), f))
    return out == F12_ONE


# ---------------------------------------------------------------------------- Miller loop
def _doubling_step(r: list[Fp2]) -> tuple[Fp2, Fp2, Fp2]:
    """eprint 2010/354 Alg. 26 (homogeneous projective, M-type twist); updates r in place."""
    rx, ry, rz = r
    t0 = _f2_sqr(rx)
    t1 = _f2_sqr(ry)
    t2 = _f2_sqr(t1)
    t3 = _f2_muls(_f2_sub(_f2_sub(_f2_sqr(_f2_add(t1, rx)), t0), t2), 2)
    t4 = _f2_muls(t0, 3)
    t6 = _f2_add(rx, t4)
    t5 = _f2_sqr(t4)
    zz = _f2_sqr(rz)
    nx = _f2_sub(t5, _f2_muls(t3, 2))
    nz = _f2_sub(_f2_sub(_f2_sqr(_f2_add(rz, ry)), t1), zz)
    ny = _f2_sub(_f2_mul(_f2_sub(t3, nx), t4), _f2_muls(t2, 8))
    t3 = _f2_neg(_f2_muls(_f2_mul(t4, zz), 2))
    t6 = _f2_sub(_f2_sub(_f2_sub(_f2_sqr(t6), t0), t5), _f2_muls(t1, 4))
    t0 = _f2_muls(_f2_mul(nz, zz), 2)
    r[0], r[1], r[2] = nx, ny, nz
    return t0, t3, t6


def _addition_step(r: list[Fp2], qx: Fp2, qy: Fp2) -> tuple[Fp2, Fp2, Fp2]:
    """eprint 2010/354 Alg. 27 (mixed addition with affine Q); updates r in place."""
    rx, ry, rz = r
    zz = _f2_sqr(rz)
    yy = _f2_sqr(qy)
    t0 = _f2_mul(zz, qx)
    t1 = _f2_mul(_f2_sub(_f2_sub(_f2_sqr(_f2_add(qy, rz)), yy), zz), zz)
    t2 = _f2_sub(t0, rx)
    t3 = _f2_sqr(t2)
    t4 = _f2_muls(t3, 4)
    t5 = _f2_mul(t4, t2)
    t6 = _f2_sub(_f2_sub(t1, ry), ry)
    t9 = _f2_mul(t6, qx)
    t7 = _f2_mul(t4, rx)
    nx = _f2_sub(_f2_sub(_f2_sub(_f2_sqr(t6), t5), t7), t7)
    nz = _f2_sub(_f2_sub(_f2_sqr(_f2_add(rz, t2)), zz), t3)
    t10 = _f2_add(qy, nz)
    t8 = _f2_mul(_f2_sub(t7, nx), t6)
    t0 = _f2_muls(_f2_mul(ry, t5), 2)
    ny = _f2_sub(t8, t0)
    t10 = _f2_sub(_f2_sub(_f2_sqr(t10), yy), _f2_sqr(nz))
    t9 = _f2_sub(_f2_muls(t9, 2), t10)
    t10 = _f2_muls(nz, 2)
    t1 = _f2_muls(_f2_neg(t6), 2)
    r[0], r[1], r[2] = nx, ny, nz
    return t10, t1, t9


def _ell(f: Fp12, coeffs: tuple[Fp2, Fp2, Fp2], px: int, py: int) -> Fp12:
    c0, c1, c2 = coeffs
    return _f12_mul_by_014(f, c2, _f2_muls(c1, px), _f2_muls(c0, py))


def pairing_product_is_one(pairs: Sequence[tuple[tuple[int, int] | None, tuple[Fp2, Fp2] | None]]) -> bool:
    """prod e(P_i, Q_i) == 1 for affine P_i in G1, Q_i in G2 (``None`` = identity, factor 1).

    One Miller loop over all pairs at once (a single squaring chain), one final exponentiation.
    """
    active = [(p, q) for p, q in pairs if p is not None and q is not None]
    if not active:
        return True
    states = [[q[0], q[1], _ONE2] for _, q in active]
    f = F12_ONE
    bits = bin(_ABS_X >> 1)[3:]  # after the leading one, as in the usual loop over x >> 1
    for bit in bits:
        for (p, q), st in zip(active, states, strict=True):
            f = _ell(f, _doubling_step(st), p[0], p[1])
            if bit == "1":
                f = _ell(f, _addition_step(st, q[0], q[1]), p[0], p[1])
        f = _f12_sqr(f)
    for (p, _), st in zip(active, states, strict=True):
        f = _ell(f, _doubling_step(st), p[0], p[1])
    # x < 0: the Miller value for -x is the conjugate (an inverse after the final exponentiation).
    f = _f12_conj(f)
    return _final_exponentiation_is_one(f)
