// A minimal OpenID4VCI 1.0 wallet (pre-authorized code flow) written against the spec with
// `jose` for keys and JWTs, to drive didkit-py's issuer from an independent JOSE stack.
// stdin: {deepLink, txCode, alg?: 'EdDSA'|'ES256'}; stdout: {credentials, jwk, metadata, replay}.
import {fileURLToPath} from 'node:url';
import {SignJWT, exportJWK, generateKeyPair} from 'jose';

async function json(res, what) {
  const body = await res.text();
  if(!res.ok) {
    throw new Error(`${what}: HTTP ${res.status} ${body}`);
  }
  return JSON.parse(body);
}

export async function run({deepLink, txCode, alg = 'EdDSA'}) {
  const q = new URL(deepLink.replace('openid-credential-offer://', 'https://x/')).searchParams;
  const offer = q.get('credential_offer') ? JSON.parse(q.get('credential_offer')) :
    await json(await fetch(q.get('credential_offer_uri')), 'offer');
  const issuer = offer.credential_issuer;
  const u = new URL(issuer);
  const metadata = await json(
    await fetch(`${u.origin}/.well-known/openid-credential-issuer${u.pathname}`), 'issuer metadata');
  const as = (metadata.authorization_servers || [issuer])[0];
  const a = new URL(as);
  const asMeta = await json(
    await fetch(`${a.origin}/.well-known/oauth-authorization-server${a.pathname}`), 'AS metadata');
  const grant = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
    'pre-authorized_code': grant['pre-authorized_code']
  });
  if(txCode) {
    form.set('tx_code', txCode);
  }
  const token = await json(await fetch(asMeta.token_endpoint, {method: 'POST', body: form}), 'token');
  const {c_nonce: nonce} = await json(
    await fetch(metadata.nonce_endpoint, {method: 'POST'}), 'nonce');
  const {privateKey, publicKey} = await generateKeyPair(alg, {crv: alg === 'EdDSA' ? 'Ed25519' : undefined});
  const jwk = await exportJWK(publicKey);
  const proof = await new SignJWT({nonce})
    .setProtectedHeader({alg, typ: 'openid4vci-proof+jwt', jwk})
    .setAudience(issuer).setIssuedAt().sign(privateKey);
  const request = {
    credential_configuration_id: offer.credential_configuration_ids[0],
    proofs: {jwt: [proof]}
  };
  const send = () => fetch(metadata.credential_endpoint, {
    method: 'POST',
    headers: {authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json'},
    body: JSON.stringify(request)
  });
  const response = await json(await send(), 'credential');
  const again = await send();  // the same proof again must be refused (nonce spent)
  return {
    credentials: response.credentials.map(c => c.credential), jwk,
    metadata, replay: {status: again.status, body: await again.json()}
  };
}

if(process.argv[1] === fileURLToPath(import.meta.url)) {
  const chunks = [];
  for await (const c of process.stdin) {
    chunks.push(c);
  }
  const out = await run(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
  process.stdout.write(JSON.stringify(out));
}
