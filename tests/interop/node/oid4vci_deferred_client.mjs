// OpenID4VCI 1.0 deferred issuance (§9) and notifications (§11) driven by the independent
// client library `@openid4vc/openid4vci` (oid4vc-ts) against our issuer. The library does every
// protocol step; this script only supplies its callbacks (loopback-only fetch, node:crypto
// hashes and randomness, jose signing). One step per run, so the test can approve in between:
//
// stdin:  {step: "request", offer}  → {status, body, accessToken, credentialIssuer, endpoints}
//         {step: "poll", credentialIssuer, accessToken, transactionId}
//                                    → {status, body} | {status, error, issues?}
//         {step: "notify", credentialIssuer, accessToken, notificationId, event, description?}
//                                    → {status} | {status, error}
import {createHash, randomBytes} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {setGlobalConfig} from '@openid4vc/utils';
import {SignJWT, exportJWK, generateKeyPair} from 'jose';

const HASHES = {'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512'};

function client(signWith) {
  setGlobalConfig({allowInsecureUrls: true});  // our issuer runs on http://127.0.0.1 in tests
  return new Openid4vciClient({callbacks: {
    fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input.url);
      if(!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
        throw new Error(`refusing to fetch ${url.origin}: loopback only`);
      }
      return fetch(input, init);
    },
    hash: (data, name) => new Uint8Array(createHash(HASHES[name]).update(data).digest()),
    generateRandom: n => new Uint8Array(randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(signWith.privateKey);
      return {jwt, signerJwk: signWith.publicJwk};
    }
  }});
}

// The library's errors carry the HTTP response: report its status, the body (an OAuth error,
// or a response the library refused to parse) and the library's validation messages.
async function failure(e) {
  const res = e?.response?.response;
  if(!res) {
    throw e;
  }
  let error;
  try {
    error = await res.clone().json();
  } catch {
    error = null;
  }
  const issues = e.response.deferredCredentialResponseResult?.error?.issues?.map(i => i.message);
  return {status: res.status, error, ...(issues ? {issues} : {})};
}

export async function run(input) {
  const pair = await generateKeyPair('EdDSA', {crv: 'Ed25519'});
  const key = {privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey)};
  const c = client(key);
  if(input.step === 'request') {
    const credentialOffer = await c.resolveCredentialOffer(input.offer);
    const issuerMetadata = await c.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const {accessTokenResponse} = await c.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata
    });
    const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
    const {c_nonce: nonce} = await c.requestNonce({issuerMetadata});
    const {jwt} = await c.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId, nonce,
      signer: {method: 'jwk', alg: 'EdDSA', publicJwk: key.publicJwk}
    });
    const res = await c.retrieveCredentials({
      issuerMetadata, credentialConfigurationId,
      accessToken: accessTokenResponse.access_token, proofs: {jwt: [jwt]}
    });
    const meta = issuerMetadata.credentialIssuer;
    return {
      status: res.response.status,
      body: res.credentialResponse,
      accessToken: accessTokenResponse.access_token,
      credentialIssuer: credentialOffer.credential_issuer,
      endpoints: {deferred: meta.deferred_credential_endpoint, notification: meta.notification_endpoint}
    };
  }
  const issuerMetadata = await c.resolveIssuerMetadata(input.credentialIssuer);
  if(input.step === 'poll') {
    try {
      const res = await c.retrieveDeferredCredentials({
        issuerMetadata, accessToken: input.accessToken, transactionId: input.transactionId
      });
      return {status: res.response.status, body: res.deferredCredentialResponse};
    } catch(e) {
      return failure(e);
    }
  }
  if(input.step === 'notify') {
    try {
      const res = await c.sendNotification({
        issuerMetadata, accessToken: input.accessToken,
        notification: {notificationId: input.notificationId, event: input.event,
          eventDescription: input.description}
      });
      return {status: res.response.status};
    } catch(e) {
      return failure(e);
    }
  }
  throw new Error(`unknown step ${input.step}`);
}

if(process.argv[1] === fileURLToPath(import.meta.url)) {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  try {
    process.stdout.write(JSON.stringify(await run(JSON.parse(Buffer.concat(chunks).toString('utf8')))));
  } catch(e) {
    const detail = {name: e?.name, message: e?.message, body: e?.responseText, cause: e?.cause?.message};
    process.stderr.write(JSON.stringify(detail, null, 1) + '\n' + (e?.stack || '') + '\n');
    process.exit(1);
  }
}
