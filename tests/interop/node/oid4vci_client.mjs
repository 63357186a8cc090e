// OpenID4VCI 1.0 pre-authorized code flow run by an independent client library:
// `@openid4vc/openid4vci` (oid4vc-ts) and its `@openid4vc/oauth2` / `@openid4vc/utils`.
// The library's Openid4vciClient does every protocol step (offer resolution by value or by
// reference, issuer and authorization-server metadata discovery, token request with tx_code,
// nonce endpoint, proof JWT header/payload, credential request and response parsing); this
// script only supplies its callbacks: fetch, SHA hashes and randomness from node:crypto, and
// JWT signing with jose.
//
// stdin:  {offer: "openid-credential-offer://…", txCode?, holderJwk?: private JWK,
//          holderKid?: DID URL of that key (proof header `kid` instead of `jwk`),
//          alg?: "EdDSA"|"ES256", batch?: n, replay?: bool}
// stdout: {credentials, jwk, offer, issuerMetadata, authorizationServer, tokenResponse, version,
//          requests: [{method, path, status}] (every HTTP request the library made),
//          replay?: {status, error}} — or, when the token request fails, {tokenError: {status, error}}
//          (the OAuth error response as the library parsed it).
import {createHash, randomBytes} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {setGlobalConfig} from '@openid4vc/utils';
import {SignJWT, exportJWK, generateKeyPair, importJWK} from 'jose';

const HASHES = {'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512'};

function onlyLoopback(input) {
  const url = new URL(typeof input === 'string' ? input : input.url);
  if(!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`refusing to fetch ${url.origin}: loopback only`);
  }
}

export async function run({offer, txCode, holderJwk, holderKid, alg = 'EdDSA', batch = 1, replay = false}) {
  // Our issuer runs on http://127.0.0.1 in tests; the library requires https unless told.
  setGlobalConfig({allowInsecureUrls: true});
  let privateKey;
  let publicJwk;
  if(holderJwk) {
    privateKey = await importJWK(holderJwk, alg);
    const {d: _d, ...pub} = holderJwk;
    publicJwk = pub;
  } else {
    const pair = await generateKeyPair(alg, {crv: alg === 'EdDSA' ? 'Ed25519' : undefined});
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  }
  const requests = [];  // what the library asked for, to check it against the spec
  const callbacks = {
    fetch: async (input, init) => {
      onlyLoopback(input);
      const res = await fetch(input, init);
      const url = new URL(typeof input === 'string' ? input : input.url);
      requests.push({method: init?.method || 'GET', path: url.pathname, status: res.status});
      return res;
    },
    hash: (data, name) => new Uint8Array(createHash(HASHES[name]).update(data).digest()),
    generateRandom: n => new Uint8Array(randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      if(signer.method !== 'jwk' && signer.method !== 'did') {
        throw new Error(`this wallet signs with its JWK or DID only, not ${signer.method}`);
      }
      const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
      return {jwt, signerJwk: publicJwk};
    }
  };
  const client = new Openid4vciClient({callbacks});
  const credentialOffer = await client.resolveCredentialOffer(offer);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  let token;
  try {
    token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, txCode: txCode ?? undefined
    });
  } catch(e) {
    if(!e.errorResponse) {
      throw e;
    }
    return {tokenError: {status: e.response.status, error: e.errorResponse}, requests};
  }
  const {accessTokenResponse, authorizationServer} = token;
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
  const jwts = [];
  for(let i = 0; i < batch; ++i) {
    const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
    const {jwt} = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId,
      nonce,
      // A DID URL signer puts `kid` in the proof header; a JWK signer puts `jwk`.
      signer: holderKid ? {method: 'did', didUrl: holderKid, alg} : {method: 'jwk', alg, publicJwk}
    });
    jwts.push(jwt);
  }
  const request = {
    issuerMetadata,
    credentialConfigurationId,
    accessToken: accessTokenResponse.access_token,
    proofs: {jwt: jwts}
  };
  const response = await client.retrieveCredentials(request);
  const body = response.credentialResponse;
  let replayed;
  if(replay) {  // the same proofs again: their nonces are spent
    try {
      await client.retrieveCredentials(request);
      replayed = {status: 200};
    } catch(e) {
      if(!e.response?.response) {
        throw e;
      }
      replayed = {
        status: e.response.response.status,
        error: e.response.credentialErrorResponseResult?.data
      };
    }
  }
  return {
    requests,
    replay: replayed,
    credentials: (body.credentials || []).map(c => c.credential),
    jwk: publicJwk,
    offer: credentialOffer,
    version: issuerMetadata.originalDraftVersion,
    issuerMetadata: issuerMetadata.credentialIssuer,
    authorizationServer,
    tokenResponse: {...accessTokenResponse, access_token: '<redacted>'}
  };
}

if(process.argv[1] === fileURLToPath(import.meta.url)) {
  const chunks = [];
  for await (const c of process.stdin) {
    chunks.push(c);
  }
  try {
    const out = await run(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
    process.stdout.write(JSON.stringify(out));
  } catch(e) {
    // The library's errors carry the response body and zod issues: print them whole.
    const detail = {name: e?.name, message: e?.message, body: e?.responseText ?? e?.response?.text,
      cause: e?.cause?.message, errorResponse: e?.errorResponse};
    process.stderr.write(JSON.stringify(detail, null, 1) + '\n' + (e?.stack || '') + '\n');
    process.exit(1);
  }
}
