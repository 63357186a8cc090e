"""The BBS Signature Scheme, step by step as draft-irtf-cfrg-bbs-signatures-06 (… -09) writes it.

Function names are the draft's operation names in snake_case, and numbered comments follow the
draft's numbered steps, so the code can be held against the text operation by operation. The
draft is cited by operation name (its section numbers shift between revisions):

- the BBS Signatures Interface (Sign, Verify, ProofGen, ProofVerify) lives in :mod:`.api`;
- core operations: core_sign, core_verify, core_proof_gen, core_proof_verify;
- proof utilities: proof_init, proof_finalize, proof_verify_init, proof_challenge_calculate;
- utilities: create_generators, messages_to_scalars, hash_to_scalar, calculate_domain,
  calculate_random_scalars, and the serialization operations (octets_to_signature, …);
- the test-vector helper seeded_random_scalars (the draft's mocked_calculate_random_scalars).

Inputs reaching this module are already type-checked by :mod:`.api`. Malformed encodings
raise :class:`InvalidInput`; a check that fails raises :class:`VerificationError`.

Group work goes through a :class:`~.backends.Backend`. Where the draft computes a sum of
scalar multiplications we hand the whole sum to one multi-scalar multiplication, and the
pairing checks are one multi-pairing (product of Miller loops, one final exponentiation). Four
places (CoreSign, CoreVerify, ProofInit, ProofVerifyInit) regroup terms without changing any
value; each says so where it happens.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..errors import InvalidInput, VerificationError
from .backends import G1, G2, Backend
from .ciphersuites import (
    EXPAND_LEN,
    OCTET_POINT_LENGTH,
    OCTET_SCALAR_LENGTH,
    Ciphersuite,
    R,
    i2osp,
    os2ip,
)

__all__ = [
    "InitResult",
    "ProofResult",
    "calculate_domain",
    "calculate_random_scalars",
    "core_proof_gen",
    "core_proof_verify",
    "core_sign",
    "core_verify",
    "create_generators",
    "generators_for",
    "hash_to_scalar",
    "messages_to_scalars",
    "octets_to_proof",
    "octets_to_pubkey",
    "octets_to_signature",
    "proof_challenge_calculate",
    "proof_finalize",
    "proof_init",
    "proof_to_octets",
    "proof_verify_init",
    "seeded_random_scalars",
    "signature_to_octets",
]

RandomScalars = Callable[[int], list[int]]

#: proof_len_floor (octets_to_proof): 3 points and 4 scalars.
PROOF_LEN_FLOOR = 3 * OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH
SIGNATURE_LENGTH = OCTET_POINT_LENGTH + OCTET_SCALAR_LENGTH


def _scalar_octets(s: int) -> bytes:
    return i2osp(s, OCTET_SCALAR_LENGTH)


# --------------------------------------------------------------------------------------------
# hash_to_scalar, messages_to_scalars
# --------------------------------------------------------------------------------------------
def hash_to_scalar(msg_octets: bytes, dst: bytes, suite: Ciphersuite) -> int:
    """Draft hash_to_scalar: expand_message to 48 octets, reduce mod r."""
    # 1. uniform_bytes = expand_message(msg_octets, dst, expand_len)
    uniform_bytes = suite.expand_message(msg_octets, dst, EXPAND_LEN)
    # 2. return OS2IP(uniform_bytes) mod r
    return os2ip(uniform_bytes) % R


def messages_to_scalars(messages: Sequence[bytes], api_id: bytes, suite: Ciphersuite) -> list[int]:
    """Draft messages_to_scalars (MapMessageToScalarAsHash for every message)."""
    # 1. L = length(messages); 2. if L > 2^64 - 1, return INVALID (a Python list cannot be).
    map_dst = api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"
    # 3.-5. msg_scalar_i = hash_to_scalar(msg_i, map_dst)
    return [hash_to_scalar(msg, map_dst, suite) for msg in messages]


# --------------------------------------------------------------------------------------------
# create_generators
# --------------------------------------------------------------------------------------------
def _generator_stream(
    api_id: bytes, suite: Ciphersuite, backend: Backend, generator_seed: bytes | None = None
) -> Iterator[G1]:
    """The generators of create_generators in index order, without end (each depends only on i)."""
    # 1. seed_dst = api_id || "SIG_GENERATOR_SEED_"; 2. generator_dst = api_id || "SIG_GENERATOR_DST_"
    # 3. generator_seed = api_id || "MESSAGE_GENERATOR_SEED" (unless given, as for P1)
    seed_dst = api_id + b"SIG_GENERATOR_SEED_"
    generator_dst = api_id + b"SIG_GENERATOR_DST_"
    if generator_seed is None:
        generator_seed = api_id + b"MESSAGE_GENERATOR_SEED"
    # 4. v = expand_message(generator_seed, seed_dst, expand_len)
    v = suite.expand_message(generator_seed, seed_dst, EXPAND_LEN)
    i = 0
    while True:
        # 5. for i in (1, 2, ..., count):
        i += 1
        # 6. v = expand_message(v || I2OSP(i, 8), seed_dst, expand_len)
        v = suite.expand_message(v + i2osp(i, 8), seed_dst, EXPAND_LEN)
        # 7. generator_i = hash_to_curve_g1(v, generator_dst)
        u0, u1 = suite.hash_to_field(v, generator_dst, 2)
        yield backend.g1_map_to_curve(u0, u1)


def create_generators(
    count: int, api_id: bytes, suite: Ciphersuite, backend: Backend, *, generator_seed: bytes | None = None
) -> list[G1]:
    """Draft create_generators, uncached. ``generator_seed`` overridden only to derive P1."""
    if count < 0 or count > 2**64 - 1:
        raise InvalidInput("generator count out of range", code="bbs.count")
    stream = _generator_stream(api_id, suite, backend, generator_seed)
    # 8. return (generator_1, ..., generator_count)
    return [next(stream) for _ in range(count)]


def generators_for(count: int, api_id: bytes, suite: Ciphersuite, backend: Backend) -> list[G1]:
    """create_generators(count, api_id) through the backend's bounded cache."""
    return backend.generator_cache.get(
        api_id + suite.ciphersuite_id, count, lambda: _generator_stream(api_id, suite, backend)
    )


