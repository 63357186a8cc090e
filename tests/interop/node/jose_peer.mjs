// jose (panva, pinned in package.json) as an independent vc+jwt peer.
// stdin: {op: "verify", jwt, jwk, alg, typ?, issuer?, currentDate?}
//        {op: "sign", payload, jwk, alg, kid, typ, cty}
//        {op: "unsecured", payload}
// stdout: JSON result; a verification failure is reported as {verified: false, code}, not thrown.
//
// jose 6 runs on WebCrypto, which has no secp256k1: for ES256K this peer signs and verifies the
// compact JWS with Node's own crypto (OpenSSL) instead, still independent of our code.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { CompactSign, UnsecuredJWT, compactVerify, importJWK, jwtVerify } from 'jose';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

function es256kVerify({ jwt, jwk }) {
  const [h, p, s] = jwt.split('.');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = nodeVerify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) return { verified: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' };
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  return { verified: true, header, payload, jwtPayload: payload, via: 'node:crypto' };
}

function es256kSign({ payload, jwk, kid, typ, cty }) {
  const header = { alg: 'ES256K', kid };
  if (typ) header.typ = typ;
  if (cty) header.cty = cty;
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const sig = nodeSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return { jwt: `${input}.${b64u(sig)}`, via: 'node:crypto' };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

async function verify({ jwt, jwk, alg, typ, issuer, currentDate }) {
  if (alg === 'ES256K') return es256kVerify({ jwt, jwk });
  const key = await importJWK(jwk, alg);
  try {
    const { payload, protectedHeader } = await compactVerify(jwt, key, { algorithms: [alg] });
    const claims = await jwtVerify(jwt, key, {
      algorithms: [alg],
      typ,
      issuer,
      currentDate: currentDate ? new Date(currentDate) : undefined,
    });
    return {
      verified: true,
      header: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload)),
      jwtPayload: claims.payload,
    };
  } catch (err) {
    return { verified: false, code: err.code ?? String(err) };
  }
}

async function sign({ payload, jwk, alg, kid, typ, cty }) {
  if (alg === 'ES256K') return es256kSign({ payload, jwk, kid, typ, cty });
  const key = await importJWK(jwk, alg);
  const header = { alg, kid };
  if (typ) header.typ = typ;
  if (cty) header.cty = cty;
  const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
  return { jwt };
}

let out;
if (input.op === 'verify') out = await verify(input);
else if (input.op === 'sign') out = await sign(input);
else if (input.op === 'unsecured') out = { jwt: new UnsecuredJWT(input.payload).encode() };
else throw new Error(`unknown op ${input.op}`);
process.stdout.write(JSON.stringify(out));