# --------------------------------------------------------------------------------------------
# calculate_domain
# --------------------------------------------------------------------------------------------
def calculate_domain(
    pk: bytes,
    q_1: G1,
    h_points: Sequence[G1],
    header: bytes,
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> int:
    """Draft calculate_domain: binds PK, the generators, the header and the api_id."""
    # 1. domain_dst = api_id || "H2S_"
    domain_dst = api_id + b"H2S_"
    # 2. L = length(H_Points); 3. if length(header) > 2^64 - 1 or L > 2^64 - 1, return INVALID
    length = len(h_points)
    # 4. (H_1, ..., H_L) = H_Points; 5. dom_array = (L, Q_1, H_1, ..., H_L)
    # 6. dom_octs = serialize(dom_array) || api_id
    dom_octs = b"".join([i2osp(length, 8), backend.g1_to_bytes(q_1), *map(backend.g1_to_bytes, h_points)])
    dom_octs += api_id
    # 7. dom_input = PK || dom_octs || I2OSP(length(header), 8) || header
    dom_input = pk + dom_octs + i2osp(len(header), 8) + header
    # 8. return hash_to_scalar(dom_input, domain_dst)
    return hash_to_scalar(dom_input, domain_dst, suite)


# --------------------------------------------------------------------------------------------
# serialization
# --------------------------------------------------------------------------------------------
def octets_to_pubkey(pk: bytes, backend: Backend) -> G2:
    """Draft octets_to_pubkey: a valid, non-identity point of G2."""
    # 1. W = octets_to_point_g2(PK); 2. if W is INVALID, return INVALID (subgroup checked too)
    w = backend.g2_from_bytes(pk)
    # 3. if W == Identity_G2, return INVALID
    if backend.g2_is_identity(w):
        raise InvalidInput("public key is the identity of G2", code="bbs.public_key")
    return w


def octets_to_signature(signature_octets: bytes, backend: Backend) -> tuple[G1, int]:
    """Draft octets_to_signature: (A, e) with A in G1 \\ {identity}, 0 < e < r."""
    # 1. if length(signature_octets) != expected_len, return INVALID
    if len(signature_octets) != SIGNATURE_LENGTH:
        raise InvalidInput(f"signature must be {SIGNATURE_LENGTH} octets", code="bbs.signature_length")
    # 2.-3. A = octets_to_point_g1(A_octets); if A is INVALID (incl. subgroup) return INVALID
    a = backend.g1_from_bytes(signature_octets[:OCTET_POINT_LENGTH])
    # 4. if A == Identity_G1, return INVALID
    if backend.g1_is_identity(a):
        raise InvalidInput("signature point is the identity", code="bbs.signature_point")
    # 5.-6. e = OS2IP(signature_octets[48..79]); if e = 0 or e >= r, return INVALID
    e = os2ip(signature_octets[OCTET_POINT_LENGTH:])
    if e == 0 or e >= R:
        raise InvalidInput("signature scalar out of range", code="bbs.signature_scalar")
    return a, e


def signature_to_octets(a: G1, e: int, backend: Backend) -> bytes:
    """Draft signature_to_octets: point_to_octets_g1(A) || I2OSP(e, 32)."""
    return backend.g1_to_bytes(a) + _scalar_octets(e)


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The deserialized proof (Abar, Bbar, D, e^, r1^, r3^, (m^_j1, ..., m^_jU), challenge)."""

    a_bar: G1
    b_bar: G1
    d: G1
    e_hat: int
    r1_hat: int
    r3_hat: int
    m_hat: tuple[int, ...]
    challenge: int


def octets_to_proof(proof_octets: bytes, backend: Backend) -> ProofResult:
    """Draft octets_to_proof: three non-identity G1 points, then scalars in [1, r-1]."""
    # 1. proof_len_floor = 3 * octet_point_length + 4 * octet_scalar_length
    # 2. if length(proof_octets) < proof_len_floor, return INVALID
    if len(proof_octets) < PROOF_LEN_FLOOR:
        raise InvalidInput(f"proof shorter than {PROOF_LEN_FLOOR} octets", code="bbs.proof_length")
    # (17. index == length(proof_octets) at the end: only whole scalars may follow the points.)
    if (len(proof_octets) - PROOF_LEN_FLOOR) % OCTET_SCALAR_LENGTH:
        raise InvalidInput("proof length is not 272 + 32*U octets", code="bbs.proof_length")
    # 3.-9. three points: each valid, in G1, and not the identity
    points = []
    index = 0
    for _ in range(3):
        point = backend.g1_from_bytes(proof_octets[index : index + OCTET_POINT_LENGTH])
        if backend.g1_is_identity(point):
            raise InvalidInput("proof point is the identity", code="bbs.proof_point")
        points.append(point)
        index += OCTET_POINT_LENGTH
    # 10.-16. scalars: s_j = OS2IP(...); if s_j = 0 or s_j >= r, return INVALID
    scalars = []
    while index < len(proof_octets):
        s_j = os2ip(proof_octets[index : index + OCTET_SCALAR_LENGTH])
        if s_j == 0 or s_j >= R:
            raise InvalidInput("proof scalar out of range", code="bbs.proof_scalar")
        scalars.append(s_j)
        index += OCTET_SCALAR_LENGTH
    # 18.-20. (A_0, A_1, A_2, s_0, s_1, s_2, (s_3, ..., s_(j-2)), s_(j-1))
    return ProofResult(
        points[0], points[1], points[2], scalars[0], scalars[1], scalars[2], tuple(scalars[3:-1]), scalars[-1]
    )


def proof_to_octets(proof: ProofResult, backend: Backend) -> bytes:
    """Draft proof_to_octets: the three points compressed, then every scalar in 32 octets."""
    scalars = (proof.e_hat, proof.r1_hat, proof.r3_hat, *proof.m_hat, proof.challenge)
    return b"".join(
        [
            backend.g1_to_bytes(proof.a_bar),
            backend.g1_to_bytes(proof.b_bar),
            backend.g1_to_bytes(proof.d),
            *map(_scalar_octets, scalars),
        ]
    )


# --------------------------------------------------------------------------------------------
# random scalars
# --------------------------------------------------------------------------------------------
def calculate_random_scalars(count: int, rng: Callable[[int], bytes]) -> list[int]:
    """Draft calculate_random_scalars: OS2IP(get_random(expand_len)) mod r, ``count`` times.

    ``rng(n)`` must return ``n`` uniformly random octets (``os.urandom`` by default upstream);
    a test may pass a deterministic source (the draft's mocked_calculate_random_scalars is
    exactly such a source: successive 48-octet slices of one expand_message output).
    """
    out = []
    for _ in range(count):
        octets = rng(EXPAND_LEN)
        if not isinstance(octets, bytes | bytearray) or len(octets) != EXPAND_LEN:
            raise InvalidInput("rng must return the number of octets asked for", code="bbs.rng")
        out.append(os2ip(octets) % R)
    return out


def seeded_random_scalars(seed: bytes, dst: bytes, count: int, suite: Ciphersuite) -> list[int]:
    """Draft appendix seeded_random_scalars: deterministic scalars for test vectors only."""
    # 1. out_len = expand_len * count; 2. if out_len > 65535, return INVALID
    out_len = EXPAND_LEN * count
    if out_len > 65535:
        raise InvalidInput("too many seeded scalars", code="bbs.count")
    # 3. v = expand_message(SEED, dst, out_len)
    v = suite.expand_message(seed, dst, out_len)
    # 4.-7. r_i = OS2IP(v[(i-1)*expand_len..i*expand_len-1]) mod r
    return [os2ip(v[i * EXPAND_LEN : (i + 1) * EXPAND_LEN]) % R for i in range(count)]


# --------------------------------------------------------------------------------------------
# CoreSign, CoreVerify
# --------------------------------------------------------------------------------------------
def _p1(suite: Ciphersuite, backend: Backend) -> G1:
    """P1 of the suite, decoded once per backend (kept in the backend's generator cache)."""
    return backend.generator_cache.get(b"P1|" + suite.p1, 1, lambda: iter([backend.g1_from_bytes(suite.p1)]))[
        0
    ]


def core_sign(
    sk: int,
    pk: bytes,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> bytes:
    """Draft CoreSign."""
    # 1. signature_dst = api_id || "H2S_"; 2. L = length(messages)
    signature_dst = api_id + b"H2S_"
    length = len(messages)
    # 3. if length(generators) != L + 1, return INVALID
    if len(generators) != length + 1:
        raise InvalidInput("need L + 1 generators", code="bbs.generators")
    # 4. (Q_1, H_1, ..., H_L) = generators
    q_1, h = generators[0], generators[1:]
    # 5. domain = calculate_domain(PK, Q_1, (H_1, ..., H_L), header, api_id)
    domain = calculate_domain(pk, q_1, h, header, api_id, suite, backend)
    # 6. e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), signature_dst)
    e_input = b"".join(map(_scalar_octets, (sk, *messages, domain)))
    e = hash_to_scalar(e_input, signature_dst, suite)
    # 7. B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L
    # 8. A = B * (1 / (SK + e))
    # Steps 7 and 8 as one MSM: A = sum(base_i * (scalar_i / (SK + e))).
    sk_plus_e = (sk + e) % R
    if sk_plus_e == 0:  # only for an SK chosen as -e; the inverse would not exist
        raise InvalidInput("secret key unusable for this message set", code="bbs.secret_key")
    inv = pow(sk_plus_e, -1, R)
    bases = [_p1(suite, backend), q_1, *h]
    a = backend.g1_msm(bases, [inv, domain * inv % R, *(m * inv % R for m in messages)])
    # (A == Identity_G1 would need B == Identity_G1: a hash collision with P1's discrete log.)
    if backend.g1_is_identity(a):
        raise InvalidInput("signature would be the identity", code="bbs.signature_point")
    # 9. return signature_to_octets((A, e))
    return signature_to_octets(a, e, backend)


def core_verify(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> None:
    """Draft CoreVerify. Returns ``None``; raises :class:`VerificationError` if invalid."""
    # 1. signature_result = octets_to_signature(signature); 2. if INVALID, return INVALID
    a, e = octets_to_signature(signature, backend)
    # 3. (A, e) = signature_result; 4. W = octets_to_pubkey(PK); 5. if W is INVALID, return INVALID
    w = octets_to_pubkey(pk, backend)
    # 6. L = length(messages); 7. if length(generators) != L + 1, return INVALID
    length = len(messages)
    if len(generators) != length + 1:
        raise InvalidInput("need L + 1 generators", code="bbs.generators")
    # 8. (Q_1, H_1, ..., H_L) = generators
    q_1, h = generators[0], generators[1:]
    # 9. domain = calculate_domain(PK, Q_1, (H_1, ..., H_L), header, api_id)
    domain = calculate_domain(pk, q_1, h, header, api_id, suite, backend)
    # 10. B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L
    # 11. if h(A, W + BP2 * e) * h(B, -BP2) != Identity_GT, return INVALID
    # By bilinearity h(A, W + BP2*e) * h(B, -BP2) = h(A, W) * h(A*e - B, BP2). The right-hand
    # side needs no G2 scalar multiplication, and A*e - B is one MSM with B's terms negated.
    bases = [a, _p1(suite, backend), q_1, *h]
    c = backend.g1_msm(bases, [e, R - 1, (R - domain) % R, *((R - m) % R for m in messages)])
    if not backend.pairing_check([a, c], [w, backend.g2_generator()]):
        raise VerificationError("BBS signature does not verify", code="bbs.signature_invalid")
    # 12. return VALID


# --------------------------------------------------------------------------------------------
# proof building blocks
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InitResult:
    """(Abar, Bbar, D, T1, T2, domain), the output of ProofInit and ProofVerifyInit."""

    a_bar: G1
    b_bar: G1
    d: G1
    t1: G1
    t2: G1
    domain: int


def proof_init(
    pk: bytes,
    signature_result: tuple[G1, int],
    generators: Sequence[G1],
    random_scalars: Sequence[int],
    header: bytes,
    messages: Sequence[int],
    undisclosed_indexes: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> InitResult:
    """Draft ProofInit."""
    # 1. (A, e) = signature
    a, e = signature_result
    # 2. L = length(messages); 3. U = length(undisclosed_indexes); 4. (j1, ..., jU) = undisclosed_indexes
    length = len(messages)
    u = len(undisclosed_indexes)
    # 5. if length(random_scalars) != U + 5, return INVALID
    if len(random_scalars) != u + 5:
        raise InvalidInput("need U + 5 random scalars", code="bbs.random_scalars")
    # 6. (r1, r2, e~, r1~, r3~, m~_j1, ..., m~_jU) = random_scalars
    r1, r2, e_t, r1_t, r3_t = random_scalars[:5]
    m_t = random_scalars[5:]
    # 7. (msg_1, ..., msg_L) = messages; 8. if length(generators) != L + 1, return INVALID
    if len(generators) != length + 1:
        raise InvalidInput("need L + 1 generators", code="bbs.generators")
    # 9. (Q_1, MsgGenerators) = generators; 10. (H_1, ..., H_L) = MsgGenerators
    q_1, h = generators[0], generators[1:]
    # 11. (H_j1, ..., H_jU) = (MsgGenerators[j1], ..., MsgGenerators[jU])
    h_u = [h[j] for j in undisclosed_indexes]
    # 12. domain = calculate_domain(PK, Q_1, (H_1, ..., H_L), header, api_id)
    domain = calculate_domain(pk, q_1, h, header, api_id, suite, backend)
    # 13. B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L
    # 14. D = B * r2
    # Steps 13-14 as one MSM with every scalar times r2 (B itself is not needed).
    bases = [_p1(suite, backend), q_1, *h]
    d = backend.g1_msm(bases, [r2, domain * r2 % R, *(m * r2 % R for m in messages)])
    # 15. Abar = A * (r1 * r2)
    a_bar = backend.g1_msm([a], [r1 * r2 % R])
    # 16. Bbar = D * r1 - Abar * e
    b_bar = backend.g1_msm([d, a_bar], [r1, (R - e) % R])
    # 17. T1 = Abar * e~ + D * r1~
    t1 = backend.g1_msm([a_bar, d], [e_t, r1_t])
    # 18. T2 = D * r3~ + H_j1 * m~_j1 + ... + H_jU * m~_jU
    t2 = backend.g1_msm([d, *h_u], [r3_t, *m_t])
    # 19. return (Abar, Bbar, D, T1, T2, domain)
    return InitResult(a_bar, b_bar, d, t1, t2, domain)


def proof_finalize(
    init_res: InitResult,
    challenge: int,
    e_value: int,
    random_scalars: Sequence[int],
    undisclosed_messages: Sequence[int],
) -> ProofResult:
    """Draft ProofFinalize (returns the structure; :func:`proof_to_octets` serializes)."""
    # 1. U = length(undisclosed_messages); 2. if length(random_scalars) != U + 5, return INVALID
    u = len(undisclosed_messages)
    if len(random_scalars) != u + 5:
        raise InvalidInput("need U + 5 random scalars", code="bbs.random_scalars")
    # 3. (r1, r2, e~, r1~, r3~, m~_j1, ..., m~_jU) = random_scalars
    r1, r2, e_t, r1_t, r3_t = random_scalars[:5]
    m_t = random_scalars[5:]
    # 4. (undisclosed_1, ..., undisclosed_U) = undisclosed_messages; 5. (Abar, Bbar, D) = init_res[0..2]
    # 6. r3 = r2^-1 (mod r)
    if r1 == 0 or r2 == 0:
        raise InvalidInput("random scalar r1 or r2 is zero: broken randomness source", code="bbs.rng")
    r3 = pow(r2, -1, R)
    # 7. e^ = e~ + e_value * challenge; 8. r1^ = r1~ - r1 * challenge; 9. r3^ = r3~ - r3 * challenge
    e_hat = (e_t + e_value * challenge) % R
    r1_hat = (r1_t - r1 * challenge) % R
    r3_hat = (r3_t - r3 * challenge) % R
    # 10.-11. m^_j = m~_j + undisclosed_j * challenge (mod r)
    m_hat = tuple((mt + m * challenge) % R for mt, m in zip(m_t, undisclosed_messages, strict=True))
    # 12. proof = (Abar, Bbar, D, e^, r1^, r3^, (m^_j1, ..., m^_jU), challenge)
    return ProofResult(init_res.a_bar, init_res.b_bar, init_res.d, e_hat, r1_hat, r3_hat, m_hat, challenge)


def proof_verify_init(
    pk: bytes,
    proof: ProofResult,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> InitResult:
    """Draft ProofVerifyInit (``messages`` are the disclosed message scalars)."""
    # 1. (Abar, Bbar, D, e^, r1^, r3^, commitments, cp) = proof
    # 2. U = length(commitments); 3. R = length(disclosed_indexes); 4. L = R + U
    u = len(proof.m_hat)
    r_count = len(disclosed_indexes)
    length = r_count + u
    # 5. (i1, ..., iR) = disclosed_indexes; 6. for i in disclosed_indexes, if i < 0 or i >= L, INVALID
    if any(i < 0 or i >= length for i in disclosed_indexes):
        raise InvalidInput("disclosed index out of range", code="bbs.disclosed_indexes")
    # 7. (j1, ..., jU) = range(0, L - 1) \ disclosed_indexes
    disclosed = set(disclosed_indexes)
    undisclosed = [j for j in range(length) if j not in disclosed]
    # 8. if length(messages) != R, return INVALID
    if len(messages) != r_count:
        raise InvalidInput("need one disclosed message per disclosed index", code="bbs.disclosed_messages")
    # 9. (msg_i1, ..., msg_iR) = messages; 10. (m^_j1, ..., m^_jU) = commitments
    # 11. if length(generators) != L + 1, return INVALID
    if len(generators) != length + 1:
        raise InvalidInput("need L + 1 generators", code="bbs.generators")
    # 12. (Q_1, MsgGenerators) = generators; 13.-14. H_i, H_j by index
    q_1, h = generators[0], generators[1:]
    # 15. domain = calculate_domain(PK, Q_1, (H_1, ..., H_L), header, api_id)
    domain = calculate_domain(pk, q_1, h, header, api_id, suite, backend)
    cp = proof.challenge
    # 16. T1 = Bbar * cp + Abar * e^ + D * r1^
    t1 = backend.g1_msm([proof.b_bar, proof.a_bar, proof.d], [cp, proof.e_hat, proof.r1_hat])
    # 17. Bv = P1 + Q_1 * domain + H_i1 * msg_i1 + ... + H_iR * msg_iR
    # 18. T2 = Bv * cp + D * r3^ + H_j1 * m^_j1 + ... + H_jU * m^_jU
    # Steps 17-18 as one MSM: Bv's terms each carry the factor cp.
    bases = [
        _p1(suite, backend),
        q_1,
        *(h[i] for i in disclosed_indexes),
        proof.d,
        *(h[j] for j in undisclosed),
    ]
    scalars = [cp, domain * cp % R, *(m * cp % R for m in messages), proof.r3_hat, *proof.m_hat]
    t2 = backend.g1_msm(bases, scalars)
    # 19. return (Abar, Bbar, D, T1, T2, domain)
    return InitResult(proof.a_bar, proof.b_bar, proof.d, t1, t2, domain)


def proof_challenge_calculate(
    init_res: InitResult,
    i_array: Sequence[int],
    msg_array: Sequence[int],
    ph: bytes,
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> int:
    """Draft ProofChallengeCalculate (Fiat-Shamir over the disclosed part and the T's)."""
    # 1. challenge_dst = api_id || "H2S_"
    challenge_dst = api_id + b"H2S_"
    # 2. R = length(i_array); 3. if R > 2^64 - 1 or length(ph) > 2^64 - 1, return INVALID
    r_count = len(i_array)
    if len(msg_array) != r_count:
        raise InvalidInput("need one disclosed message per disclosed index", code="bbs.disclosed_messages")
    # 4. (i1, ..., iR) = i_array; 5. (msg_i1, ..., msg_iR) = msg_array
    # 6. (Abar, Bbar, D, T1, T2, domain) = init_res
    # 7. c_arr = (R, i1, msg_i1, i2, msg_i2, ..., iR, msg_iR, Abar, Bbar, D, T1, T2, domain)
    parts = [i2osp(r_count, 8)]
    for i, msg in zip(i_array, msg_array, strict=True):
        parts.append(i2osp(i, 8))
        parts.append(_scalar_octets(msg))
    for point in (init_res.a_bar, init_res.b_bar, init_res.d, init_res.t1, init_res.t2):
        parts.append(backend.g1_to_bytes(point))
    parts.append(_scalar_octets(init_res.domain))
    # 8. c_octs = serialize(c_arr) || I2OSP(length(ph), 8) || ph
    parts.append(i2osp(len(ph), 8))
    parts.append(ph)
    # 9. return hash_to_scalar(c_octs, challenge_dst)
    return hash_to_scalar(b"".join(parts), challenge_dst, suite)


# --------------------------------------------------------------------------------------------
# CoreProofGen, CoreProofVerify
# --------------------------------------------------------------------------------------------
def core_proof_gen(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1],
    header: bytes,
    ph: bytes,
    messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
    random_scalars: RandomScalars,
) -> bytes:
    """Draft CoreProofGen. ``disclosed_indexes`` must already be sorted, unique, in range."""
    # 1. signature_result = octets_to_signature(signature); 2. if INVALID, return INVALID
    a, e = octets_to_signature(signature, backend)
    # 3. (A, e) = signature_result; 4. L = length(messages); 5. R = length(disclosed_indexes)
    length = len(messages)
    r_count = len(disclosed_indexes)
    # 6. if R > L, return INVALID; 7. U = L - R
    if r_count > length:
        raise InvalidInput("more disclosed indexes than messages", code="bbs.disclosed_indexes")
    # 8. for i in disclosed_indexes, if i < 0 or i >= L, return INVALID
    if any(i < 0 or i >= length for i in disclosed_indexes):
        raise InvalidInput("disclosed index out of range", code="bbs.disclosed_indexes")
    # 9. undisclosed_indexes = range(0, L - 1) \ disclosed_indexes
    disclosed = set(disclosed_indexes)
    undisclosed_indexes = [j for j in range(length) if j not in disclosed]
    # 10.-11. (i1, ..., iR), (j1, ..., jU); 12.-13. disclosed / undisclosed messages
    disclosed_messages = [messages[i] for i in disclosed_indexes]
    undisclosed_messages = [messages[j] for j in undisclosed_indexes]
    # 14. random_scalars = calculate_random_scalars(5 + U)
    scalars = random_scalars(5 + len(undisclosed_indexes))
    # 15. init_res = ProofInit(PK, signature_result, generators, random_scalars, header, messages,
    #                          undisclosed_indexes, api_id); 16. if INVALID, return INVALID
    init_res = proof_init(
        pk, (a, e), generators, scalars, header, messages, undisclosed_indexes, api_id, suite, backend
    )
    # 17. challenge = ProofChallengeCalculate(init_res, disclosed_indexes, disclosed_messages, ph, api_id)
    challenge = proof_challenge_calculate(
        init_res, disclosed_indexes, disclosed_messages, ph, api_id, suite, backend
    )
    # 19. proof = ProofFinalize(init_res, challenge, e, random_scalars, undisclosed_messages)
    proof = proof_finalize(init_res, challenge, e, scalars, undisclosed_messages)
    return proof_to_octets(proof, backend)


def core_proof_verify(
    pk: bytes,
    proof: bytes,
    generators: Sequence[G1],
    header: bytes,
    ph: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    suite: Ciphersuite,
    backend: Backend,
) -> None:
    """Draft CoreProofVerify. Returns ``None``; raises :class:`VerificationError` if invalid."""
    # 1. proof_result = octets_to_proof(proof); 2. if INVALID, return INVALID
    proof_result = octets_to_proof(proof, backend)
    # 3. (Abar, Bbar, D, e^, r1^, r3^, commitments, cp) = proof_result
    # 4. W = octets_to_pubkey(PK); 5. if W is INVALID, return INVALID
    w = octets_to_pubkey(pk, backend)
    # 6. init_res = ProofVerifyInit(PK, proof_result, generators, header, disclosed_messages,
    #                               disclosed_indexes, api_id); 7. if INVALID, return INVALID
    init_res = proof_verify_init(
        pk, proof_result, generators, header, disclosed_messages, disclosed_indexes, api_id, suite, backend
    )
    # 8. challenge = ProofChallengeCalculate(init_res, disclosed_indexes, disclosed_messages, ph, api_id)
    challenge = proof_challenge_calculate(
        init_res, disclosed_indexes, disclosed_messages, ph, api_id, suite, backend
    )
    # 10. if cp != challenge, return INVALID (compared in constant time)
    if not hmac.compare_digest(_scalar_octets(proof_result.challenge), _scalar_octets(challenge)):
        raise VerificationError("BBS proof does not verify (challenge mismatch)", code="bbs.proof_invalid")
    # 11. if h(Abar, W) * h(Bbar, -BP2) != Identity_GT, return INVALID
    if not backend.pairing_check([proof_result.a_bar, proof_result.b_bar], [w, backend.g2_neg_generator()]):
        raise VerificationError("BBS proof does not verify (pairing)", code="bbs.proof_invalid")
    # 12. return VALID
